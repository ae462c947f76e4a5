import { assert } from "./decider.ts";
import { IDEMPOTENCY_KEY_TTL_MS } from "./limits.ts";
import { rejection, type Rejection } from "./rejection.ts";

/**
 * A remembered outcome: the key, what the request looked like, and the reply it got. Only
 * successful commands are remembered (a rejection changed nothing, so a retry may run again).
 */
export interface IdempotencyRecord<R> {
  readonly userId: string;
  readonly key: string;
  /** A digest of the operation and its parameters; the same key with another fingerprint is refused. */
  readonly fingerprint: string;
  readonly result: R;
  readonly atMs: number;
}

/** Keys per user, in the order they were recorded, so the oldest are forgotten first. */
export interface IdempotencyState<R> {
  readonly records: Map<string, IdempotencyRecord<R>>;
}

export interface IdempotencyKeyRecorded<R> {
  readonly type: "IdempotencyKeyRecorded";
  readonly userId: string;
  readonly key: string;
  readonly fingerprint: string;
  readonly result: R;
  readonly atMs: number;
}

export type IdempotencyCheck<R> =
  | { readonly kind: "new" }
  | { readonly kind: "replay"; readonly result: R }
  | { readonly kind: "reused"; readonly rejection: Rejection };

export function initialIdempotencyState<R>(): IdempotencyState<R> {
  return { records: new Map() };
}

function recordKey(userId: string, key: string): string {
  return `${userId}\u0000${key}`;
}

/** Tells whether a keyed command is new, a repeat (with the original result), or a misuse of the key. */
export function checkIdempotencyKey<R>(
  state: IdempotencyState<R>,
  userId: string,
  key: string,
  fingerprint: string,
): IdempotencyCheck<R> {
  const record = state.records.get(recordKey(userId, key));
  if (record === undefined) {
    return { kind: "new" };
  }
  if (record.fingerprint !== fingerprint) {
    return {
      kind: "reused",
      rejection: rejection(
        "IDEMPOTENCY_KEY_REUSED",
        "this Idempotency-Key was already used for a different request",
      ),
    };
  }
  return { kind: "replay", result: record.result };
}

/** The event that remembers a successful keyed command; journaled in the same entry as its events. */
export function idempotencyKeyRecorded<R>(
  userId: string,
  key: string,
  fingerprint: string,
  result: R,
  nowMs: number,
): IdempotencyKeyRecorded<R> {
  return { type: "IdempotencyKeyRecorded", userId, key, fingerprint, result, atMs: nowMs };
}

export function evolveIdempotency<R>(
  state: IdempotencyState<R>,
  event: IdempotencyKeyRecorded<R>,
): IdempotencyState<R> {
  const id = recordKey(event.userId, event.key);
  assert(!state.records.has(id), `idempotency key recorded twice for ${event.userId}`);
  state.records.set(id, {
    userId: event.userId,
    key: event.key,
    fingerprint: event.fingerprint,
    result: event.result,
    atMs: event.atMs,
  });
  forgetExpiredKeys(state, event.atMs);
  return state;
}

/** Drops keys older than the retention window; driven by event time, so replay forgets the same keys. */
function forgetExpiredKeys<R>(state: IdempotencyState<R>, nowMs: number): void {
  for (const [id, record] of state.records) {
    if (record.atMs > nowMs - IDEMPOTENCY_KEY_TTL_MS) {
      return;
    }
    state.records.delete(id);
  }
}

/**
 * The fingerprint of each kind of keyed request: its operation and parameters. This is the one
 * definition, so a repeat always matches, and the journal stores these exact strings.
 */
export const REQUEST_FINGERPRINT = {
  charge: (amount: number): string => JSON.stringify(["charge", amount]),
  hold: (scheduleId: string, seatNumbers: readonly number[]): string =>
    JSON.stringify(["hold", scheduleId, ...seatNumbers]),
  payment: (reservationId: string): string => JSON.stringify(["pay", reservationId]),
};
