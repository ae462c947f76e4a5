import type { EngineState } from "../../src/engine/engine-state.ts";
import { SEAT_AVAILABLE, SEAT_BOOKED, SEAT_HELD } from "../../src/engine/schedule.ts";

/**
 * The invariants every engine state must keep, as a list of what is broken (empty when sound), so
 * that a script can print them as well as a test can assert them:
 * - per schedule, available + held + booked == capacity, and the counters agree with the seat bytes;
 * - every HELD or BOOKED seat belongs to exactly one HELD or CONFIRMED reservation (no seat sold or
 *   held twice), and a reservation's seats have its status;
 * - every balance is the sum of its ledger and never negative, every `balanceAfter` is right;
 * - the money taken by payments equals the price of the seats booked, per user and in total.
 */
export function invariantViolations(state: EngineState): string[] {
  const problems: string[] = [];
  const bookedWonByUser = new Map<string, number>();
  for (const schedule of state.schedules.values()) {
    const where = `schedule ${schedule.scheduleId}`;
    const counts = [0, 0, 0];
    for (const seat of schedule.seats) {
      counts[seat] = (counts[seat] ?? 0) + 1;
    }
    const [available = 0, held = 0, booked = 0] = counts;
    if (schedule.seats.length !== schedule.seatCount) {
      problems.push(`${where}: ${schedule.seats.length} seat bytes for ${schedule.seatCount} seats`);
    }
    if (available + held + booked !== schedule.seatCount) {
      problems.push(`${where}: ${available} + ${held} + ${booked} seats != capacity ${schedule.seatCount}`);
    }
    if (
      available !== schedule.availableCount ||
      held !== schedule.heldCount ||
      booked !== schedule.bookedCount
    ) {
      problems.push(
        `${where}: counters ${schedule.availableCount}/${schedule.heldCount}/${schedule.bookedCount} ` +
          `!= seat bytes ${available}/${held}/${booked}`,
      );
    }
    const owner = new Map<number, string>();
    for (const reservation of schedule.reservations.values()) {
      if (reservation.status !== "HELD" && reservation.status !== "CONFIRMED") {
        continue;
      }
      const expected = reservation.status === "HELD" ? SEAT_HELD : SEAT_BOOKED;
      for (const seatNumber of reservation.seatNumbers) {
        const other = owner.get(seatNumber);
        if (other !== undefined) {
          problems.push(`${where}: seat ${seatNumber} is taken by ${other} and ${reservation.reservationId}`);
        }
        owner.set(seatNumber, reservation.reservationId);
        if (schedule.seats[seatNumber - 1] !== expected) {
          problems.push(
            `${where}: seat ${seatNumber} of ${reservation.status} reservation ` +
              `${reservation.reservationId} has status byte ${schedule.seats[seatNumber - 1]}`,
          );
        }
      }
      if (reservation.status === "CONFIRMED") {
        if (reservation.amount !== reservation.seatNumbers.length * schedule.price) {
          problems.push(
            `${where}: reservation ${reservation.reservationId} has amount ${reservation.amount}`,
          );
        }
        bookedWonByUser.set(
          reservation.userId,
          (bookedWonByUser.get(reservation.userId) ?? 0) + reservation.amount,
        );
      }
    }
    if (owner.size !== held + booked) {
      problems.push(`${where}: ${held + booked} seats taken but ${owner.size} owned by live reservations`);
    }
    if (
      schedule.seats.some((seat) => seat !== SEAT_AVAILABLE && seat !== SEAT_HELD && seat !== SEAT_BOOKED)
    ) {
      problems.push(`${where}: a seat has an unknown status byte`);
    }
  }

  const paidWonByUser = new Map<string, number>();
  for (const wallet of state.wallets.values()) {
    let balance = 0;
    for (const transaction of wallet.transactions) {
      balance += transaction.type === "CHARGE" ? transaction.amount : -transaction.amount;
      if (transaction.amount <= 0 || !Number.isSafeInteger(transaction.amount)) {
        problems.push(
          `wallet ${wallet.userId}: transaction ${transaction.transactionId} of ${transaction.amount}`,
        );
      }
      if (transaction.balanceAfter !== balance) {
        problems.push(
          `wallet ${wallet.userId}: transaction ${transaction.transactionId} says ${transaction.balanceAfter}, ` +
            `the ledger sums to ${balance}`,
        );
      }
      if (balance < 0) {
        problems.push(`wallet ${wallet.userId}: balance ${balance} below zero`);
      }
      if (transaction.type === "PAYMENT") {
        paidWonByUser.set(wallet.userId, (paidWonByUser.get(wallet.userId) ?? 0) + transaction.amount);
      }
    }
    if (wallet.balance !== balance) {
      problems.push(`wallet ${wallet.userId}: balance ${wallet.balance} != sum of its ledger ${balance}`);
    }
  }
  for (const userId of new Set([...paidWonByUser.keys(), ...bookedWonByUser.keys()])) {
    const paid = paidWonByUser.get(userId) ?? 0;
    const booked = bookedWonByUser.get(userId) ?? 0;
    if (paid !== booked) {
      problems.push(`user ${userId}: paid ${paid} won for ${booked} won of booked seats`);
    }
  }
  return problems;
}

/** Booked seats per schedule, as sorted seat numbers: what no crash may ever take back. */
export function bookedSeats(state: EngineState): Map<string, number[]> {
  const booked = new Map<string, number[]>();
  for (const schedule of state.schedules.values()) {
    const seats: number[] = [];
    schedule.seats.forEach((status, i) => {
      if (status === SEAT_BOOKED) {
        seats.push(i + 1);
      }
    });
    booked.set(schedule.scheduleId, seats);
  }
  return booked;
}
