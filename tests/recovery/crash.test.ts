import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { checkEngineInvariants } from "../../src/engine/engine-invariants.ts";
import { findReservation, type EngineState } from "../../src/engine/engine-state.ts";
import { viewToken } from "../../src/engine/waiting-room/index.ts";
import type { JournalWriter } from "../../src/persistence/journal.ts";
import { recoverEngineState } from "../../src/persistence/recovery.ts";
import { seedFrom } from "../../support/cli.ts";
import { runToExit, spawnTsx, watchChild } from "../../support/child-process.ts";
import { seededRandom } from "../../src/engine/seeded-random.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";

/** The instant the recoveries this suite compares resume at (only polls depend on it). */
const RESUMED_AT_MS = Date.now();

const WRITE_LOOP = fileURLToPath(new URL("./fixtures/write-loop.ts", import.meta.url));

const KILL_CYCLES = 3;
/** The child is killed once it has acknowledged this many writes plus a random number below the spread. */
const ACKS_BEFORE_KILL_MIN = 200;
const ACKS_BEFORE_KILL_SPREAD = 1_500;
/** The child stops by itself after this long, and is killed after the timeout whatever happens. */
const CHILD_DURATION_MS = 20_000;
const CHILD_TIMEOUT_MS = 30_000;

/** One acknowledged write, as the child printed it. */
type Ack =
  | { kind: "charge"; userId: string; transactionId: string; balance: number }
  | {
      kind: "hold";
      userId: string;
      scheduleId: string;
      reservationId: string;
      seatNumbers: number[];
      amount: number;
    }
  | {
      kind: "payment";
      userId: string;
      reservationId: string;
      paymentId: string;
      amount: number;
      balance: number;
    }
  | { kind: "cancel"; userId: string; reservationId: string }
  | { kind: "token"; userId: string; token: string };

interface Run {
  readonly acks: Ack[];
  readonly stderr: string;
  readonly signal: NodeJS.Signals | null;
}

/**
 * Runs the write loop on `file`, its writes drawn from `childSeed`, and SIGKILLs it once it has
 * acknowledged `killAfterAcks` writes.
 */
async function runUntilKilled(
  file: string,
  writer: JournalWriter,
  killAfterAcks: number,
  childSeed: number,
): Promise<Run> {
  const acks: Ack[] = [];
  const args = [file, writer, String(CHILD_DURATION_MS), String(childSeed)];
  const watched = watchChild(spawnTsx(WRITE_LOOP, { args }), {
    // Only complete lines count: the kill may cut the last one short.
    onLine: (line) => {
      acks.push(JSON.parse(line) as Ack);
      if (acks.length >= killAfterAcks) {
        watched.child.kill("SIGKILL");
      }
    },
  });
  const { stderr, signal } = await runToExit(watched, CHILD_TIMEOUT_MS);
  return { acks, stderr, signal };
}

/** Checks that every acknowledged write is in the recovered state, with the same or a later status. */
function expectAcknowledged(state: EngineState, acks: readonly Ack[]): void {
  const missing: string[] = [];
  for (const ack of acks) {
    switch (ack.kind) {
      case "charge": {
        const line = state.wallets
          .get(ack.userId)
          ?.transactions.find((t) => t.transactionId === ack.transactionId);
        if (line?.type !== "CHARGE" || line.balanceAfter !== ack.balance) {
          missing.push(`charge ${ack.transactionId} of ${ack.userId}`);
        }
        break;
      }
      case "hold": {
        const reservation = findReservation(state, ack.reservationId);
        // Any status is a same-or-later one: HELD, then CONFIRMED, EXPIRED or CANCELLED.
        if (
          reservation?.userId !== ack.userId ||
          reservation.scheduleId !== ack.scheduleId ||
          reservation.amount !== ack.amount ||
          reservation.seatNumbers.join() !== ack.seatNumbers.join()
        ) {
          missing.push(`hold ${ack.reservationId}`);
        }
        break;
      }
      case "payment": {
        const reservation = findReservation(state, ack.reservationId);
        const debit = state.wallets
          .get(ack.userId)
          ?.transactions.find(
            (t) => t.type === "PAYMENT" && t.balanceAfter === ack.balance && t.amount === ack.amount,
          );
        if (
          reservation?.status !== "CONFIRMED" ||
          reservation.paymentId !== ack.paymentId ||
          debit === undefined
        ) {
          missing.push(`payment ${ack.paymentId} of ${ack.reservationId}`);
        }
        break;
      }
      case "cancel":
        if (findReservation(state, ack.reservationId)?.status !== "CANCELLED") {
          missing.push(`cancellation of ${ack.reservationId}`);
        }
        break;
      case "token": {
        const concertId = ack.token.split(".")[0] ?? "";
        const room = state.waitingRooms.get(concertId);
        if (room === undefined || viewToken(room, ack.token, Date.now())?.userId !== ack.userId) {
          missing.push(`token of ${ack.userId}`);
        }
        break;
      }
    }
  }
  expect(missing).toEqual([]);
}

describe.each(WRITERS)("an engine with the %s writer, killed with SIGKILL in a write loop", (writer) => {
  const dir = useTempDir("engine-test-");

  it("keeps every write it acknowledged and every invariant, kill after kill", async () => {
    const file = path.join(dir(), "journal.db");
    const seed = seedFrom(process.env["CRASH_TEST_SEED"], "CRASH_TEST_SEED");
    console.log(`engine crash test (${writer} writer) seed: ${seed} (set CRASH_TEST_SEED to repeat)`);
    const random = seededRandom(seed);

    const acknowledged: Ack[] = [];
    for (let cycle = 1; cycle <= KILL_CYCLES; cycle++) {
      const killAfterAcks = ACKS_BEFORE_KILL_MIN + random.int(0, ACKS_BEFORE_KILL_SPREAD - 1);
      const run = await runUntilKilled(file, writer, killAfterAcks, random.int(0, 2 ** 31 - 1));
      expect(run.stderr).toBe("");
      expect(run.signal).toBe("SIGKILL");
      // Each child recovered the journal the last one left and carried on writing.
      expect(run.acks.length).toBeGreaterThanOrEqual(killAfterAcks);
      acknowledged.push(...run.acks);

      const recovered = recoverEngineState(file, { resumeAtMs: RESUMED_AT_MS });
      const replayed = recoverEngineState(file, { useSnapshot: false, resumeAtMs: RESUMED_AT_MS });
      console.log(
        `cycle ${cycle}: killed after ${run.acks.length} acknowledged writes; ` +
          `recovered ${recovered.lastSeq} events (snapshot at seq ${recovered.snapshotSeq})`,
      );
      checkEngineInvariants(recovered.state);
      expectAcknowledged(recovered.state, acknowledged);
      // The snapshot the child took between kills agrees with a replay of the whole journal.
      expect(recovered.lastSeq).toBe(replayed.lastSeq);
      expect(recovered.state.wallets).toEqual(replayed.state.wallets);
      expect(recovered.state.schedules).toEqual(replayed.state.schedules);
    }
    const kinds = new Set(acknowledged.map((ack) => ack.kind));
    expect([...kinds].sort()).toEqual(["cancel", "charge", "hold", "payment", "token"]);
  });
});
