import { expect } from "vitest";
import type { DecideContext, Decision } from "../../src/engine/decider.ts";
import type { RejectionCode } from "../../src/engine/rejection.ts";

/**
 * Given/when/then for deciders, after emmett's DeciderSpecification: the given events are folded
 * through `evolve` from `initialState()` (the same fold recovery uses), the command is decided with
 * a controlled clock and id source, and the outcome is compared with the expected events or
 * rejection. Every `when` also checks that `decide` left its state exactly as it found it.
 */
export interface Decider<S, C, E> {
  readonly decide: (state: S, command: C, ctx: DecideContext) => Decision<E>;
  readonly evolve: (state: S, event: E) => S;
  readonly initialState: () => S;
}

/** An arbitrary fixed start of the simulated clock: 2026-01-01T00:00:00Z. */
export const T0_MS = 1_767_225_600_000;

/** A deterministic id source: `${prefix}-1`, `${prefix}-2`, … */
export function sequentialIds(prefix = "id"): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `${prefix}-${next}`;
  };
}

/** A context at a chosen time whose ids come from a fresh sequence unless one is given. */
export function contextAt(nowMs: number, newId: () => string = sequentialIds()): DecideContext {
  return { nowMs, newId };
}

export interface When {
  readonly nowMs?: number;
  readonly newId?: () => string;
}

export function fold<S, E>(
  decider: Pick<Decider<S, unknown, E>, "evolve" | "initialState">,
  events: readonly E[],
): S {
  let state = decider.initialState();
  for (const event of events) {
    state = decider.evolve(state, event);
  }
  return state;
}

export class Outcome<S, E> {
  constructor(
    private readonly decider: Decider<S, unknown, E>,
    /** The state the command was decided on (given events folded). */
    readonly state: S,
    readonly decision: Decision<E>,
  ) {}

  /** Expects exactly these events; returns the state after evolving them, for further checks. */
  then(expected: readonly E[]): S {
    expect(this.decision).toStrictEqual({ ok: true, events: expected });
    let state = this.state;
    for (const event of expected) {
      state = this.decider.evolve(state, event);
    }
    return state;
  }

  /** Expects an accepted decision with no events: the command was a harmless no-op. */
  thenNothingHappens(): void {
    this.then([]);
  }

  /** Expects a rejection with this code (and exactly these details when given). */
  thenRejects(code: RejectionCode, details?: Readonly<Record<string, unknown>>): void {
    if (this.decision.ok) {
      expect.fail(
        `expected ${code}, but the command was accepted with ${JSON.stringify(this.decision.events)}`,
      );
    }
    expect(this.decision.rejection.code).toBe(code);
    expect(this.decision.rejection.message).not.toBe("");
    if (details !== undefined) {
      expect(this.decision.rejection.details).toStrictEqual(details);
    }
  }
}

export function deciderSpec<S, C, E>(decider: Decider<S, C, E>) {
  return {
    given(events: readonly E[]) {
      return {
        when(command: C, at: When = {}): Outcome<S, E> {
          const state = fold(decider, events);
          const before = structuredClone(state);
          const decision = decider.decide(state, command, contextAt(at.nowMs ?? T0_MS, at.newId));
          expect(state, "decide must not change the state it decides on").toStrictEqual(before);
          return new Outcome(decider as Decider<S, unknown, E>, state, decision);
        },
      };
    },
  };
}
