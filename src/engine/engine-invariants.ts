import { assert } from "./decider.ts";
import { NO_RESERVATION, type EngineState } from "./engine-state.ts";
import { BALANCE_WON_MAX, SEATS_PER_HOLD_MAX, SEATS_PER_USER_PER_SCHEDULE_MAX } from "./limits.ts";
import { indexOfIds } from "./id-index.ts";
import {
  holderAt,
  reservationAt,
  SEAT_AVAILABLE,
  SEAT_BOOKED,
  SEAT_HELD,
  slotOf,
  type ScheduleState,
} from "./schedule.ts";
import { verifyWaitingRoomState } from "./waiting-room/index.ts";
import type { WalletState } from "./wallet.ts";

/**
 * Checks every invariant of a whole engine state and throws an InvariantViolation naming the first
 * one broken. `evolveEngine` asserts what each event can break as it folds (cheaply, per event); this
 * checks what only the whole state can show, in time linear in its size: seat conservation against
 * the seat bytes, no seat in two live reservations, the per-user seat counts, the reservation
 * indexes, every balance against its ledger and against the seats it paid for, and each waiting room.
 * For replay checks (the journal tool's `verify`) and tests; pure, and it changes nothing.
 */
export function checkEngineInvariants(state: EngineState): void {
  /** The amount each user's confirmed reservations cost, to hold against what their ledger paid. */
  const confirmedAmountByUser = new Map<string, number>();
  let reservations = 0;
  assert(state.scheduleIds.length === state.schedules.size, "every schedule has an ordinal");
  for (const [scheduleId, schedule] of state.schedules) {
    assert(schedule.scheduleId === scheduleId, `schedule ${scheduleId} is filed under its own id`);
    assert(state.scheduleIds[schedule.ordinal] === scheduleId, `schedule ${scheduleId} is at its ordinal`);
    checkSchedule(state, schedule, confirmedAmountByUser);
    reservations += schedule.holds.count;
  }
  checkReservationIndex(state, reservations);
  for (const [userId, wallet] of state.wallets) {
    assert(wallet.userId === userId, `the wallet of ${userId} is filed under its own user`);
    checkWallet(wallet, confirmedAmountByUser.get(userId) ?? 0);
    confirmedAmountByUser.delete(userId);
  }
  for (const [userId, amount] of confirmedAmountByUser) {
    assert(amount === 0, `${userId} has confirmed reservations worth ${amount} won but no wallet`);
  }
  for (const [concertId, room] of state.waitingRooms) {
    assert(room.concertId === concertId, `the waiting room of ${concertId} is filed under its own concert`);
    assert(state.catalog.concerts.has(concertId), `the waiting room of ${concertId} has a concert`);
    verifyWaitingRoomState(room);
  }
  for (const concertId of state.catalog.concerts.keys()) {
    assert(state.waitingRooms.has(concertId), `concert ${concertId} has a waiting room`);
  }
}

