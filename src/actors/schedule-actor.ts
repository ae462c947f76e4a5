import { assert, type Result } from "../engine/decider.ts";
import { scheduleOf, waitingRoomOf, type EngineEvent } from "../engine/engine-state.ts";
import {
  abortsDue,
  decidePaymentSaga,
  type PaymentSaga,
  type PaymentSagaCommand,
  type StartPayment,
} from "../engine/payment-saga.ts";
import { decidePayment } from "../engine/payment.ts";
import { paymentReceiptOf, type PaymentReceipt } from "../engine/receipts.ts";
import {
  decideSchedule,
  RESERVATION_HELD,
  reservationAt,
  slotOf,
  type Reservation,
  type ScheduleState,
} from "../engine/schedule.ts";
import { decideKeyedRepeat, roomOfToken } from "../engine/token-access.ts";
import { initialWalletState } from "../engine/wallet.ts";
import type { CancelTimer } from "./clock.ts";
import { HOLD_KIND, PAYMENT_KIND, tokenTurn, type IdempotencyKey } from "./keyed-turn.ts";
import { Mailbox } from "./mailbox.ts";
import { MinHeap } from "./min-heap.ts";
import type { ActorRuntime } from "./runtime.ts";

/** How a cross-shard payment's first turn ended: a keyed repeat's recorded receipt, or its saga. */
export type PaymentStart =
  | { readonly kind: "receipt"; readonly receipt: PaymentReceipt }
  | { readonly kind: "saga"; readonly paymentId: string };

/**
 * The actor of one schedule (one performance date). It owns the schedule's seat map and
 * reservations; holds, cancellations, payments and expiries of this schedule all pass through its
 * mailbox, one at a time. It also keeps the hold deadlines and, when one falls due, sends itself
 * an `ExpireHold` message: the timer never touches state.
 */
