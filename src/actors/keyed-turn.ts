import { assert } from "../engine/decider.ts";
import { checkIdempotencyKey, idempotencyKeyRecorded } from "../engine/idempotency.ts";
import type { ChargeReceipt, KeyedResult, PaymentReceipt } from "../engine/receipts.ts";
import type { Reservation } from "../engine/schedule.ts";
import type { TurnOutcome } from "./mailbox.ts";
import type { EngineRuntime } from "./runtime.ts";

/** An idempotency key as a command carries it, with the fingerprint of the request it came with. */
export interface IdempotencyKey {
  readonly key: string;
  readonly fingerprint: string;
}

/** How one kind of keyed reply is stored in an idempotency record and read back out of one. */
export interface KeyedKind<R> {
  tag(value: R): KeyedResult;
  untag(result: KeyedResult): R;
}

export const HOLD_KIND: KeyedKind<Reservation> = {
  tag: (reservation) => ({ kind: "hold", reservation }),
  untag: (result) => {
    assert(result.kind === "hold", `an idempotency key of a hold replayed a ${result.kind}`);
    return result.reservation;
  },
};

export const CHARGE_KIND: KeyedKind<ChargeReceipt> = {
  tag: (receipt) => ({ kind: "charge", receipt }),
  untag: (result) => {
    assert(result.kind === "charge", `an idempotency key of a charge replayed a ${result.kind}`);
    return result.receipt;
  },
};

export const PAYMENT_KIND: KeyedKind<PaymentReceipt> = {
  tag: (receipt) => ({ kind: "payment", receipt }),
  untag: (result) => {
    assert(result.kind === "payment", `an idempotency key of a payment replayed a ${result.kind}`);
    return result.receipt;
  },
};

/**
 * Runs a turn under an idempotency key, inside the same turn: a repeat answers the recorded result
 * and does nothing; a new key runs the command and records its result in the same journal entry as
 * its events, so the key and its effect are durable together or not at all.
 */
export function keyedTurn<R>(
  runtime: EngineRuntime,
  userId: string,
  idempotencyKey: IdempotencyKey | undefined,
  kind: KeyedKind<R>,
  nowMs: number,
  turn: () => TurnOutcome<R>,
): TurnOutcome<R> {
  if (idempotencyKey === undefined) {
    return turn();
  }
  const earlier = replayOf(runtime, userId, idempotencyKey, kind);
  if (earlier !== undefined) {
    return earlier;
  }
  const outcome = turn();
  if (!outcome.ok) {
    return outcome;
  }
  const { key, fingerprint } = idempotencyKey;
  const recorded = idempotencyKeyRecorded(userId, key, fingerprint, kind.tag(outcome.value), nowMs);
  runtime.apply([recorded]);
  return { ok: true, events: [...outcome.events, recorded], value: outcome.value };
}

/**
 * Looks up a keyed result without running anything: undefined for a new key. Also answers a retry
 * whose token has expired since, as long as the token names the same user.
 */
export function replayOf<R>(
  runtime: EngineRuntime,
  userId: string,
  idempotencyKey: IdempotencyKey,
  kind: KeyedKind<R>,
): TurnOutcome<R> | undefined {
  const check = checkIdempotencyKey(
    runtime.state.idempotency,
    userId,
    idempotencyKey.key,
    idempotencyKey.fingerprint,
  );
  switch (check.kind) {
    case "replay":
      return { ok: true, events: [], value: kind.untag(check.result) };
    case "reused":
      return { ok: false, rejection: check.rejection };
    case "new":
      return undefined;
  }
}