function checkSchedule(
  state: EngineState,
  schedule: ScheduleState,
  confirmedAmountByUser: Map<string, number>,
): void {
  const where = `schedule ${schedule.scheduleId}`;
  const concert = state.catalog.concerts.get(schedule.concertId);
  assert(
    concert?.schedules.some((spec) => spec.scheduleId === schedule.scheduleId) === true,
    `${where} belongs to a concert of the catalog`,
  );
  assert(schedule.seats.length === schedule.seatCount, `${where}: one status byte per seat`);

  // Conservation, counted from the seat bytes themselves rather than from the counters.
  const counts = [0, 0, 0];
  for (const status of schedule.seats) {
    assert(status <= SEAT_BOOKED, `${where}: a seat has the unknown status ${status}`);
    counts[status] = (counts[status] ?? 0) + 1;
  }
  assert(counts[SEAT_AVAILABLE] === schedule.availableCount, `${where}: available seats miscounted`);
  assert(counts[SEAT_HELD] === schedule.heldCount, `${where}: held seats miscounted`);
  assert(counts[SEAT_BOOKED] === schedule.bookedCount, `${where}: booked seats miscounted`);
  assert(
    schedule.availableCount + schedule.heldCount + schedule.bookedCount === schedule.seatCount,
    `${where}: available + held + booked is not the capacity`,
  );

  checkTables(schedule);

  // Every held or booked seat belongs to exactly one live reservation, whose status it shows.
  const { holds, holders } = schedule;
  const claimedBy = new Map<number, string>();
  const seatsOfHolder = new Array<number>(holders.userIds.length).fill(0);
  for (let slot = 0; slot < holds.count; slot += 1) {
    const reservation = reservationAt(schedule, slot);
    const { reservationId, seatNumbers } = reservation;
    const what = `${where}, reservation ${reservationId}`;
    assert(slotOf(schedule, reservationId) === slot, `${what} is filed under its own id`);
    assert(
      seatNumbers.length >= 1 && seatNumbers.length <= SEATS_PER_HOLD_MAX,
      `${what} holds 1..${SEATS_PER_HOLD_MAX} seats`,
    );
    for (let i = seatNumbers.length; i < SEATS_PER_HOLD_MAX; i += 1) {
      assert(holds.seatNumbers[slot * SEATS_PER_HOLD_MAX + i] === 0, `${what} has a seat after its last`);
    }
    assert(reservation.amount === schedule.price * seatNumbers.length, `${what} costs its seats' price`);
    assert(
      (reservation.status === "CONFIRMED") === (reservation.paymentId !== null),
      `${what} has a payment id exactly when it is confirmed`,
    );
    if (reservation.status !== "HELD" && reservation.status !== "CONFIRMED") {
      continue;
    }
    const expected = reservation.status === "HELD" ? SEAT_HELD : SEAT_BOOKED;
    for (const seatNumber of seatNumbers) {
      assert(
        Number.isSafeInteger(seatNumber) && seatNumber >= 1 && seatNumber <= schedule.seatCount,
        `${what} holds seat ${seatNumber}, which does not exist`,
      );
      const other = claimedBy.get(seatNumber);
      assert(other === undefined, `${where}: seat ${seatNumber} is in both ${other} and ${reservationId}`);
      claimedBy.set(seatNumber, reservationId);
      assert(
        schedule.seats[seatNumber - 1] === expected,
        `${where}: seat ${seatNumber} of ${reservation.status} reservation ${reservationId} has status ${schedule.seats[seatNumber - 1]}`,
      );
    }
    const holder = holds.holder[slot] as number;
    seatsOfHolder[holder] = (seatsOfHolder[holder] as number) + seatNumbers.length;
    // A sale of a cross-shard payment is paid from a wallet on another shard, not from this ledger.
    if (reservation.status === "CONFIRMED" && !paidAcrossShards(state, reservation.paymentId)) {
      confirmedAmountByUser.set(
        reservation.userId,
        (confirmedAmountByUser.get(reservation.userId) ?? 0) + reservation.amount,
      );
    }
  }
  assert(
    claimedBy.size === schedule.heldCount + schedule.bookedCount,
    `${where}: a held or booked seat belongs to no live reservation`,
  );

  // The per-user counts the hold limit is enforced with agree with the reservations.
  for (let holder = 0; holder < holders.userIds.length; holder += 1) {
    const userId = holders.userIds[holder] as string;
    const seats = holders.seatCount[holder] as number;
    assert(seats === seatsOfHolder[holder], `${where}: the seats of ${userId} are miscounted`);
    assert(seats <= SEATS_PER_USER_PER_SCHEDULE_MAX, `${where}: ${userId} holds or owns ${seats} seats`);
  }
}

/**
 * The shape of a schedule's tables: the columns of each have one length, slots past the last reservation
 * are untouched, and the lookups file every reservation and holder under its own id.
 */
function checkTables(schedule: ScheduleState): void {
  const where = `schedule ${schedule.scheduleId}`;
  const { holds, holders, lookup } = schedule;
  const capacity = holds.status.length;
  assert(holds.count >= 0 && holds.count <= capacity, `${where}: more reservations than slots`);
  for (const column of [holds.holder, holds.heldAtMs, holds.expiresAtMs, holds.amount, holds.paidAtMs]) {
    assert(column.length === capacity, `${where}: the hold table's columns have one length`);
  }
  assert(
    holds.seatNumbers.length === capacity * SEATS_PER_HOLD_MAX,
    `${where}: the hold table has ${SEATS_PER_HOLD_MAX} seat numbers per slot`,
  );
  assert(holds.reservationIds.length === holds.count, `${where}: one reservation id per reservation`);
  assert(holds.paymentIds.length === holds.count, `${where}: one payment id (or null) per reservation`);
  for (let slot = holds.count; slot < capacity; slot += 1) {
    assert(holds.status[slot] === 0, `${where}: slot ${slot}, past the last reservation, is taken`);
  }
  // The index is what indexing the ids afresh gives (which also refuses an id that is there twice).
  assert(
    sameIndex(lookup.slotIndex, indexOfIds(holds.reservationIds)),
    `${where}: the slot index is not the index of the reservation ids`,
  );
  for (let slot = 0; slot < holds.count; slot += 1) {
    const holder = holds.holder[slot] as number;
    assert(holder >= 0 && holder < holders.userIds.length, `${where}: slot ${slot} has a known holder`);
  }
  assert(holders.userIds.length <= holders.seatCount.length, `${where}: every holder has a seat count`);
  assert(lookup.holderOf.size === holders.userIds.length, `${where}: the lookup lists every holder once`);
  for (const [userId, holder] of lookup.holderOf) {
    assert(holders.userIds[holder] === userId, `${where}: holder ${userId} is filed under their own index`);
  }
}

