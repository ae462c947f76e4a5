import { accept, assert, refuse, type DecideContext, type Decision } from "./decider.ts";
import { NOT_OWNER, rejection, RESERVATION_NOT_FOUND } from "./rejection.ts";
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
export function decidePayment(
  schedule: ScheduleState,
  wallet: WalletState,
  room: WaitingRoomState,
  command: PayReservation,
  ctx: DecideContext,
): Decision<PaymentEvent> {
  const grant = authorizeToken(room, command.token, schedule.concertId, ctx.nowMs);
  if (!grant.ok) {
    return grant;
  }
  assert(grant.value.userId === command.userId, "a payment is made by the user its token names");
  const slot = slotOf(schedule, command.reservationId);
  if (slot === undefined) {
    return refuse(RESERVATION_NOT_FOUND);
  }
  if (holderAt(schedule, slot) !== command.userId || wallet.userId !== command.userId) {
    return refuse(NOT_OWNER);
  }
  if (schedule.holds.status[slot] === RESERVATION_CONFIRMED) {
    return refuse(rejection("ALREADY_PAID", "this reservation is already paid"));
  }
  if (!isLiveHold(schedule, slot, ctx.nowMs)) {
    return refuse(rejection("HOLD_EXPIRED", "the hold has expired or was cancelled; no money was taken"));
  }
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
