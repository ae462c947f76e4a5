import { accept, assert, InvariantViolation, refuse, type DecideContext, type Decision } from "./decider.ts";
import type { PaymentReceipt } from "./receipts.ts";
import { decidePayable } from "./payment.ts";
import { ALREADY_PAID, HOLD_EXPIRED, rejection, type Rejection } from "./rejection.ts";
import {
  isLiveHold,
  RESERVATION_CONFIRMED,
  slotOf,
  type ReservationConfirmed,
  type ScheduleState,
} from "./schedule.ts";
import { decideWaitingRoom, type WaitingRoomEvent, type WaitingRoomState } from "./waiting-room/index.ts";
import type { FundsAnswer, PostFunds, ReserveFunds, VoidFunds } from "./wallet-reservation.ts";

/**
 * A payment whose reservation and wallet live on different shards, as a saga journaled on both sides
 * (never a distributed lock). This is the coordinator's half, on the reservation's shard; the wallet's
 * half is wallet-reservation.ts.
 *
 * 1. `StartPayment` checks what `decidePayment` checks except the wallet (token, reservation, owner,
 *    hold still live) and journals `PaymentStarted`; the coordinator then sends `ReserveFunds`.
 * 2. The wallet journals a reserve or a refusal and answers (`FundsAnswer`).
 * 3. On a reserve, `CompleteSale` journals the sale (`ReservationConfirmed`, `TokenUsed`,
 *    `PaymentCompleted`, one entry) or, when the sale can no longer happen, `PaymentAborted`; on a
 *    refusal, `AbortPayment` journals `PaymentAborted`. The client is answered only after this.
 * 4. The coordinator sends `PostFunds` after a sale or `VoidFunds` after an abort until the wallet
 *    confirms (`SettlePayment` → `PaymentSettled`). A refused reserve needs no void: nothing is pending.
 *
 * Every message names the payment and every step is idempotent, so a restarted coordinator simply
 * re-sends `unfinishedSagas` and a wallet answers a repeat with its journaled outcome.
 *
 * Why a sale never happens without the money and the money is never taken without a sale: the sale
 * is journaled only after the wallet journaled the reserve (step 3 follows step 2's answer), the post
 * is sent only after the sale is journaled, and the void only after the abort is; a saga ends in
 * exactly one of the two, so the wallet gets a post or a void for it, never both.
 *
 * The hold is not pinned while a saga is in flight: a saga whose hold expires (or is cancelled) before
 * its sale aborts, and the wallet voids. Pinning would make the release of a seat wait on another
 * shard being up: a wallet shard that is down would freeze its users' seats past their hold time, which
 * the on-sale's fairness (a hold is short, then the seats go back) cannot afford, and the schedule would
 * have to know about payments. With the abort, the schedule stays as it is: the sale checks
 * `isLiveHold` at its own time, and `ReservationConfirmed` asserts the reservation is still HELD, so no
 * seat is sold after its hold ended and none is sold twice. The cost is that a payment started just
 * before the deadline can lose the race; its client gets HOLD_EXPIRED and no money is taken. The
 * coordinator need not even wait for the wallet then: `abortsDue` names the sagas to abort at once.
 */

export interface StartPayment {
  readonly type: "StartPayment";
  /** Chosen by the caller and kept across retries: a retry with the same id gets the same saga. */
  readonly paymentId: string;
  readonly userId: string;
  readonly reservationId: string;
  /** The ACTIVE queue token the payment is made with; the sale spends it. */
  readonly token: string;
}

/** The wallet reserved the funds: sell, or abort if the sale can no longer happen. */
export interface CompleteSale {
  readonly type: "CompleteSale";
  readonly paymentId: string;
  /** What the user can spend after the reserve, from the wallet's answer; the receipt shows it. */
  readonly spendableAfter: number;
}

/** End the saga without a sale: the wallet refused, or the coordinator gave up (the hold ended). */
export interface AbortPayment {
  readonly type: "AbortPayment";
  readonly paymentId: string;
  /** What the client is answered. */
  readonly reason: Rejection;
  /** The wallet refused the reserve (journaled there), so nothing is pending and no void is needed. */
  readonly fundsRefused: boolean;
}

