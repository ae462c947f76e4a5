import type { DecideContext, Decision, Result } from "../engine/decider.ts";
import { evolveEngine, type EngineEvent, type EngineState } from "../engine/engine-state.ts";
import { rejection } from "../engine/rejection.ts";
import type { Journal } from "../persistence/journal.ts";
import type { Clock } from "./clock.ts";
import type { TurnOutcome } from "./mailbox.ts";

/** Snapshot after this many journaled events by default, so recovery replays a bounded tail. */
export const SNAPSHOT_EVERY_EVENTS_DEFAULT = 200_000;

export interface RuntimeOptions {
  readonly state: EngineState;
  readonly journal: Journal<EngineEvent>;
  readonly clock: Clock;
  readonly newId: () => string;
  readonly mailboxDepthMax: number;
  readonly snapshotEveryEvents: number;
}

export const JOURNAL_UNAVAILABLE: Result<never> = {
  ok: false,
  rejection: rejection("JOURNAL_UNAVAILABLE", "the journal cannot make changes durable; no change was made"),
};

/**
 * What every actor shares: the state they each own a part of, the journal, the clock and the id
 * source. It applies and journals events for them, and takes a snapshot every N events.
 */
export class ActorRuntime {
  readonly state: EngineState;
  readonly journal: Journal<EngineEvent>;
  readonly clock: Clock;
  readonly mailboxDepthMax: number;
  private readonly newId: () => string;
  private readonly snapshotEveryEvents: number;
  /** Events applied since start, by type: the engine's counters for /metrics. */
  readonly eventCounts = new Map<string, number>();
  private eventsSinceSnapshot = 0;
  private snapshotInFlight = false;

  constructor(options: RuntimeOptions) {
    this.state = options.state;
    this.journal = options.journal;
    this.clock = options.clock;
    this.newId = options.newId;
    this.mailboxDepthMax = options.mailboxDepthMax;
    this.snapshotEveryEvents = options.snapshotEveryEvents;
  }

  /** The context of one turn: its time is read once, so everything the turn decides agrees on it. */
  context(): DecideContext {
    return { nowMs: this.clock.nowMs(), newId: this.newId };
  }

  /** Applies events to the in-memory state. Called inside a turn, right after `decide`. */
  apply(events: readonly EngineEvent[]): void {
    for (const event of events) {
      evolveEngine(this.state, event);
      this.eventCounts.set(event.type, (this.eventCounts.get(event.type) ?? 0) + 1);
    }
  }

  /**
   * The one way a turn acts on a decision: a rejection is answered as it is and changes nothing;
   * accepted events are applied at once, and the turn answers with `answer()` read after them.
   */
  applyDecision<E extends EngineEvent, R>(decision: Decision<E>, answer: (events: E[]) => R): TurnOutcome<R> {
    if (!decision.ok) {
      return decision;
    }
    this.apply(decision.events);
    return { ok: true, events: decision.events, value: answer(decision.events) };
  }

  /**
   * Answers a turn's outcome once it is safe to: after its events are durable, or, for a turn with
   * no events (a read, a replay, a rejection), after everything it may have observed is durable.
   */
  settle<R>(outcome: TurnOutcome<R>, atMs: number): Promise<Result<R>> {
    return new Promise((resolve) => this.reply(outcome, atMs, resolve));
  }

  /**
   * `settle` with a callback: `answer` is called exactly once, with the result or JOURNAL_UNAVAILABLE,
   * at the same moment `settle` would resolve. The mailboxes use it so that a message costs one
   * promise reaction between the journal's acknowledgement and its answer rather than two.
   */
  reply<R>(outcome: TurnOutcome<R>, atMs: number, answer: (result: Result<R>) => void): void {
    const durable =
      outcome.ok && outcome.events.length > 0
        ? this.record(outcome.events, atMs)
        : this.journal.whenDurable();
    void durable.then(
      () => answer(outcome.ok ? { ok: true, value: outcome.value } : outcome),
      () => answer(JOURNAL_UNAVAILABLE),
    );
  }

  /** Journals one turn's events as one atomic entry; resolves once they are durable. */
  private record(events: EngineEvent[], atMs: number): Promise<number> {
    const durable = this.journal.append(events, atMs);
    this.eventsSinceSnapshot += events.length;
    if (this.eventsSinceSnapshot >= this.snapshotEveryEvents && !this.snapshotInFlight) {
      void this.snapshotNow();
    }
    return durable;
  }

  /**
   * Takes a snapshot of the state as of the last appended seq. The journal's snapshot thread builds it
   * from the journal itself, with recovery's fold, instead of encoding the live state, which took the
   * event loop half a second for a million seats: the loop goes on serving meanwhile. A failed
   * snapshot is harmless: recovery falls back to the previous one and a longer replay.
   */
  async snapshotNow(): Promise<number | undefined> {
    this.snapshotInFlight = true;
    this.eventsSinceSnapshot = 0;
    try {
      return await this.journal.takeSnapshot();
    } catch {
      return undefined;
    } finally {
      this.snapshotInFlight = false;
    }
  }
}
