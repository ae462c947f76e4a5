import type { DecideContext, Result } from "../engine/decider.ts";
import type { EngineEvent } from "../engine/engine-state.ts";
import { rejection, type Rejection } from "../engine/rejection.ts";
import { JOURNAL_UNAVAILABLE, type ActorRuntime } from "./runtime.ts";

export const MAILBOX_DEPTH_MAX_DEFAULT = 10_000;

/** What one turn produced: events to journal and a value to answer with, or a rejection. */
export type TurnOutcome<R> =
  | { readonly ok: true; readonly events: EngineEvent[]; readonly value: R }
  | { readonly ok: false; readonly rejection: Rejection };

/** A turn: decide, then apply, all synchronously. It must not await. */
export type Turn<R> = (ctx: DecideContext) => TurnOutcome<R>;

const OVERLOADED: Result<never> = {
  ok: false,
  rejection: rejection("OVERLOADED", "too many requests are waiting for this resource; retry shortly"),
};

/**
 * An actor's bounded mailbox. Messages run one at a time in arrival order, each to completion,
 * with no await between deciding and applying, so an actor's state needs no locks. The answer to a
 * message is held back until the journal batch holding its events is durable; a message with no
 * events (a read or a rejection) still waits for everything it may have observed to be durable.
 *
 * The bound counts messages accepted but not yet answered, including those waiting on the disk:
 * when the journal falls behind, a full mailbox refuses new work at once instead of growing.
 */
export class Mailbox {
  /**
   * Accepted messages not yet run and the resolvers of their answers, as two parallel arrays: a
   * message costs no closure of its own on its way through the queue.
   */
  private readonly turns: Turn<unknown>[] = [];
  private readonly resolvers: ((result: Result<unknown>) => void)[] = [];
  private head = 0;
  private unanswered = 0;
  private drainScheduled = false;

  constructor(
    readonly name: string,
    private readonly runtime: ActorRuntime,
  ) {}

  /** Messages accepted and not yet answered. */
  get depth(): number {
    return this.unanswered;
  }

  post<R>(turn: Turn<R>): Promise<Result<R>> {
    if (this.unanswered >= this.runtime.mailboxDepthMax) {
      return Promise.resolve(OVERLOADED);
    }
    return this.enqueue(turn);
  }

  /**
   * Posts a message the actor sends itself, such as a timer's `ExpireHold`. It is never refused for a
   * full mailbox: nobody would retry it, so refusing it would lose the expiry for good (the seats would
   * stay HELD). Such messages are bounded by what the actor owns (one per hold), not by outside demand.
   */
  postToSelf<R>(turn: Turn<R>): Promise<Result<R>> {
    return this.enqueue(turn);
  }

  private enqueue<R>(turn: Turn<R>): Promise<Result<R>> {
    if (this.runtime.journal.failure !== undefined) {
      return Promise.resolve(JOURNAL_UNAVAILABLE);
    }
    this.unanswered += 1;
    return new Promise<Result<R>>((resolve) => {
      this.turns.push(turn);
      this.resolvers.push(resolve as (result: Result<unknown>) => void);
      if (!this.drainScheduled) {
        this.drainScheduled = true;
        queueMicrotask(this.drain);
      }
    });
  }

  private readonly drain = (): void => {
    const { turns, resolvers } = this;
    while (this.head < turns.length) {
      const turn = turns[this.head] as Turn<unknown>;
      const resolve = resolvers[this.head] as (result: Result<unknown>) => void;
      this.head += 1;
      this.run(turn, resolve);
    }
    turns.length = 0;
    resolvers.length = 0;
    this.head = 0;
    this.drainScheduled = false;
  };

  private run(turn: Turn<unknown>, resolve: (result: Result<unknown>) => void): void {
    const ctx = this.runtime.context();
    // An exception here is a broken invariant: it propagates and crashes the process, on purpose.
    const outcome = turn(ctx);
    // The answer goes out in the same promise reaction that learns the events are durable.
    this.runtime.reply(outcome, ctx.nowMs, (result) => {
      this.unanswered -= 1;
      resolve(result);
    });
  }
}