/** The wallet confirmed how the payment ended there: posted, voided, or refused. */
export interface SettlePayment {
  readonly type: "SettlePayment";
  readonly paymentId: string;
  readonly funds: "POSTED" | "VOIDED" | "REFUSED";
}

export type PaymentSagaCommand = StartPayment | CompleteSale | AbortPayment | SettlePayment;

export interface PaymentStarted {
  readonly type: "PaymentStarted";
  readonly scheduleId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly userId: string;
  readonly token: string;
  readonly amount: number;
  readonly atMs: number;
}

/** Journaled with the sale's `ReservationConfirmed` and `TokenUsed`, in one entry. */
export interface PaymentCompleted {
  readonly type: "PaymentCompleted";
  readonly scheduleId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly userId: string;
  readonly amount: number;
  /** What the user could spend once the funds were reserved (see `CompleteSale`). */
  readonly balanceAfter: number;
  readonly atMs: number;
}

export interface PaymentAborted {
  readonly type: "PaymentAborted";
  readonly scheduleId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly reason: Rejection;
  /** True when nothing is left to tell the wallet (it refused the reserve). */
  readonly settled: boolean;
  readonly atMs: number;
}

export interface PaymentSettled {
  readonly type: "PaymentSettled";
  readonly scheduleId: string;
  readonly paymentId: string;
  readonly funds: "POSTED" | "VOIDED" | "REFUSED";
  readonly atMs: number;
}

/** The saga's own events; a decision may also hold a sale's schedule and waiting-room events. */
export type PaymentSagaEvent = PaymentStarted | PaymentCompleted | PaymentAborted | PaymentSettled;

export type PaymentSagaDecisionEvent = PaymentSagaEvent | ReservationConfirmed | WaitingRoomEvent;

export type SagaOutcome = "PENDING" | "COMPLETED" | "ABORTED";

export interface PaymentSaga {
  readonly paymentId: string;
  readonly scheduleId: string;
  readonly reservationId: string;
  readonly userId: string;
  readonly token: string;
  readonly amount: number;
  readonly startedAtMs: number;
  outcome: SagaOutcome;
  /** The client's answer once the outcome is known: the receipt's balance, or the rejection. */
  balanceAfter: number | null;
  reason: Rejection | null;
  endedAtMs: number | null;
  /** The wallet has confirmed the outcome; nothing is left to send. */
  settled: boolean;
}

/**
 * The sagas a coordinator has run (one state per schedule or per shard: the decisions do not mind),
 * kept as long as the payments they made, like the wallet's ledger lines.
 */
export interface PaymentSagaState {
  readonly sagas: Map<string, PaymentSaga>;
  /**
   * Reservation id → the payment id of its saga in flight (outcome PENDING). One per reservation at a
   * time: a second payment is refused PAYMENT_IN_PROGRESS, so no wallet reserves twice for one seat.
   * A saga stuck on a shard that is down blocks the reservation no longer than its hold, since
   * `abortsDue` aborts it once the hold ends; the number of sagas in flight is thus bounded by the
   * holds.
   */
  readonly inFlightByReservation: Map<string, string>;
  /** Payment ids of the sagas not yet settled, in the order they started, for `unfinishedSagas`. */
  readonly unsettled: Set<string>;
}

export function initialPaymentSagaState(): PaymentSagaState {
  return { sagas: new Map(), inFlightByReservation: new Map(), unsettled: new Set() };
}

const PAYMENT_NOT_FOUND = rejection("PAYMENT_NOT_FOUND", "no such payment");

/**
 * Decides a saga step over the sagas, the reservation's schedule and the token's waiting room. The
 * schedule and room are only read by `StartPayment` and `CompleteSale`.
 */
export function decidePaymentSaga(
  state: PaymentSagaState,
  schedule: ScheduleState,
  room: WaitingRoomState,
  command: PaymentSagaCommand,
  ctx: DecideContext,
): Decision<PaymentSagaDecisionEvent> {
  switch (command.type) {
    case "StartPayment":
      return startPayment(state, schedule, room, command, ctx);
    case "CompleteSale":
      return decideWhilePending(state, command.paymentId, (saga) =>
        completeSale(saga, schedule, room, command, ctx),
      );
    case "AbortPayment":
      return decideWhilePending(state, command.paymentId, (saga) =>
        accept([aborted(saga, command.reason, command.fundsRefused, ctx.nowMs)]),
      );
    case "SettlePayment":
      return settlePayment(state, command, ctx);
    default: {
      const unknown: never = command;
      return refuse(rejection("VALIDATION_FAILED", `unknown command ${JSON.stringify(unknown)}`));
    }
  }
}

