import { accept, refuse, type DecideContext, type Decision } from "./decider.ts";
import { rejection } from "./rejection.ts";
import { isLiveHold, type ReservationConfirmed, type ScheduleState } from "./schedule.ts";
import type { PaymentDebited, WalletState } from "./wallet.ts";

export interface PayReservation {
  readonly type: "PayReservation";
  readonly userId: string;
  readonly reservationId: string;
}

/**
 * Paying touches two aggregates, the schedule and the payer's wallet, and must change both or
 * neither. It is decided over both states at once, and its two events are journaled as one entry,
 * which is one SQLite transaction: there is no crash point between taking money and booking seats.
 */
export function decidePayment(
  schedule: ScheduleState,
  wallet: WalletState,
  command: PayReservation,
  ctx: DecideContext,
): Decision<ReservationConfirmed | PaymentDebited> {
  const reservation = schedule.reservations.get(command.reservationId);
  if (reservation === undefined) {
    return refuse(rejection("RESERVATION_NOT_FOUND", "no such reservation"));
  }
  if (reservation.userId !== command.userId || wallet.userId !== command.userId) {
    return refuse(rejection("NOT_OWNER", "this reservation belongs to another user"));
  }
  if (reservation.status === "CONFIRMED") {
    return refuse(rejection("ALREADY_PAID", "this reservation is already paid"));
  }
  if (!isLiveHold(reservation, ctx.nowMs)) {
    return refuse(rejection("HOLD_EXPIRED", "the hold has expired or was cancelled; no money was taken"));
  }
  if (wallet.balance < reservation.amount) {
    return refuse(
      rejection(
        "INSUFFICIENT_BALANCE",
        `the balance of ${wallet.balance} won is below ${reservation.amount} won`,
        {
          balance: wallet.balance,
          amount: reservation.amount,
        },
      ),
    );
  }
  const paymentId = ctx.newId();
  return accept([
    {
      type: "ReservationConfirmed",
      scheduleId: schedule.scheduleId,
      reservationId: reservation.reservationId,
      paymentId,
      atMs: ctx.nowMs,
    },
    {
      type: "PaymentDebited",
      userId: wallet.userId,
      transactionId: ctx.newId(),
      paymentId,
      reservationId: reservation.reservationId,
      amount: reservation.amount,
      balanceAfter: wallet.balance - reservation.amount,
      atMs: ctx.nowMs,
    },
  ]);
}
