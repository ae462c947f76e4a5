import { assert } from "./decider.ts";
import { findReservation, type EngineState } from "./engine-state.ts";
import { BALANCE_WON_MAX, SEATS_PER_HOLD_MAX, SEATS_PER_USER_PER_SCHEDULE_MAX } from "./limits.ts";
import { SEAT_AVAILABLE, SEAT_BOOKED, SEAT_HELD, type ScheduleState } from "./schedule.ts";
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
  for (const [scheduleId, schedule] of state.schedules) {
    assert(schedule.scheduleId === scheduleId, `schedule ${scheduleId} is filed under its own id`);
    checkSchedule(state, schedule, confirmedAmountByUser);
    reservations += schedule.reservations.size;
  }
  checkReservationIndexes(state, reservations);
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

  // Every held or booked seat belongs to exactly one live reservation, whose status it shows.
  const claimedBy = new Map<number, string>();
  const seatsByUser = new Map<string, number>();
  for (const [reservationId, reservation] of schedule.reservations) {
    const what = `${where}, reservation ${reservationId}`;
    assert(reservation.reservationId === reservationId, `${what} is filed under its own id`);
    assert(reservation.scheduleId === schedule.scheduleId, `${what} names its schedule`);
    assert(reservation.concertId === schedule.concertId, `${what} names its concert`);
    assert(
      reservation.seatNumbers.length >= 1 && reservation.seatNumbers.length <= SEATS_PER_HOLD_MAX,
      `${what} holds 1..${SEATS_PER_HOLD_MAX} seats`,
    );
    assert(
      reservation.amount === schedule.price * reservation.seatNumbers.length,
      `${what} costs its seats' price`,
    );
    assert(
      (reservation.status === "CONFIRMED") === (reservation.paymentId !== null),
      `${what} has a payment id exactly when it is confirmed`,
    );
    if (reservation.status !== "HELD" && reservation.status !== "CONFIRMED") {
      continue;
    }
    const expected = reservation.status === "HELD" ? SEAT_HELD : SEAT_BOOKED;
    for (const seatNumber of reservation.seatNumbers) {
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
    seatsByUser.set(
      reservation.userId,
      (seatsByUser.get(reservation.userId) ?? 0) + reservation.seatNumbers.length,
    );
    if (reservation.status === "CONFIRMED") {
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
  assert(seatsByUser.size === schedule.seatsByUser.size, `${where}: users with seats miscounted`);
  for (const [userId, seats] of schedule.seatsByUser) {
    assert(seatsByUser.get(userId) === seats, `${where}: the seats of ${userId} are miscounted`);
    assert(seats <= SEATS_PER_USER_PER_SCHEDULE_MAX, `${where}: ${userId} holds or owns ${seats} seats`);
  }
}

/** The indexes by reservation and by user list every reservation once, where it is. */
function checkReservationIndexes(state: EngineState, reservations: number): void {
  assert(state.reservationSchedules.size === reservations, "the reservation index lists every reservation");
  for (const [reservationId, scheduleId] of state.reservationSchedules) {
    assert(
      state.schedules.get(scheduleId)?.reservations.has(reservationId) === true,
      `the reservation index files ${reservationId} under ${scheduleId}, which does not hold it`,
    );
  }
  let listed = 0;
  for (const [userId, ids] of state.userReservations) {
    assert(new Set(ids).size === ids.length, `the reservations of ${userId} are listed once each`);
    for (const reservationId of ids) {
      const reservation = findReservation(state, reservationId);
      assert(reservation?.userId === userId, `${userId} is listed with ${reservationId}, not theirs`);
    }
    listed += ids.length;
  }
  assert(listed === reservations, "every reservation is listed under its user");
}

/** The ledger adds up to the balance line by line, and what it paid equals what was confirmed. */
function checkWallet(wallet: WalletState, confirmedAmount: number): void {
  const where = `wallet ${wallet.userId}`;
  let balance = 0;
  let paid = 0;
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
