import type { Rejection } from "./rejection.ts";

/**
 * What a command handler is given besides state and command. Time and ids come in here so that
 * `decide` stays a pure function and replay (which only folds events) never needs a clock.
 */
export interface DecideContext {
  /** Wall-clock time of the turn, epoch milliseconds. */
  readonly nowMs: number;
  /** A fresh unguessable id. Called only by `decide`, and the id always lands in an event. */
  readonly newId: () => string;
}

/** The outcome of `decide`: the events to record, or a rejection that changes nothing. */
export type Decision<E> =
  { readonly ok: true; readonly events: E[] } | { readonly ok: false; readonly rejection: Rejection };

export function accept<E>(events: E[]): Decision<E> {
  return { ok: true, events };
}

export function refuse<E>(rejection: Rejection): Decision<E> {
  return { ok: false, rejection };
}

/** A value or the rejection that prevented it; the shape every engine call answers with. */
export type Result<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: Rejection };

/** Thrown when an invariant breaks: a bug, never a client error. It must crash, not become a 4xx. */
export class InvariantViolation extends Error {
  override readonly name = "InvariantViolation";
}

export function assert(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new InvariantViolation(message);
  }
}
