import { assert, type Result } from "./decider.ts";
import type { EngineState } from "./engine-state.ts";
import { checkIdempotencyKey } from "./idempotency.ts";
import type { KeyedResult } from "./receipts.ts";
import { TOKEN_EXPIRED, TOKEN_INVALID, type Rejection } from "./rejection.ts";
import {
  authorizeToken,
  pollToken,
  tokenConcertId,
  tokenHolder,
  type TokenView,
  type WaitingRoomState,
} from "./waiting-room/index.ts";

/** An idempotency key as a request carries it, with the fingerprint of that request. */
export interface IdempotencyKey {
  readonly key: string;
  readonly fingerprint: string;
}

/** What a token-guarded request may do, decided in the turn that acts on it. */
export type TokenAccess =
  | { readonly kind: "granted"; readonly userId: string }
  | { readonly kind: "replay"; readonly result: KeyedResult }
  | { readonly kind: "refused"; readonly rejection: Rejection };

/** The waiting room a token belongs to (named in the token itself), or undefined. */
export function roomOfToken(state: EngineState, token: string | undefined): WaitingRoomState | undefined {
  const concertId = token === undefined ? undefined : tokenConcertId(token);
  return concertId === undefined ? undefined : state.waitingRooms.get(concertId);
}

/**
 * The rule every request made with a queue token follows, in this order: the token must be known
 * (TOKEN_INVALID); a keyed repeat is answered with its original result even when the token has ended
 * since, as long as the token names the same user (a client retrying a lost response must get it);
 * the token must be ACTIVE for the concert of the target (TOKEN_EXPIRED, TOKEN_CONCERT_MISMATCH,
 * TOKEN_NOT_ACTIVE). The caller must act on a grant in the same turn, or the grant means nothing.
 */
export function decideTokenAccess(
  state: EngineState,
  token: string | undefined,
  concertId: string,
  idempotencyKey: IdempotencyKey | undefined,
  nowMs: number,
): TokenAccess {
  const room = roomOfToken(state, token);
  if (room === undefined || token === undefined) {
    return { kind: "refused", rejection: TOKEN_INVALID };
  }
  // Authorizing first finds the token once on the common path, a known token that may act; only a
  // known token that may not needs a second look to learn whose it is, for a keyed repeat.
  const grant = authorizeToken(room, token, concertId, nowMs);
  if (!grant.ok && grant.rejection.code === TOKEN_INVALID.code) {
    return { kind: "refused", rejection: TOKEN_INVALID };
  }
  const userId = grant.ok ? grant.value.userId : tokenHolder(room, token);
  assert(userId !== undefined, "a token authorized or refused for its status is known");
  if (idempotencyKey !== undefined) {
    const repeat = decideKeyedRepeat(state, userId, idempotencyKey);
    if (repeat !== undefined) {
      return repeat;
    }
  }
  return grant.ok ? { kind: "granted", userId } : { kind: "refused", rejection: grant.rejection };
}

/** A keyed request seen before: its original result, or IDEMPOTENCY_KEY_REUSED; undefined for a new key. */
export function decideKeyedRepeat(
  state: EngineState,
  userId: string,
  idempotencyKey: IdempotencyKey,
): Exclude<TokenAccess, { kind: "granted" }> | undefined {
  const check = checkIdempotencyKey(
    state.idempotency,
    userId,
    idempotencyKey.key,
    idempotencyKey.fingerprint,
  );
  switch (check.kind) {
    case "replay":
      return { kind: "replay", result: check.result };
    case "reused":
      return { kind: "refused", rejection: check.rejection };
    case "new":
      return undefined;
  }
}

/**
 * The answer to a token-guarded request whose target does not exist: an unknown token is refused
 * first (TOKEN_INVALID), so that a stranger cannot probe which ids exist; then the target's 404.
 */
export function refuseMissingTarget(
  state: EngineState,
  token: string | undefined,
  targetMissing: Rejection,
): Extract<Result<never>, { ok: false }> {
  const room = roomOfToken(state, token);
  const known = room !== undefined && token !== undefined && tokenHolder(room, token) !== undefined;
  return { ok: false, rejection: known ? targetMissing : TOKEN_INVALID };
}

/**
 * What a poll answers: the token's view, TOKEN_INVALID for a token the room does not know and
 * TOKEN_EXPIRED for one that has ended. Polling notes that the holder is still there.
 */
export function answerPoll(room: WaitingRoomState, token: string, nowMs: number): Result<TokenView> {
  const view = pollToken(room, token, nowMs);
  if (view === undefined) {
    return { ok: false, rejection: TOKEN_INVALID };
  }
  return view.status === "EXPIRED" ? { ok: false, rejection: TOKEN_EXPIRED } : { ok: true, value: view };
}
