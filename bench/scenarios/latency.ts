/**
 * latency: hold-hot requests offered at a fixed rate (autocannon `overallRate`) of half the
 * engine's measured maximum, with coordinated omission corrected; p50/p99/p99.9.
 *
 * Beware what autocannon's rate means: each connection gets a budget per second and spends it as
 * fast as it can when the second starts (measured on the baseline at 2,000 req/s: three quarters
 * of each second's responses arrive in its first 300 ms). Within that burst the load is closed
 * loop, so these percentiles are those of short bursts at full speed, not of a paced open loop.
 */

import { formatNumber } from "../../support/format.ts";
import { BenchFailure, roundProblems, runRound } from "../measure.ts";
import { guarded, target } from "../scenario-kit.ts";
import type { Scenario } from "../scenario-kit.ts";
import { HOLD_HOT, measureHolds } from "./hold.ts";

/** Below this share of the offered rate, the latency figures describe an overloaded engine. */
const ACHIEVED_RATE_FRACTION_MIN = 0.9;

export const latency: Scenario = {
  name: "latency",
  description: "hold-hot requests offered open-loop (autocannon overallRate) at half the measured maximum",
  run: (options) =>
    guarded(latency.name, latency.description, async () => {
      const measured = await measureHolds(HOLD_HOT, options, "latency", (hot) => async (running) => {
        const probe = await runRound(running, "engine", hot.workload, {
          durationS: options.durationS,
          connections: options.connections,
        });
        const problems = roundProblems(probe, hot.workload);
        if (problems.length > 0) {
          throw new BenchFailure(`maximum-rate probe: ${problems.join("; ")}`);
        }
        const maxRate = probe.responses / probe.durationS;
        // At least one request per second per connection: autocannon treats a rate of 0 as unlimited.
        const overallRate = Math.max(options.connections, Math.floor(maxRate / 2));
        options.log(
          `  maximum ${formatNumber(maxRate)} req/s closed-loop; offering ${overallRate} req/s open-loop`,
        );
        return { overallRate, figures: { maxRate, offeredRate: overallRate } };
      });
      const engine = measured.comparisons[0]?.engine;
      const offered = measured.figures.offeredRate ?? Number.NaN;
      return {
        ...measured,
        figures: {
          ...measured.figures,
          achievedRate: engine?.rps ?? Number.NaN,
          p50Ms: engine?.latencyMs.p50 ?? Number.NaN,
          p99Ms: engine?.latencyMs.p99 ?? Number.NaN,
          p99_9Ms: engine?.latencyMs.p99_9 ?? Number.NaN,
          autocannonP99Ms: engine?.autocannonLatencyMs.p99 ?? Number.NaN,
        },
        warnings: [
          ...measured.warnings,
          ...((engine?.rps ?? 0) < offered * ACHIEVED_RATE_FRACTION_MIN
            ? [
                `the engine answered ${formatNumber(engine?.rps ?? 0)} req/s of the ${offered} offered: it did not keep up`,
              ]
            : []),
        ],
        targets: [
          target("p99 at half the maximum rate", engine?.latencyMs.p99 ?? Number.NaN, "<=", 5, " ms"),
        ],
      };
    }),
};
