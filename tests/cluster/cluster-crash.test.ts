import { describe, expect, it } from "vitest";
import { seedFrom } from "../../support/cli.ts";
import { runClusterCrash } from "../../support/cluster-crash-harness.ts";

/**
 * The short cluster crash test of `npm test` (the full one is `npm run test:cluster-crash`). A failing
 * run prints its seed; `CLUSTER_CRASH_SEED=<seed> npx vitest run tests/cluster/cluster-crash.test.ts`
 * runs the same kill schedule again.
 */
const SEED = seedFrom(process.env.CLUSTER_CRASH_SEED, "CLUSTER_CRASH_SEED");
const DURATION_MS = 16_000;
/** Generous: the cluster starts, shards restart and the sagas settle on a busy 2-core machine. */
const TEST_TIMEOUT_MS = 180_000;

describe("a 3-shard cluster under SIGKILL", () => {
  it(
    `loses no acknowledged write, sells no seat twice and settles every payment with a random shard killed every few seconds (seed ${SEED})`,
    async () => {
      console.log(
        `cluster crash seed ${SEED} (re-run: CLUSTER_CRASH_SEED=${SEED} npx vitest run tests/cluster/cluster-crash.test.ts)`,
      );
      const report = await runClusterCrash({
        seed: SEED,
        durationMs: DURATION_MS,
        killEveryMsMin: 2_000,
        killEveryMsMax: 4_000,
        log: (line) => console.log(line),
      });
      console.log(
        `cluster crash: ${report.kills.length} kills, ${report.requests} requests, ` +
          `${report.acknowledgedWrites} acknowledged writes checked, ${report.crossShardPayments} saga payments`,
      );
      expect(report.violations).toEqual([]);
      expect(report.kills.length).toBeGreaterThanOrEqual(2);
      expect(report.acknowledgedByKind.pay).toBeGreaterThan(0);
      expect(report.crossShardPayments).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});