function startPayment(
  state: PaymentSagaState,
  schedule: ScheduleState,
  room: WaitingRoomState,
  command: StartPayment,
  ctx: DecideContext,
): Decision<PaymentSagaDecisionEvent> {
  const known = state.sagas.get(command.paymentId);
  if (known !== undefined) {
    // Checked first: a retry of a paid payment gets its outcome, not ALREADY_PAID.
    const same =
      known.userId === command.userId &&
      known.reservationId === command.reservationId &&
      known.token === command.token;
    return same
      ? accept([])
      : refuse(
          rejection("IDEMPOTENCY_KEY_REUSED", `payment ${command.paymentId} was made for another request`),
        );
  }
  const payable = decidePayable(schedule, room, command, ctx.nowMs);
  if (!payable.ok) {
    return payable;
  }
  const { slot } = payable.value;
  if (state.inFlightByReservation.has(command.reservationId)) {
    return refuse(rejection("PAYMENT_IN_PROGRESS", "a payment of this reservation is already under way"));
  }
  return accept([
    {
      type: "PaymentStarted",
      scheduleId: schedule.scheduleId,
      paymentId: command.paymentId,
      reservationId: command.reservationId,
      userId: command.userId,
      token: command.token,
      amount: schedule.holds.amount[slot] as number,
      atMs: ctx.nowMs,
    },
  ]);
}

/**
 * Decides a step that ends a saga with `decideStep`, but only while the saga is pending: a step for an
 * unknown payment is refused, and one for a saga that has already ended (a repeat, or an abort that lost
 * the race to the sale) gets no events, because a saga ends exactly once.
 */
function decideWhilePending(
  state: PaymentSagaState,
  paymentId: string,
  decideStep: (saga: PaymentSaga) => Decision<PaymentSagaDecisionEvent>,
): Decision<PaymentSagaDecisionEvent> {
  const saga = state.sagas.get(paymentId);
  if (saga === undefined) {
    return refuse(PAYMENT_NOT_FOUND);
  }
  if (saga.outcome !== "PENDING") {
    return accept([]);
  }
  return decideStep(saga);
}

function completeSale(
  saga: PaymentSaga,
  schedule: ScheduleState,
  room: WaitingRoomState,
  command: CompleteSale,
  ctx: DecideContext,
): Decision<PaymentSagaDecisionEvent> {
  assert(saga.scheduleId === schedule.scheduleId, `payment ${saga.paymentId} decided on another schedule`);
  const slot = slotOf(schedule, saga.reservationId);
  assert(slot !== undefined, `payment ${saga.paymentId} is for an unknown reservation`);
  if (schedule.holds.status[slot] === RESERVATION_CONFIRMED) {
    return accept([aborted(saga, ALREADY_PAID, false, ctx.nowMs)]);
  }
  if (!isLiveHold(schedule, slot, ctx.nowMs)) {
    return accept([aborted(saga, HOLD_EXPIRED, false, ctx.nowMs)]);
  }
  const used = decideWaitingRoom(
    room,
    { type: "UseToken", concertId: room.concertId, token: saga.token },
    ctx,
  );
  if (!used.ok) {
    return accept([aborted(saga, used.rejection, false, ctx.nowMs)]);
  }
  return accept([
    {
      type: "ReservationConfirmed",
      scheduleId: schedule.scheduleId,
      reservationId: saga.reservationId,
      paymentId: saga.paymentId,
      atMs: ctx.nowMs,
    },
    ...used.events,
    {
      type: "PaymentCompleted",
      scheduleId: saga.scheduleId,
      paymentId: saga.paymentId,
      reservationId: saga.reservationId,
      userId: saga.userId,
      amount: saga.amount,
      balanceAfter: command.spendableAfter,
      atMs: ctx.nowMs,
    },
  ]);
}

