import { isDeepStrictEqual } from "node:util";
import { checkEngineInvariants } from "../src/engine/engine-invariants.ts";
import type { EngineEvent, EngineState } from "../src/engine/engine-state.ts";
import { reservationAt, SEAT_BOOKED, type Reservation } from "../src/engine/schedule.ts";
import { engineReplayModel } from "../src/persistence/engine-journal-model.ts";
import { openJournalReader } from "../src/persistence/journal.ts";
import { runJournalTool } from "../src/persistence/journal-tool.ts";
import { recoverEngineState } from "../src/persistence/recovery.ts";

/**
 * The check of a stopped cluster's journals against what its clients were told: the cluster crash test
 * (cluster-crash-harness.ts) runs it at the end of a run, and its own test
 * (tests/cluster/cluster-crash-checker.test.ts) runs it on damaged copies of a run's journals, to show
 * that each check fails when it should.
 */

/** The writes the clients were told were done (a 2xx answer): each must be in the journals. */
export interface Acknowledged {
  /** By idempotency key. */
  readonly charges: Map<string, { userId: string; transactionId: string; amount: number }>;
  /** By reservation id. */
  readonly holds: Map<string, { userId: string; scheduleId: string; seats: readonly number[] }>;
  /** By reservation id. */
  readonly payments: Map<string, { userId: string; paymentId: string; amount: number }>;
  /** Reservation ids. */
  readonly cancels: Set<string>;
}

/** A ledger debit of a payment: a one-shard payment's `PaymentDebited`, or a saga's `FundsPosted`. */
interface Debit {
  readonly shard: number;
  readonly userId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly amount: number;
}

/** One shard's journal as its recovery reads it, with the debits its events record. */
interface ShardRead {
  readonly shard: number;
  readonly state: EngineState;
  readonly debits: readonly Debit[];
}

/** A reservation, and the shard whose journal holds it. */
interface Placed {
  readonly shard: number;
  readonly reservation: Reservation;
}

/**
 * Checks the journals of a stopped cluster, one per shard in shard order, against the acknowledged
 * writes. Each journal must verify (`npm run journal -- verify`), recover, keep every invariant and
 * have no saga left open. Over all of them: no seat is sold twice and every booked seat is sold; every
 * wallet's charges equal its balance plus its payments, with no reservation of funds pending; every
 * payment is debited once, for a reservation it confirmed, and every confirmed reservation is paid;
 * and every acknowledged write is there. Returns the violations, a sentence each; none when all held.
 */
export async function checkClusterJournals(
  journals: readonly string[],
  acknowledged: Acknowledged,
): Promise<string[]> {
  const violations: string[] = [];
  const shards: ShardRead[] = [];
  for (const [shard, journal] of journals.entries()) {
    const read = await readShard(shard, journal, violations);
    if (read !== undefined) {
      shards.push(read);
    }
  }
  if (shards.length < journals.length) {
    // Without every shard's state, the checks across shards would only report what was not read.
    return violations;
  }
  const reservations = new Map<string, Placed>();
  for (const { shard, state } of shards) {
    for (const schedule of state.schedules.values()) {
      for (let slot = 0; slot < schedule.holds.count; slot += 1) {
        const reservation = reservationAt(schedule, slot);
        reservations.set(reservation.reservationId, { shard, reservation });
      }
    }
  }
  violations.push(
    ...seatViolations(shards),
    ...walletViolations(shards),
    ...paymentViolations(shards, reservations),
    ...missingWrites(shards, reservations, acknowledged),
  );
  return violations;
}

/**
 * Verifies and recovers one shard's journal, checks what that shard alone must keep, and reads its
 * debits; undefined when it does not recover.
 */
