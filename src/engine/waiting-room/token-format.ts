/**
 * Tokens are self-describing: `<concertId>.<seq in base 36>.<secret>`. This module writes and reads that
 * format, stores the secret part in the token table, and compares a presented secret with the stored one
 * in constant time.
 */
import {
  QUEUE_TOKEN_LENGTH_MAX,
  QUEUE_TOKEN_SECRET_LENGTH_MAX,
  QUEUE_TOKEN_SEQ_DIGITS_MAX,
} from "./limits.ts";
import { NONE, STATUS_FREE } from "./token-table.ts";
import type { WaitingRoomState } from "./types.ts";

/** The separator between the parts of a token, which no secret may contain. */
export const TOKEN_SEPARATOR = ".";
/** `TOKEN_SEPARATOR` as a character code. */
export const TOKEN_SEPARATOR_CODE = 46;
const DIGIT_ZERO_CODE = 48;

/** The token of `seq` in the room of `concertId`. */
export function formatToken(concertId: string, seq: number, secret: string): string {
  // Array.prototype.join builds a flat string; a template literal would keep a rope of its parts alive.
  return [concertId, seq.toString(36), secret].join(TOKEN_SEPARATOR);
}

/**
 * The concert a token belongs to, read from the token itself (`<concertId>.<seq>.<secret>`), or undefined
 * when it is not shaped like a token. It proves nothing: the concert's room still checks the whole token.
 */
export function tokenConcertId(token: string): string | undefined {
  if (typeof token !== "string" || token.length > QUEUE_TOKEN_LENGTH_MAX) {
    return undefined;
  }
  const secretStart = token.lastIndexOf(TOKEN_SEPARATOR);
  const seqStart = secretStart > 0 ? token.lastIndexOf(TOKEN_SEPARATOR, secretStart - 1) : -1;
  return seqStart > 0 ? token.slice(0, seqStart) : undefined;
}

/**
 * The seq of a token this room issued and still remembers, or -1. The concert and seq parts are public;
 * the secret is compared with the stored bytes without stopping at the first difference, so timing does
 * not reveal how much of a guess is right.
 */
export function findSeq(state: WaitingRoomState, token: string): number {
  if (typeof token !== "string" || token.length > QUEUE_TOKEN_LENGTH_MAX) {
    return NONE;
  }
  const concertId = state.concertId;
  const seqStart = concertId.length + 1;
  if (token.charCodeAt(seqStart - 1) !== TOKEN_SEPARATOR_CODE || !token.startsWith(concertId)) {
    return NONE;
  }
  const secretStart = token.indexOf(TOKEN_SEPARATOR, seqStart) + 1;
  const digits = secretStart - 1 - seqStart;
  // Canonical base 36 only (no leading zero), so one token has exactly one spelling.
  if (
    secretStart === 0 ||
    digits < 1 ||
    digits > QUEUE_TOKEN_SEQ_DIGITS_MAX ||
    (digits > 1 && token.charCodeAt(seqStart) === DIGIT_ZERO_CODE)
  ) {
    return NONE;
  }
  let seq = 0;
  for (let i = seqStart; i < secretStart - 1; i++) {
    const c = token.charCodeAt(i);
    const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
    if (digit < 0) {
      return NONE;
    }
    seq = seq * 36 + digit;
  }
  const length = token.length - secretStart;
  if (seq >= state.seqCount || state.status[seq] === STATUS_FREE || length < 1) {
    return NONE;
  }
  if (length > QUEUE_TOKEN_SECRET_LENGTH_MAX) {
    return NONE;
  }
  return secretMatches(state.secrets, seq * QUEUE_TOKEN_SECRET_LENGTH_MAX, token, secretStart) ? seq : NONE;
}

/**
 * Whether `token` from `secretStart` on (1..`QUEUE_TOKEN_SECRET_LENGTH_MAX` characters) is the secret
 * stored at `base`. It looks at every presented character whatever differs, so the time it takes does
 * not depend on how much of the secret matches.
 */
function secretMatches(secrets: Uint8Array, base: number, token: string, secretStart: number): boolean {
  const length = token.length - secretStart;
  let difference = 0;
  for (let i = 0; i < length; i++) {
    difference |= secrets[base + i]! ^ token.charCodeAt(secretStart + i);
  }
  if (length < QUEUE_TOKEN_SECRET_LENGTH_MAX) {
    // The stored secret must end where the presented one does.
    difference |= secrets[base + length]!;
  }
  return difference === 0;
}

/** Stores the secret part of `token` (issued for `seq`) in the seq's bytes of the token table. */
export function storeSecret(state: WaitingRoomState, seq: number, token: string): void {
  const secretStart = token.lastIndexOf(TOKEN_SEPARATOR) + 1;
  const base = seq * QUEUE_TOKEN_SECRET_LENGTH_MAX;
  for (let i = secretStart; i < token.length; i++) {
    state.secrets[base + i - secretStart] = token.charCodeAt(i);
  }
}

/** Zeroes the secret bytes of a seq that is being freed. */
export function clearSecret(state: WaitingRoomState, seq: number): void {
  const base = seq * QUEUE_TOKEN_SECRET_LENGTH_MAX;
  state.secrets.fill(0, base, base + QUEUE_TOKEN_SECRET_LENGTH_MAX);
}

/** The token string of a seq, rebuilt from its parts (only on the rare paths that need it). */
export function tokenOf(state: WaitingRoomState, seq: number): string {
  const base = seq * QUEUE_TOKEN_SECRET_LENGTH_MAX;
  let end = base;
  while (end < base + QUEUE_TOKEN_SECRET_LENGTH_MAX && state.secrets[end] !== 0) {
    end += 1;
  }
  const secret = String.fromCharCode(...state.secrets.subarray(base, end));
  return formatToken(state.concertId, seq, secret);
}