function settlePayment(
  state: PaymentSagaState,
  command: SettlePayment,
  ctx: DecideContext,
): Decision<PaymentSagaDecisionEvent> {
  const saga = state.sagas.get(command.paymentId);
  if (saga === undefined) {
    return refuse(PAYMENT_NOT_FOUND);
  }
  if (saga.settled) {
    return accept([]);
  }
  // A wallet outcome that contradicts the saga's means money and seats went separate ways: a bug.
  assert(saga.outcome !== "PENDING", `payment ${saga.paymentId} settled at the wallet before its sale`);
  assert(
    (command.funds === "POSTED") === (saga.outcome === "COMPLETED"),
    `payment ${saga.paymentId} is ${saga.outcome} here but ${command.funds} at the wallet`,
  );
  return accept([
    {
      type: "PaymentSettled",
      scheduleId: saga.scheduleId,
      paymentId: saga.paymentId,
      funds: command.funds,
      atMs: ctx.nowMs,
    },
  ]);
}

function aborted(saga: PaymentSaga, reason: Rejection, settled: boolean, nowMs: number): PaymentAborted {
  return {
    type: "PaymentAborted",
    scheduleId: saga.scheduleId,
    paymentId: saga.paymentId,
    reservationId: saga.reservationId,
    reason,
    settled,
    atMs: nowMs,
  };
}

/** Applies one of the saga's own events; the schedule and the room evolve the sale's other events. */
export function evolvePaymentSaga(state: PaymentSagaState, event: PaymentSagaEvent): PaymentSagaState {
  switch (event.type) {
    case "PaymentStarted": {
      assert(!state.sagas.has(event.paymentId), `payment ${event.paymentId} started twice`);
      assert(!state.inFlightByReservation.has(event.reservationId), "two payments of one reservation");
      state.sagas.set(event.paymentId, {
        paymentId: event.paymentId,
        scheduleId: event.scheduleId,
        reservationId: event.reservationId,
        userId: event.userId,
        token: event.token,
        amount: event.amount,
        startedAtMs: event.atMs,
        outcome: "PENDING",
        balanceAfter: null,
        reason: null,
        endedAtMs: null,
        settled: false,
      });
      state.inFlightByReservation.set(event.reservationId, event.paymentId);
      state.unsettled.add(event.paymentId);
      break;
    }
    case "PaymentCompleted": {
      const saga = endSaga(state, event.paymentId, "COMPLETED", event.atMs);
      saga.balanceAfter = event.balanceAfter;
      break;
    }
    case "PaymentAborted": {
      const saga = endSaga(state, event.paymentId, "ABORTED", event.atMs);
      saga.reason = event.reason;
      if (event.settled) {
        saga.settled = true;
        state.unsettled.delete(saga.paymentId);
      }
      break;
    }
    case "PaymentSettled": {
      const saga = state.sagas.get(event.paymentId);
      assert(saga !== undefined && saga.outcome !== "PENDING", `payment ${event.paymentId} settled early`);
      assert(!saga.settled, `payment ${event.paymentId} settled twice`);
      saga.settled = true;
      state.unsettled.delete(saga.paymentId);
      break;
    }
    default: {
      const unknown: never = event;
      throw new InvariantViolation(`a saga event of unknown type ${JSON.stringify(unknown)}`);
    }
  }
  return state;
}

/** Ends a pending saga with `outcome`, which frees its reservation for another payment; returns it. */
function endSaga(
  state: PaymentSagaState,
  paymentId: string,
  outcome: Exclude<SagaOutcome, "PENDING">,
  atMs: number,
): PaymentSaga {
  const saga = state.sagas.get(paymentId);
  assert(saga !== undefined, `event for unknown payment ${paymentId}`);
  assert(saga.outcome === "PENDING", `payment ${paymentId} ended twice`);
  saga.outcome = outcome;
  saga.endedAtMs = atMs;
  state.inFlightByReservation.delete(saga.reservationId);
  return saga;
}

/** Whether an event is one of the saga's own (the others of a decision go to the schedule and room). */
export function isPaymentSagaEvent(event: { readonly type: string }): event is PaymentSagaEvent {
  return (
    event.type === "PaymentStarted" ||
    event.type === "PaymentCompleted" ||
    event.type === "PaymentAborted" ||
    event.type === "PaymentSettled"
  );
}

/** The message a saga still has to get through to the wallet. */
export type SagaMessage = ReserveFunds | PostFunds | VoidFunds;

