import { accept, assert, refuse, type DecideContext, type Decision, type Result } from "./decider.ts";
import { ALREADY_PAID, HOLD_EXPIRED, NOT_OWNER, rejection, RESERVATION_NOT_FOUND } from "./rejection.ts";
import {
  holderAt,
  isLiveHold,
  RESERVATION_CONFIRMED,
  slotOf,
  type ReservationConfirmed,
  type ScheduleState,
} from "./schedule.ts";
import {
  authorizeToken,
  decideWaitingRoom,
  type WaitingRoomEvent,
  type WaitingRoomState,
} from "./waiting-room/index.ts";
import { spendableBalance, type PaymentDebited, type WalletState } from "./wallet.ts";

export interface PayReservation {
  readonly type: "PayReservation";
  readonly userId: string;
  readonly reservationId: string;
  /** The ACTIVE queue token the payment is made with; paying spends it. */
  readonly token: string;
}

export type PaymentEvent = ReservationConfirmed | PaymentDebited | WaitingRoomEvent;

/**
 * Paying touches three aggregates, the schedule, the payer's wallet and the token's waiting room,
 * and must change all of them or none: it books the seats, takes the money and spends the token.
 * It is decided over the three states at once, and its events are journaled as one entry, which is
 * one SQLite transaction: there is no crash point between taking money, booking seats and ending the
 * token, and no second payment can slip in with the same token.
 */
/** The payment a client asks for: with this token, this user pays for this reservation. */
export interface PaymentRequest {
  readonly token: string;
  readonly userId: string;
  readonly reservationId: string;
}

/**
 * Whether a reservation may be paid now, whoever holds the money: the token is live for the concert,
 * the reservation exists, the payer holds it, it is not paid yet and its hold is live. The one-entry
 * payment (`decidePayment`) and the cross-shard saga's start (`payment-saga.ts`) both ask here, in
 * this order, so a client meets the same refusal either way. Answers the reservation's hold slot.
 */
export function decidePayable(
  schedule: ScheduleState,
  room: WaitingRoomState,
  payment: PaymentRequest,
  nowMs: number,
): Result<{ readonly slot: number }> {
  const grant = authorizeToken(room, payment.token, schedule.concertId, nowMs);
  if (!grant.ok) {
    return grant;
  }
  assert(grant.value.userId === payment.userId, "a payment is made by the user its token names");
  const slot = slotOf(schedule, payment.reservationId);
  if (slot === undefined) {
    return { ok: false, rejection: RESERVATION_NOT_FOUND };
  }
  if (holderAt(schedule, slot) !== payment.userId) {
    return { ok: false, rejection: NOT_OWNER };
  }
  if (schedule.holds.status[slot] === RESERVATION_CONFIRMED) {
    return { ok: false, rejection: ALREADY_PAID };
  }
  if (!isLiveHold(schedule, slot, nowMs)) {
    return { ok: false, rejection: HOLD_EXPIRED };
  }
  return { ok: true, value: { slot } };
}

export function decidePayment(
  schedule: ScheduleState,
  wallet: WalletState,
  room: WaitingRoomState,
  command: PayReservation,
  ctx: DecideContext,
): Decision<PaymentEvent> {
  const payable = decidePayable(schedule, room, command, ctx.nowMs);
  if (!payable.ok) {
    return payable;
  }
  if (wallet.userId !== command.userId) {
    return refuse(NOT_OWNER);
  }
  const { slot } = payable.value;
  const amount = schedule.holds.amount[slot] as number;
  // Funds reserved by a cross-shard payment in flight are in the balance but not spendable.
  const spendable = spendableBalance(wallet);
  if (spendable < amount) {
    return refuse(
      rejection("INSUFFICIENT_BALANCE", `the balance of ${spendable} won is below ${amount} won`, {
        balance: spendable,
        amount,
      }),
    );
  }
  const used = decideWaitingRoom(
    room,
    { type: "UseToken", concertId: room.concertId, token: command.token },
    ctx,
  );
  if (!used.ok) {
    return used;
  }
  const paymentId = ctx.newId();
  const reservationId = schedule.holds.reservationIds[slot] as string;
  return accept([
    {
      type: "ReservationConfirmed",
      scheduleId: schedule.scheduleId,
      reservationId,
      paymentId,
      atMs: ctx.nowMs,
    },
    {
      type: "PaymentDebited",
      userId: wallet.userId,
      transactionId: ctx.newId(),
      paymentId,
      reservationId,
      amount,
      balanceAfter: wallet.balance - amount,
      atMs: ctx.nowMs,
    },
    ...used.events,
  ]);
}