async function readShard(
  shard: number,
  journal: string,
  violations: string[],
): Promise<ShardRead | undefined> {
  const violation = (message: string): void => {
    violations.push(`shard ${shard}: ${message}`);
  };
  // Read-only: every entry decodes, a full replay keeps every invariant, and the snapshot equals it.
  const output: string[] = [];
  const code = await runJournalTool(
    ["verify", "--db", journal],
    engineReplayModel(Date.now()),
    journal,
    (line) => output.push(line),
  );
  if (code !== 0) {
    violation(`journal verify exited ${code}: ${output.join(" / ")}`);
  }
  let state: EngineState;
  try {
    state = recoverEngineState(journal, { resumeAtMs: Date.now() }).state;
  } catch (error) {
    violation(`the journal does not recover: ${messageOf(error)}`);
    return undefined;
  }
  try {
    checkEngineInvariants(state);
  } catch (error) {
    violation(`an invariant is broken: ${messageOf(error)}`);
  }
  for (const saga of state.paymentSagas.sagas.values()) {
    if (saga.outcome === "PENDING" || !saga.settled) {
      violation(`saga ${saga.paymentId} is ${saga.outcome}, settled ${saga.settled}`);
    }
  }
  return { shard, state, debits: debitsIn(shard, journal) };
}

/** The payments' ledger debits a journal holds, from its events: a ledger line does not name its payment. */
function debitsIn(shard: number, journal: string): Debit[] {
  const reader = openJournalReader<EngineEvent>(journal);
  try {
    const debits: Debit[] = [];
    for (const { event } of reader.events(0)) {
      if (event.type === "PaymentDebited" || event.type === "FundsPosted") {
        const { userId, paymentId, reservationId, amount } = event;
        debits.push({ shard, userId, paymentId, reservationId, amount });
      }
    }
    return debits;
  } finally {
    reader.close();
  }
}

/**
 * No seat is sold twice, also by two shards that both take a schedule for theirs, and each shard's
 * booked seats are the seats its confirmed reservations bought.
 */
function seatViolations(shards: readonly ShardRead[]): string[] {
  const violations: string[] = [];
  const soldBy = new Map<string, { shard: number; reservationId: string }>();
  for (const { shard, state } of shards) {
    for (const schedule of state.schedules.values()) {
      const { scheduleId } = schedule;
      const sold: number[] = [];
      for (let slot = 0; slot < schedule.holds.count; slot += 1) {
        const { reservationId, status, seatNumbers } = reservationAt(schedule, slot);
        if (status !== "CONFIRMED") {
          continue;
        }
        for (const seat of seatNumbers) {
          const seatKey = `${scheduleId} ${seat}`;
          const other = soldBy.get(seatKey);
          if (other !== undefined) {
            violations.push(
              `seat ${seat} of ${scheduleId} sold twice: ${other.reservationId} on shard ${other.shard} ` +
                `and ${reservationId} on shard ${shard}`,
            );
          }
          soldBy.set(seatKey, { shard, reservationId });
          sold.push(seat);
        }
      }
      const booked: number[] = [];
      schedule.seats.forEach((status, i) => {
        if (status === SEAT_BOOKED) {
          booked.push(i + 1);
        }
      });
      if (!sameNumbers(booked, sold)) {
        violations.push(
          `schedule ${scheduleId} on shard ${shard}: ${booked.length} seats booked, ${sold.length} sold`,
        );
      }
    }
  }
  return violations;
}

/** Every wallet's charges are its balance plus its payments, and no reservation of funds is left pending. */
function walletViolations(shards: readonly ShardRead[]): string[] {
  const violations: string[] = [];
  for (const { shard, state } of shards) {
    for (const wallet of state.wallets.values()) {
      const where = `wallet ${wallet.userId} on shard ${shard}`;
      const charged = sumOf(wallet.transactions.filter((t) => t.type === "CHARGE"));
      const paid = sumOf(wallet.transactions.filter((t) => t.type === "PAYMENT"));
      if (charged !== wallet.balance + paid) {
        violations.push(`${where}: charges ${charged} != balance ${wallet.balance} + payments ${paid}`);
      }
      const pending = [...(wallet.pendingFunds?.keys() ?? [])];
      if (pending.length > 0) {
        violations.push(`${where} has funds reserved and never posted or voided: ${pending.join(", ")}`);
      }
    }
  }
  return violations;
}