/** The message the saga needs next, or undefined once it is settled. */
export function nextMessageOf(saga: PaymentSaga): SagaMessage | undefined {
  if (saga.settled) {
    return undefined;
  }
  const { paymentId, userId } = saga;
  switch (saga.outcome) {
    case "PENDING":
      return {
        type: "ReserveFunds",
        paymentId,
        userId,
        reservationId: saga.reservationId,
        amount: saga.amount,
      };
    case "COMPLETED":
      return { type: "PostFunds", paymentId, userId };
    case "ABORTED":
      return { type: "VoidFunds", paymentId, userId };
    default: {
      const unknown: never = saga.outcome;
      throw new InvariantViolation(`a saga with the unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}

/**
 * Every saga not yet settled and the message each needs next, oldest first: what a coordinator sends
 * after a restart (and again, until answered). Sending one twice is harmless.
 */
export function unfinishedSagas(state: PaymentSagaState): SagaMessage[] {
  const messages: SagaMessage[] = [];
  for (const paymentId of state.unsettled) {
    const saga = state.sagas.get(paymentId);
    assert(saga !== undefined, `unsettled payment ${paymentId} is unknown`);
    const message = nextMessageOf(saga);
    assert(message !== undefined, `unsettled payment ${paymentId} has nothing to send`);
    messages.push(message);
  }
  return messages;
}

/** The sagas in flight on `schedule` whose hold has ended, each with the abort to decide at once. */
export function abortsDue(state: PaymentSagaState, schedule: ScheduleState, nowMs: number): AbortPayment[] {
  const aborts: AbortPayment[] = [];
  for (const [reservationId, paymentId] of state.inFlightByReservation) {
    const slot = slotOf(schedule, reservationId);
    if (slot !== undefined && !isLiveHold(schedule, slot, nowMs)) {
      aborts.push({ type: "AbortPayment", paymentId, reason: HOLD_EXPIRED, fundsRefused: false });
    }
  }
  return aborts;
}

/**
 * The coordinator's next step on a wallet's answer, or undefined when there is none (a late reserve
 * of a saga that has moved on: `unfinishedSagas` keeps sending its post or void).
 */
export function commandOnFundsAnswer(
  state: PaymentSagaState,
  answer: FundsAnswer,
): PaymentSagaCommand | undefined {
  const saga = state.sagas.get(answer.paymentId);
  if (saga === undefined || saga.settled) {
    return undefined;
  }
  const { paymentId } = answer;
  switch (answer.status) {
    case "RESERVED":
      return saga.outcome === "PENDING"
        ? { type: "CompleteSale", paymentId, spendableAfter: answer.spendableAfter }
        : undefined;
    case "REFUSED":
      return saga.outcome === "PENDING"
        ? { type: "AbortPayment", paymentId, reason: answer.rejection, fundsRefused: true }
        : { type: "SettlePayment", paymentId, funds: "REFUSED" };
    case "POSTED":
    case "VOIDED":
      return { type: "SettlePayment", paymentId, funds: answer.status };
    default: {
      const unknown: never = answer;
      throw new InvariantViolation(`a funds answer of unknown status ${JSON.stringify(unknown)}`);
    }
  }
}

/** What the client is answered about a payment: still in flight, its receipt, or why it failed. */
export type PaymentSagaAnswer =
  | { readonly status: "PENDING" }
  | { readonly status: "COMPLETED"; readonly receipt: PaymentReceipt }
  | { readonly status: "ABORTED"; readonly rejection: Rejection };

export function paymentAnswerOf(saga: PaymentSaga): PaymentSagaAnswer {
  switch (saga.outcome) {
    case "PENDING":
      return { status: "PENDING" };
    case "COMPLETED":
      return {
        status: "COMPLETED",
        receipt: {
          paymentId: saga.paymentId,
          reservationId: saga.reservationId,
          userId: saga.userId,
          amount: saga.amount,
          balance: saga.balanceAfter as number,
          status: "COMPLETED",
          paidAtMs: saga.endedAtMs as number,
        },
      };
    case "ABORTED":
      return { status: "ABORTED", rejection: saga.reason as Rejection };
    default: {
      const unknown: never = saga.outcome;
      throw new InvariantViolation(`a saga with the unknown outcome ${JSON.stringify(unknown)}`);
    }
  }
}