/**
 * The reservation index numbers every reservation once and points at it; the lookup files each under its
 * id; each user's list holds exactly their reservations, newest first.
 */
function checkReservationIndex(state: EngineState, reservations: number): void {
  const { reservations: index, reservationLookup: lookup } = state;
  assert(index.count === reservations, "the reservation index numbers every reservation");
  assert(index.count <= index.slot.length, "the reservation index has a slot per number");
  assert(
    index.scheduleOrdinal.length === index.slot.length && lookup.previousOfUser.length === index.slot.length,
    "the reservation index's columns have one length",
  );
  assert(lookup.reservationIds.length === reservations, "the reservation lookup has an id per number");
  assert(
    sameIndex(lookup.numberIndex, indexOfIds(lookup.reservationIds)),
    "the number index is not the index of the reservation ids",
  );
  for (let number = 0; number < index.count; number += 1) {
    const scheduleId = state.scheduleIds[index.scheduleOrdinal[number] as number];
    const schedule = scheduleId === undefined ? undefined : state.schedules.get(scheduleId);
    assert(schedule !== undefined, `reservation number ${number} is in a known schedule`);
    const slot = index.slot[number] as number;
    assert(slot >= 0 && slot < schedule.holds.count, `reservation number ${number} is in a taken slot`);
    const reservationId = schedule.holds.reservationIds[slot] as string;
    assert(
      lookup.reservationIds[number] === reservationId,
      `reservation ${reservationId} is filed under its own number ${number}`,
    );
  }
  let listed = 0;
  for (const [userId, newest] of lookup.newestOfUser) {
    let number = newest;
    let newer = index.count;
    while (number !== NO_RESERVATION) {
      // Strictly older each step, so the walk ends.
      assert(number >= 0 && number < newer, `the reservations of ${userId} are listed newest first`);
      const schedule = state.schedules.get(state.scheduleIds[index.scheduleOrdinal[number] as number] ?? "");
      assert(schedule !== undefined, `reservation number ${number} is in a known schedule`);
      const slot = index.slot[number] as number;
      assert(
        holderAt(schedule, slot) === userId,
        `${userId} is listed with ${schedule.holds.reservationIds[slot]}, not theirs`,
      );
      listed += 1;
      newer = number;
      number = lookup.previousOfUser[number] as number;
    }
  }
  assert(listed === reservations, "every reservation is listed under its user");
}

/** The ledger adds up to the balance line by line, and what it paid equals what was confirmed. */
/** Whether a confirmed reservation was sold by a saga this shard coordinated (its wallet is elsewhere). */
function paidAcrossShards(state: EngineState, paymentId: string | null): boolean {
  return paymentId !== null && state.paymentSagas.sagas.get(paymentId)?.outcome === "COMPLETED";
}

function checkWallet(wallet: WalletState, confirmedAmount: number): void {
  const where = `wallet ${wallet.userId}`;
  let balance = 0;
  // Payments posted for cross-shard sales are ledger debits too, but their seats are on another shard.
  let paid = 0;
  for (const outcome of wallet.fundsOutcomes?.values() ?? []) {
    paid -= outcome.status === "POSTED" ? outcome.amount : 0;
  }
  for (const transaction of wallet.transactions) {
    assert(
      Number.isSafeInteger(transaction.amount) && transaction.amount > 0,
      `${where}: ledger amounts are positive whole numbers`,
    );
    balance += transaction.type === "CHARGE" ? transaction.amount : -transaction.amount;
    paid += transaction.type === "PAYMENT" ? transaction.amount : 0;
    assert(balance >= 0, `${where}: the ledger goes below zero at ${transaction.transactionId}`);
    assert(
      transaction.balanceAfter === balance,
      `${where}: the balance after ${transaction.transactionId} is not the sum of the ledger`,
    );
  }
  assert(balance === wallet.balance, `${where}: the ledger does not add up to the balance`);
  assert(wallet.balance >= 0, `${where}: the balance is negative`);
  assert(wallet.balance <= BALANCE_WON_MAX, `${where}: the balance is over the limit`);
  assert(
    paid === confirmedAmount,
    `${where}: ${paid} won paid, but the confirmed reservations cost ${confirmedAmount} won`,
  );
}

function sameIndex(index: Int32Array, expected: Int32Array): boolean {
  return index.length === expected.length && index.every((bucket, i) => bucket === expected[i]);
}