export class ScheduleActor {
  readonly mailbox: Mailbox;
  /** The slots of the schedule's holds, by deadline. */
  private readonly deadlines = new MinHeap<number>();
  private cancelTimer: CancelTimer | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly runtime: ActorRuntime,
    readonly scheduleId: string,
  ) {
    this.mailbox = new Mailbox(`schedule:${scheduleId}`, runtime);
    // Holds recovered from the journal expire at their journaled time, or at once if it passed while
    // down: their ExpireHold messages are in the mailbox before any request can be.
    const nowMs = runtime.clock.nowMs();
    const { holds } = this.state;
    for (let slot = 0; slot < holds.count; slot += 1) {
      if (holds.status[slot] !== RESERVATION_HELD) {
        continue;
      }
      if ((holds.expiresAtMs[slot] as number) <= nowMs) {
        this.expire(slot);
      } else {
        this.watchDeadline(slot);
      }
    }
  }

  get state(): ScheduleState {
    return scheduleOf(this.runtime.state, this.scheduleId);
  }

  /** Holds seats for the user an ACTIVE token names, checked in this same turn. */
  hold(
    token: string | undefined,
    seatNumbers: readonly number[],
    holdTtlMs: number,
    idempotencyKey?: IdempotencyKey,
  ): Promise<Result<Reservation>> {
    const keyed = idempotencyKey === undefined ? undefined : { key: idempotencyKey, kind: HOLD_KIND };
    return this.mailbox.post((ctx) =>
      tokenTurn(this.runtime, ctx, token, this.state.concertId, keyed, (userId) =>
        this.runtime.applyDecision(
          decideSchedule(this.state, { type: "HoldSeats", userId, seatNumbers, holdTtlMs }, ctx),
          ([held]) => {
            assert(held?.type === "SeatsHeld", "a hold records a SeatsHeld event");
            const slot = this.slotOf(held.reservationId);
            this.watchDeadline(slot);
            return reservationAt(this.state, slot);
          },
        ),
      ),
    );
  }

  cancel(token: string | undefined, reservationId: string): Promise<Result<Reservation>> {
    return this.mailbox.post((ctx) =>
      tokenTurn(this.runtime, ctx, token, this.state.concertId, undefined, (userId) =>
        this.runtime.applyDecision(
          decideSchedule(this.state, { type: "CancelHold", userId, reservationId }, ctx),
          () => reservationAt(this.state, this.slotOf(reservationId)),
        ),
      ),
    );
  }

  /**
   * Pays a held reservation from the owner's wallet and spends the token, all in this turn: turns
   * never suspend and every actor runs on this one thread, so no other turn can touch the wallet or
   * the token meanwhile, and the events of all three are journaled as one atomic entry.
   */
  pay(
    token: string | undefined,
    reservationId: string,
    idempotencyKey?: IdempotencyKey,
  ): Promise<Result<PaymentReceipt>> {
    const keyed = idempotencyKey === undefined ? undefined : { key: idempotencyKey, kind: PAYMENT_KIND };
    return this.mailbox.post((ctx) =>
      tokenTurn(this.runtime, ctx, token, this.state.concertId, keyed, (userId) => {
        const room = roomOfToken(this.runtime.state, token);
        assert(room !== undefined && token !== undefined, "a granted token has a waiting room");
        const wallet = this.runtime.state.wallets.get(userId) ?? initialWalletState(userId);
        return this.runtime.applyDecision(
          decidePayment(
            this.state,
            wallet,
            room,
            { type: "PayReservation", userId, reservationId, token },
            ctx,
          ),
          paymentReceiptOf,
        );
      }),
    );
  }

  /**
   * Starts a payment whose wallet lives on another shard (the saga of payment-saga.ts, coordinated
   * here): one turn checks a keyed repeat of a one-shard payment, then decides `StartPayment` (which
   * answers a saga it already knows, by `paymentId`, before any other check) and journals
   * `PaymentStarted`. The caller drives the saga on once this is durable.
   */
  startPayment(
    token: string,
    reservationId: string,
    userId: string,
    paymentId: string | undefined,
    idempotencyKey?: IdempotencyKey,
  ): Promise<Result<PaymentStart>> {
    return this.mailbox.post((ctx) => {
      const repeat =
        idempotencyKey === undefined
          ? undefined
          : decideKeyedRepeat(this.runtime.state, userId, idempotencyKey);
      if (repeat?.kind === "refused") {
        return { ok: false, rejection: repeat.rejection };
      }
      if (repeat?.kind === "replay") {
        return {
          ok: true,
          events: [],
          value: { kind: "receipt", receipt: PAYMENT_KIND.untag(repeat.result) },
        };
      }
      const room = roomOfToken(this.runtime.state, token);
      assert(room !== undefined, "a known token has a waiting room");
      // A keyed retry names the payment it started; as for a one-entry payment, it is answered even
      // when it comes with another token of the same user (the first was checked, and may be spent).
      const known =
        paymentId === undefined ? undefined : this.runtime.state.paymentSagas.sagas.get(paymentId);
      const command: StartPayment = {
        type: "StartPayment",
        paymentId: paymentId ?? ctx.newId(),
        userId,
        reservationId,
        token: known?.userId === userId && known.reservationId === reservationId ? known.token : token,
      };
      return this.runtime.applyDecision(
        decidePaymentSaga(this.runtime.state.paymentSagas, this.state, room, command, ctx),
        (): PaymentStart => ({ kind: "saga", paymentId: command.paymentId }),
      );
    });
  }

  /**
   * A later step of a saga of this schedule (the sale, an abort, the settlement), as a message the
   * saga's driver sends: never refused for a full mailbox, since nobody else would retry it; such
   * messages are bounded by the sagas in flight, which the holds bound. Answers the saga after it.
   */
  sagaStep(command: PaymentSagaCommand): Promise<Result<PaymentSaga | undefined>> {
    return this.mailbox.postToSelf((ctx) =>
      this.runtime.applyDecision(
        decidePaymentSaga(
          this.runtime.state.paymentSagas,
          this.state,
          waitingRoomOf(this.runtime.state, this.state.concertId),
          command,
          ctx,
        ),
        () => this.runtime.state.paymentSagas.sagas.get(command.paymentId),
      ),
    );
  }

  /** Aborts, in one turn, every saga of this schedule whose hold has ended; answers their payment ids. */
  abortEndedHolds(): Promise<Result<string[]>> {
    return this.mailbox.postToSelf((ctx) => {
      const sagas = this.runtime.state.paymentSagas;
      const room = waitingRoomOf(this.runtime.state, this.state.concertId);
      const events: EngineEvent[] = [];
      const aborted: string[] = [];
      for (const abort of abortsDue(sagas, this.state, ctx.nowMs)) {
        const decision = decidePaymentSaga(sagas, this.state, room, abort, ctx);
        if (decision.ok && decision.events.length > 0) {
          this.runtime.apply(decision.events);
          events.push(...decision.events);
          aborted.push(abort.paymentId);
        }
      }
      return { ok: true, events, value: aborted };
    });
  }

  /** Runs a read of this schedule in turn with its writes, answered once what it saw is durable. */
  read<R>(query: (state: ScheduleState, nowMs: number) => R): Promise<Result<R>> {
    return this.mailbox.post((ctx) => ({ ok: true, events: [], value: query(this.state, ctx.nowMs) }));
  }

  /** Stops the hold timer; messages already accepted are still answered. */
  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  private slotOf(reservationId: string): number {
    const slot = slotOf(this.state, reservationId);
    assert(slot !== undefined, `reservation ${reservationId} vanished within its own turn`);
    return slot;
  }

  private expire(slot: number): void {
    void this.mailbox.postToSelf((ctx) => {
      const reservationId = this.state.holds.reservationIds[slot] as string;
      const outcome = this.runtime.applyDecision(
        decideSchedule(this.state, { type: "ExpireHold", reservationId }, ctx),
        () => undefined,
      );
      if (outcome.ok && outcome.events.length === 0 && this.state.holds.status[slot] === RESERVATION_HELD) {
        // Not due after all (the wall clock stepped back): keep watching its deadline.
        this.watchDeadline(slot);
      }
      return outcome;
    });
  }

  private watchDeadline(slot: number): void {
    this.deadlines.push(this.state.holds.expiresAtMs[slot] as number, slot);
    this.armTimer();
  }

  /** Keeps one timer, set for the earliest deadline; cancelled or paid holds are skipped when due. */
  private armTimer(): void {
    const nextAtMs = this.deadlines.peekKey();
    if (this.stopped || nextAtMs === undefined || nextAtMs >= this.timerAtMs) {
      return;
    }
    this.cancelTimer?.();
    this.timerAtMs = nextAtMs;
    this.cancelTimer = this.runtime.clock.setTimer(nextAtMs, () => this.onTimer());
  }

  private onTimer(): void {
    this.cancelTimer = undefined;
    this.timerAtMs = Number.POSITIVE_INFINITY;
    const nowMs = this.runtime.clock.nowMs();
    while ((this.deadlines.peekKey() ?? Number.POSITIVE_INFINITY) <= nowMs) {
      const slot = this.deadlines.pop();
      if (slot !== undefined && this.state.holds.status[slot] === RESERVATION_HELD) {
        this.expire(slot);
      }
    }
    this.armTimer();
  }
}
