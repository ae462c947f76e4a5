import type { DecideContext } from "../engine/decider.ts";
import { idempotencyKeyRecorded } from "../engine/idempotency.ts";
import { assert } from "../engine/decider.ts";
import type { ChargeReceipt, KeyedResult, PaymentReceipt } from "../engine/receipts.ts";
import type { Reservation } from "../engine/schedule.ts";
import {
  decideKeyedRepeat,
  decideTokenAccess,
  type IdempotencyKey,
  type TokenAccess,
} from "../engine/token-access.ts";
import type { TurnOutcome } from "./mailbox.ts";
import type { ActorRuntime } from "./runtime.ts";

export type { IdempotencyKey } from "../engine/token-access.ts";

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

/** An idempotency key with the kind of reply it remembers. */
export interface Keyed<R> {
  readonly key: IdempotencyKey;
  readonly kind: KeyedKind<R>;
}

/**
 * Runs a request made with a queue token, inside the calling turn: `decideTokenAccess` decides who
 * may act (or answers a keyed repeat), and `act` runs with that user in the same turn, so no other
 * turn can spend or end the token in between.
 */
export function tokenTurn<R>(
  runtime: ActorRuntime,
  ctx: DecideContext,
  token: string | undefined,
  concertId: string,
  keyed: Keyed<R> | undefined,
  act: (userId: string) => TurnOutcome<R>,
): TurnOutcome<R> {
  const access = decideTokenAccess(runtime.state, token, concertId, keyed?.key, ctx.nowMs);
  return runGranted(runtime, ctx, access, keyed, act);
}

/**
 * Runs a request of a known user under an idempotency key, inside the calling turn: a repeat answers
 * the recorded result and does nothing.
 */
export function keyedTurn<R>(
  runtime: ActorRuntime,
  ctx: DecideContext,
  userId: string,
  keyed: Keyed<R> | undefined,
  act: (userId: string) => TurnOutcome<R>,
): TurnOutcome<R> {
  const repeat = keyed === undefined ? undefined : decideKeyedRepeat(runtime.state, userId, keyed.key);
  return runGranted(runtime, ctx, repeat ?? { kind: "granted", userId }, keyed, act);
}

/**
 * Acts on a granted access, and records the key of a new keyed request in the same journal entry as
 * its events, so the key and its effect are durable together or not at all.
 */
function runGranted<R>(
  runtime: ActorRuntime,
  ctx: DecideContext,
  access: TokenAccess,
  keyed: Keyed<R> | undefined,
  act: (userId: string) => TurnOutcome<R>,
): TurnOutcome<R> {
  switch (access.kind) {
    case "refused":
      return { ok: false, rejection: access.rejection };
    case "replay":
      assert(keyed !== undefined, "only a keyed request is replayed");
      return { ok: true, events: [], value: keyed.kind.untag(access.result) };
    case "granted": {
      const outcome = act(access.userId);
      if (!outcome.ok || keyed === undefined) {
        return outcome;
      }
      const { key, fingerprint } = keyed.key;
      const recorded = idempotencyKeyRecorded(
        access.userId,
        key,
        fingerprint,
        keyed.kind.tag(outcome.value),
        ctx.nowMs,
      );
      runtime.apply([recorded]);
      return { ok: true, events: [...outcome.events, recorded], value: outcome.value };
    }
  }
}
