import type { Concert } from "../engine/catalog.ts";
import type { ChargeReceipt, PaymentReceipt } from "../engine/receipts.ts";
import type { Reservation } from "../engine/schedule.ts";
import type { LedgerTransaction } from "../engine/wallet.ts";
import type { WaitingRoomSettings } from "../engine/waiting-room/index.ts";
import type { ScheduleSummary } from "../actors/engine.ts";

/** Domain values into the JSON the contract promises: camelCase, integer won, ISO 8601 UTC times. */

export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

export function isoTimeOrNull(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}

export function reservationView(reservation: Reservation) {
  return {
    reservationId: reservation.reservationId,
    userId: reservation.userId,
    concertId: reservation.concertId,
    scheduleId: reservation.scheduleId,
    seatNumbers: [...reservation.seatNumbers],
    status: reservation.status,
    amount: reservation.amount,
    expiresAt: isoTime(reservation.expiresAtMs),
    paidAt: isoTimeOrNull(reservation.paidAtMs),
  };
}

export function paymentView(receipt: PaymentReceipt) {
  return {
    paymentId: receipt.paymentId,
    reservationId: receipt.reservationId,
    userId: receipt.userId,
    amount: receipt.amount,
    balance: receipt.balance,
    status: receipt.status,
    paidAt: isoTime(receipt.paidAtMs),
  };
}

export function chargeView(receipt: ChargeReceipt) {
  return { userId: receipt.userId, balance: receipt.balance, transactionId: receipt.transactionId };
}

export function transactionView(transaction: LedgerTransaction) {
  return {
    transactionId: transaction.transactionId,
    type: transaction.type,
    amount: transaction.amount,
    balanceAfter: transaction.balanceAfter,
    createdAt: isoTime(transaction.atMs),
  };
}

export function scheduleView(schedule: ScheduleSummary) {
  return {
    scheduleId: schedule.scheduleId,
    startsAt: isoTime(schedule.startsAtMs),
    totalSeats: schedule.totalSeats,
    availableSeats: schedule.availableSeats,
  };
}

export function createdConcertView(concert: Concert) {
  return {
    concertId: concert.concertId,
    title: concert.title,
    onSaleAt: isoTimeOrNull(concert.onSaleAtMs),
    schedules: concert.schedules.map((schedule) => ({
      scheduleId: schedule.scheduleId,
      startsAt: isoTime(schedule.startsAtMs),
      totalSeats: schedule.seatCount,
      price: schedule.price,
    })),
  };
}

/** A room's settings as the admin API shows them: the on-sale time as `onSaleAt`, an ISO time. */
export function waitingRoomSettingsView(concertId: string, settings: WaitingRoomSettings) {
  const { onSaleAtMs, ...limits } = settings;
  return { concertId, ...limits, onSaleAt: isoTimeOrNull(onSaleAtMs) };
}
