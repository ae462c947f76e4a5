/**
 * latency: hold-hot requests offered open loop at a constant rate of half the engine's maximum (its
 * closed-loop hold rate, measured first with wrk), evenly spaced by the paced client
 * (bench/paced-client.ts), with latency from each request's due time (coordinated omission
 * corrected); p50/p99/p99.9 on all three sides. The ceilings prove the figure is the server's:
 * bare Hono at the same rate must stay within a p99 of 2 ms, and raw node:http shows the paced
 * client's own p99.
 */

import { formatNumber } from "../../support/format.ts";
import { BenchFailure, roundProblems, runRound, SIDE_NAMES } from "../measure.ts";
import type { SideSummary } from "../measure.ts";
import { guarded, target } from "../scenario-kit.ts";
import type { Scenario } from "../scenario-kit.ts";
import { HOLD_HOT, measureHolds } from "./hold.ts";

/** The offered rate, as a share of the engine's closed-loop maximum. */
const OFFERED_SHARE_OF_MAX = 0.5;
/** Below this share of the offered rate, the latency figures describe an overloaded server. */
const ACHIEVED_RATE_FRACTION_MIN = 0.9;
const ENGINE_P99_MS_MAX = 5;
/** A ceiling's p99 at the same rate: above it, the figure would be the tool's or the machine's. */
const CEILING_P99_MS_MAX = 2;

export const latency: Scenario = {
  name: "latency",
  description: "hold-hot requests offered open loop, evenly paced, at half the engine's measured maximum",
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
        const ratePerS = Math.max(1, Math.floor(maxRate * OFFERED_SHARE_OF_MAX));
        options.log(
          `  maximum ${formatNumber(maxRate)} req/s closed loop (${probe.generator}); offering ${formatNumber(ratePerS)} req/s open loop`,
        );
        return { ratePerS, figures: { maxRate, offeredRate: ratePerS } };
      });
      const comparison = measured.comparisons[0];
      const offered = measured.figures.offeredRate ?? Number.NaN;
      const sides =
        comparison === undefined
          ? []
          : ([
              ["engine", comparison.engine],
              ["baseline", comparison.baseline],
              ["raw", comparison.raw],
            ] as const);
      const slow = (summary: SideSummary): boolean => summary.rps < offered * ACHIEVED_RATE_FRACTION_MIN;
      const p99 = (summary: SideSummary | undefined): number => summary?.latencyMs.p99 ?? Number.NaN;
      return {
        ...measured,
        figures: {
          ...measured.figures,
          achievedRate: comparison?.engine.rps ?? Number.NaN,
          p50Ms: comparison?.engine.latencyMs.p50 ?? Number.NaN,
          p99Ms: p99(comparison?.engine),
          p99_9Ms: comparison?.engine.latencyMs.p99_9 ?? Number.NaN,
          baselineP99Ms: p99(comparison?.baseline),
          rawP99Ms: p99(comparison?.raw),
          sendLagP99Ms: Math.max(...sides.map(([, summary]) => summary.sendLagP99Ms ?? Number.NaN)),
        },
        warnings: [
          ...measured.warnings,
          ...sides
            .filter(([, summary]) => slow(summary))
            .map(
              ([side, summary]) =>
                `${SIDE_NAMES[side]} answered ${formatNumber(summary.rps)} req/s of the ${formatNumber(offered)} offered: it did not keep up`,
            ),
        ],
        targets: [
          target(
            "engine p99, open loop at half the maximum",
            p99(comparison?.engine),
            "<=",
            ENGINE_P99_MS_MAX,
            " ms",
          ),
          target(
            `${SIDE_NAMES.baseline} p99 at the same rate (the figure is the server's)`,
            p99(comparison?.baseline),
            "<=",
            CEILING_P99_MS_MAX,
            " ms",
          ),
          target(
            `${SIDE_NAMES.raw} p99 at the same rate (the paced client's own)`,
            p99(comparison?.raw),
            "<=",
            CEILING_P99_MS_MAX,
            " ms",
          ),
        ],
      };
    }),
};
