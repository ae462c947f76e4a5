import { assert, type Result } from "../engine/decider.ts";
import { scheduleOf } from "../engine/engine-state.ts";
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
import { roomOfToken } from "../engine/token-access.ts";
import { initialWalletState } from "../engine/wallet.ts";
import type { CancelTimer } from "./clock.ts";
import { HOLD_KIND, PAYMENT_KIND, tokenTurn, type IdempotencyKey } from "./keyed-turn.ts";
import { Mailbox } from "./mailbox.ts";
import { MinHeap } from "./min-heap.ts";
import type { ActorRuntime } from "./runtime.ts";

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
