import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { EngineState } from "../../src/engine/engine-state.ts";
import { viewToken } from "../../src/engine/waiting-room.ts";
import type { JournalWriter } from "../../src/persistence/journal.ts";
import { recoverEngineState } from "../../src/persistence/recovery.ts";
import { expectInvariants, useTempDir, WRITERS } from "../actors/harness.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
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

/** Runs the write loop on `file` and SIGKILLs it once it has acknowledged `killAfterAcks` writes. */
function runUntilKilled(file: string, writer: JournalWriter, killAfterAcks: number): Promise<Run> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", WRITE_LOOP, file, writer, String(CHILD_DURATION_MS)],
    { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  return new Promise<Run>((resolve, reject) => {
    const acks: Ack[] = [];
    let pending = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), CHILD_TIMEOUT_MS);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      // Only complete lines count: the kill may cut the last one short.
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        acks.push(JSON.parse(line) as Ack);
      }
      if (acks.length >= killAfterAcks) {
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (_code, signal) => {
      clearTimeout(timer);
      resolve({ acks, stderr, signal });
    });
  });
}

/** A small seeded generator (an LCG), so the kill points of a failing run can be repeated. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
}

/** Checks that every acknowledged write is in the recovered state, with the same or a later status. */
function expectAcknowledged(state: EngineState, acks: readonly Ack[]): void {
  const reservationOf = (reservationId: string) => {
    const scheduleId = state.reservationSchedules.get(reservationId);
    return scheduleId === undefined
      ? undefined
      : state.schedules.get(scheduleId)?.reservations.get(reservationId);
  };
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
        const reservation = reservationOf(ack.reservationId);
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
        const reservation = reservationOf(ack.reservationId);
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
        if (reservationOf(ack.reservationId)?.status !== "CANCELLED") {
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
  const dir = useTempDir();

  it("keeps every write it acknowledged and every invariant, kill after kill", async () => {
    const file = path.join(dir(), "journal.db");
    const seed = Number(process.env["CRASH_TEST_SEED"] ?? Date.now() % 1_000_000);
    console.log(`engine crash test (${writer} writer) seed: ${seed} (set CRASH_TEST_SEED to repeat)`);
    const random = seededRandom(seed);

    const acknowledged: Ack[] = [];
    for (let cycle = 1; cycle <= KILL_CYCLES; cycle++) {
      const killAfterAcks = ACKS_BEFORE_KILL_MIN + Math.floor(random() * ACKS_BEFORE_KILL_SPREAD);
      const run = await runUntilKilled(file, writer, killAfterAcks);
      expect(run.stderr).toBe("");
      expect(run.signal).toBe("SIGKILL");
      // Each child recovered the journal the last one left and carried on writing.
      expect(run.acks.length).toBeGreaterThanOrEqual(killAfterAcks);
      acknowledged.push(...run.acks);

      const recovered = recoverEngineState(file);
      const replayed = recoverEngineState(file, { useSnapshot: false });
      console.log(
        `cycle ${cycle}: killed after ${run.acks.length} acknowledged writes; ` +
          `recovered ${recovered.lastSeq} events (snapshot at seq ${recovered.snapshotSeq})`,
      );
      expectInvariants(recovered.state);
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