/**
 * Each payment is debited once, from its buyer, for the price of the reservation it confirmed; and each
 * confirmed reservation was paid by a debit.
 */
function paymentViolations(
  shards: readonly ShardRead[],
  reservations: ReadonlyMap<string, Placed>,
): string[] {
  const violations: string[] = [];
  const debitsOf = new Map<string, Debit[]>();
  for (const debit of shards.flatMap((read) => read.debits)) {
    debitsOf.set(debit.paymentId, [...(debitsOf.get(debit.paymentId) ?? []), debit]);
  }
  for (const [paymentId, debits] of debitsOf) {
    if (debits.length > 1) {
      const where = debits.map((debit) => `shard ${debit.shard}`).join(", ");
      violations.push(`payment ${paymentId} debited ${debits.length} times (${where})`);
    }
    const { userId, reservationId, amount, shard } = debits[0] as Debit;
    const bought = reservations.get(reservationId)?.reservation;
    if (bought?.status !== "CONFIRMED" || bought.paymentId !== paymentId) {
      const what = bought === undefined ? "not journaled" : `${bought.status} (payment ${bought.paymentId})`;
      violations.push(
        `payment ${paymentId} debited ${userId} on shard ${shard}, but its reservation ${reservationId} is ${what}`,
      );
    } else if (bought.userId !== userId || bought.amount !== amount) {
      violations.push(
        `payment ${paymentId} debited ${userId} ${amount} won for reservation ${reservationId} ` +
          `of ${bought.userId} at ${bought.amount} won`,
      );
    }
  }
  for (const { shard, reservation } of reservations.values()) {
    if (reservation.status === "CONFIRMED" && !debitsOf.has(reservation.paymentId ?? "")) {
      violations.push(
        `reservation ${reservation.reservationId} on shard ${shard} was sold, ` +
          `but its payment ${reservation.paymentId} debited no one`,
      );
    }
  }
  return violations;
}

/** Every acknowledged charge, hold, payment and cancel is in the journals, as it was acknowledged. */
function missingWrites(
  shards: readonly ShardRead[],
  reservations: ReadonlyMap<string, Placed>,
  acknowledged: Acknowledged,
): string[] {
  const violations: string[] = [];
  const lines = new Map<string, { type: string; amount: number }>();
  for (const { state } of shards) {
    for (const wallet of state.wallets.values()) {
      for (const line of wallet.transactions) {
        lines.set(line.transactionId, line);
      }
    }
  }
  for (const charge of acknowledged.charges.values()) {
    const line = lines.get(charge.transactionId);
    if (line?.type !== "CHARGE" || line.amount !== charge.amount) {
      violations.push(`acknowledged charge ${charge.transactionId} of ${charge.userId} is not journaled`);
    }
  }
  for (const [reservationId, hold] of acknowledged.holds) {
    const held = reservations.get(reservationId)?.reservation;
    if (
      held?.userId !== hold.userId ||
      held.scheduleId !== hold.scheduleId ||
      !isDeepStrictEqual([...held.seatNumbers], [...hold.seats])
    ) {
      violations.push(`acknowledged hold ${reservationId} of ${hold.userId} is not journaled`);
    }
  }
  for (const [reservationId, payment] of acknowledged.payments) {
    const paid = reservations.get(reservationId)?.reservation;
    if (paid?.status !== "CONFIRMED" || paid.paymentId !== payment.paymentId) {
      violations.push(`acknowledged payment ${payment.paymentId} of ${payment.userId} is not journaled`);
    }
  }
  for (const reservationId of acknowledged.cancels) {
    if (reservations.get(reservationId)?.reservation.status !== "CANCELLED") {
      violations.push(`acknowledged cancel of ${reservationId} is not journaled`);
    }
  }
  return violations;
}

function sumOf(lines: readonly { readonly amount: number }[]): number {
  return lines.reduce((sum, line) => sum + line.amount, 0);
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  return isDeepStrictEqual(
    [...a].sort((x, y) => x - y),
    [...b].sort((x, y) => x - y),
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
