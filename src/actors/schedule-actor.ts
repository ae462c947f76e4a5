import { assert, type Decision, type Result } from "../engine/decider.ts";
import { scheduleOf } from "../engine/engine-state.ts";
import { decidePayment } from "../engine/payment.ts";
import { paymentReceiptOf, type PaymentReceipt } from "../engine/receipts.ts";
import {
  decideSchedule,
  type Reservation,
  type ScheduleCommand,
  type ScheduleEvent,
  type ScheduleState,
} from "../engine/schedule.ts";
import { initialWalletState } from "../engine/wallet.ts";
import type { CancelTimer } from "./clock.ts";
import { HOLD_KIND, keyedTurn, PAYMENT_KIND, type IdempotencyKey } from "./keyed-turn.ts";
import { Mailbox, type TurnOutcome } from "./mailbox.ts";
import { MinHeap } from "./min-heap.ts";
import type { EngineRuntime } from "./runtime.ts";

/**
 * The actor of one schedule (one performance date). It owns the schedule's seat map and
 * reservations; holds, cancellations, payments and expiries of this schedule all pass through its
 * mailbox, one at a time. It also keeps the hold deadlines and, when one falls due, sends itself
 * an `ExpireHold` message: the timer never touches state.
 */
export class ScheduleActor {
  readonly mailbox: Mailbox;
  private readonly deadlines = new MinHeap<string>();
  private cancelTimer: CancelTimer | undefined;
  private timerAtMs = Number.POSITIVE_INFINITY;
  private stopped = false;

  constructor(
    private readonly runtime: EngineRuntime,
    readonly scheduleId: string,
  ) {
    this.mailbox = new Mailbox(`schedule:${scheduleId}`, runtime);
    // Holds recovered from the journal expire at their journaled time, or at once if it passed while
    // down: their ExpireHold messages are in the mailbox before any request can be.
    const nowMs = runtime.clock.nowMs();
    for (const reservation of this.state.reservations.values()) {
      if (reservation.status !== "HELD") {
        continue;
      }
      if (reservation.expiresAtMs <= nowMs) {
        this.expire(reservation.reservationId);
      } else {
        this.watchDeadline(reservation);
      }
    }
  }

  get state(): ScheduleState {
    return scheduleOf(this.runtime.state, this.scheduleId);
  }

  hold(
    userId: string,
    seatNumbers: readonly number[],
    holdTtlMs: number,
    idempotencyKey?: IdempotencyKey,
  ): Promise<Result<Reservation>> {
    return this.mailbox.post((ctx) =>
      keyedTurn(this.runtime, userId, idempotencyKey, HOLD_KIND, ctx.nowMs, () => {
        const outcome = this.applyDecision(
          decideSchedule(this.state, { type: "HoldSeats", userId, seatNumbers, holdTtlMs }, ctx),
        );
        if (!outcome.ok) {
          return outcome;
        }
        const held = outcome.events[0];
        const reservation =
          held?.type === "SeatsHeld" ? this.state.reservations.get(held.reservationId) : undefined;
        assert(reservation !== undefined, "a hold produced no reservation");
        this.watchDeadline(reservation);
        return { ok: true, events: outcome.events, value: reservation };
      }),
    );
  }

  cancel(userId: string, reservationId: string): Promise<Result<Reservation>> {
    return this.mailbox.post((ctx) => {
      const outcome = this.applyDecision(
        decideSchedule(this.state, { type: "CancelHold", userId, reservationId }, ctx),
      );
      return outcome.ok ? { ...outcome, value: this.reservation(reservationId) } : outcome;
    });
  }

  /**
   * Pays a held reservation from the owner's wallet. The wallet is read and written inside this
   * turn: turns never suspend and every actor runs on this one thread, so no other turn can touch
   * the wallet meanwhile, and both aggregates' events are journaled as one atomic entry.
   */
  pay(
    userId: string,
    reservationId: string,
    idempotencyKey?: IdempotencyKey,
  ): Promise<Result<PaymentReceipt>> {
    return this.mailbox.post((ctx) =>
      keyedTurn(this.runtime, userId, idempotencyKey, PAYMENT_KIND, ctx.nowMs, () => {
        const wallet = this.runtime.state.wallets.get(userId) ?? initialWalletState(userId);
        const decision = decidePayment(
          this.state,
          wallet,
          { type: "PayReservation", userId, reservationId },
          ctx,
        );
        if (!decision.ok) {
          return decision;
        }
        this.runtime.apply(decision.events);
        return { ok: true, events: decision.events, value: paymentReceiptOf(decision.events) };
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

  private reservation(reservationId: string): Reservation {
    const reservation = this.state.reservations.get(reservationId);
    assert(reservation !== undefined, `reservation ${reservationId} vanished within its own turn`);
    return reservation;
  }

  private applyDecision(decision: Decision<ScheduleEvent>): TurnOutcome<undefined> {
    if (!decision.ok) {
      return decision;
    }
    this.runtime.apply(decision.events);
    return { ok: true, events: decision.events, value: undefined };
  }

  private expire(reservationId: string): void {
    const command: ScheduleCommand = { type: "ExpireHold", reservationId };
    void this.mailbox.postToSelf((ctx) => {
      const outcome = this.applyDecision(decideSchedule(this.state, command, ctx));
      const reservation = this.state.reservations.get(reservationId);
      if (outcome.ok && outcome.events.length === 0 && reservation?.status === "HELD") {
        // Not due after all (the wall clock stepped back): keep watching its deadline.
        this.watchDeadline(reservation);
      }
      return outcome;
    });
  }

  private watchDeadline(reservation: Reservation): void {
    this.deadlines.push(reservation.expiresAtMs, reservation.reservationId);
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
      const reservationId = this.deadlines.pop();
      if (reservationId !== undefined && this.state.reservations.get(reservationId)?.status === "HELD") {
        this.expire(reservationId);
      }
    }
    this.armTimer();
  }
}
