import fs from "node:fs";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import type { BalanceCharged } from "../../src/engine/wallet.ts";
import { decodeEvent, encodeEvent } from "../../src/persistence/codec.ts";
import { seedFrom } from "../../support/cli.ts";
import { runCrashLoop } from "../../support/crash-harness.ts";

/**
 * The short crash loop of `npm test` (the full one is `npm run test:crash`). A failing run prints its
 * seed; `CRASH_SEED=<seed> npx vitest run tests/faults/crash-loop.test.ts` runs it again.
 */
const SEED = seedFrom(process.env.CRASH_SEED, "CRASH_SEED");
const CYCLES = 3;
/** Generous: each cycle starts a server, and this machine may be busy with other work. */
const CRASH_TEST_TIMEOUT_MS = 180_000;

/**
 * Rewrites the newest charge in the journal to another transaction id, as a journal that lost the
 * acknowledged charge and invented another would look. Snapshots are dropped so replay reads it.
 */
function forgeNewestCharge(databasePath: string): void {
  const db = new Database(databasePath);
  try {
    db.prepare("DELETE FROM snapshots").run();
    const row = db
      .prepare("SELECT seq, payload FROM journal WHERE type = 'BalanceCharged' ORDER BY seq DESC LIMIT 1")
      .get() as { seq: number; payload: Uint8Array } | undefined;
    if (row === undefined) {
      return;
    }
    const event = decodeEvent(row.payload, "BalanceCharged") as BalanceCharged;
    const forged: BalanceCharged = { ...event, transactionId: `${event.transactionId}-forged` };
    db.prepare("UPDATE journal SET payload = ? WHERE seq = ?").run(encodeEvent(forged), row.seq);
  } finally {
    db.close();
  }
}

describe("kill -9 under load", () => {
  it(
    `keeps every acknowledged write and every invariant across ${CYCLES} SIGKILL restarts (seed ${SEED})`,
    async () => {
      console.log(
        `crash loop seed ${SEED} (re-run: CRASH_SEED=${SEED} npx vitest run tests/faults/crash-loop.test.ts)`,
      );
      const report = await runCrashLoop({ seed: SEED, cycles: CYCLES, log: (line) => console.log(line) });
      console.log(
        `crash loop: ${report.cycles} cycles, ${report.requests} requests, ${report.acknowledgedWrites} acknowledged ` +
          `writes checked, ${report.unanswered} lost in crashes (${report.unansweredApplied} applied whole), ` +
          `${report.replaysChecked} replays compared`,
      );
      expect(report.violations).toEqual([]);
      expect(report.acknowledgedWrites).toBeGreaterThan(0);
      expect(report.replaysChecked).toBeGreaterThan(0);
    },
    CRASH_TEST_TIMEOUT_MS,
  );

  it(
    "notices a journal that lost an acknowledged charge (the checker is not vacuous)",
    async () => {
      const report = await runCrashLoop({
        seed: SEED,
        cycles: 1,
        killAfterMsMin: 800,
        killAfterMsMax: 800,
        afterKill: (databasePath) => forgeNewestCharge(databasePath),
      });
      // A run with violations keeps its journal for inspection; this one failed on purpose.
      fs.rmSync(report.dir, { recursive: true, force: true });
      expect(report.violations.length).toBeGreaterThan(0);
      expect(report.violations.join("\n")).toMatch(/charge/);
    },
    CRASH_TEST_TIMEOUT_MS,
  );
});
