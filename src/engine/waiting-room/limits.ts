/**
 * The waiting room's limits and defaults, named with the unit last, and the relations between them that
 * the rest of the room relies on. The settings an operator may change are listed once, with these bounds,
 * in `WAITING_ROOM_SETTING_FIELDS` (settings.ts).
 */
import { assert } from "../decider.ts";
import { IDEMPOTENCY_KEY_TTL_MS } from "../limits.ts";

export const QUEUE_MAX_ACTIVE_DEFAULT = 1000;
export const QUEUE_MAX_ACTIVE_MIN = 1;
export const QUEUE_MAX_ACTIVE_MAX = 100_000;
export const QUEUE_ADMIT_BATCH_DEFAULT = 100;
export const QUEUE_ADMIT_BATCH_MIN = 1;
export const QUEUE_ADMIT_BATCH_MAX = 10_000;
export const QUEUE_ADMIT_INTERVAL_MS_DEFAULT = 1000;
export const QUEUE_ADMIT_INTERVAL_MS_MIN = 100;
export const QUEUE_ADMIT_INTERVAL_MS_MAX = 60_000;
export const QUEUE_ACTIVE_TTL_MS_DEFAULT = 600_000;
export const QUEUE_ACTIVE_TTL_MS_MIN = 1_000;
export const QUEUE_ACTIVE_TTL_MS_MAX = 24 * 60 * 60 * 1000;
export const QUEUE_WAIT_IDLE_TTL_MS_DEFAULT = 300_000;
export const QUEUE_WAIT_IDLE_TTL_MS_MIN = 3_000;
export const QUEUE_WAIT_IDLE_TTL_MS_MAX = 24 * 60 * 60 * 1000;
/** Latest accepted `onSaleAtMs` (epoch ms of 9999-12-31T23:59:59.999Z). */
export const QUEUE_ON_SALE_AT_MS_MAX = 253_402_300_799_999;

/**
 * How long an expired, left or used token is still recognised (as EXPIRED) before it is forgotten.
 * As long as idempotency keys: a client retrying a keyed payment whose token it used up must still be
 * told who it is, to get the original answer.
 */
export const QUEUE_TOKEN_RETENTION_MS = IDEMPOTENCY_KEY_TTL_MS;
/** Tokens one concert retains at once (waiting + active + expired within retention). */
export const QUEUE_TOKENS_PER_CONCERT_MAX = 4_000_000;
/** Shortest secret accepted from `ctx.newId()`: nanoid's default 21 characters, 126 random bits. */
export const QUEUE_TOKEN_SECRET_LENGTH_MIN = 21;
/** Longest secret: each token keeps this many bytes for its secret (zero-padded). */
export const QUEUE_TOKEN_SECRET_LENGTH_MAX = 32;
/** Most base-36 digits of the seq part of a token. */
export const QUEUE_TOKEN_SEQ_DIGITS_MAX = 7;
export const QUEUE_CONCERT_ID_LENGTH_MAX = 128;
/** Longest string worth parsing as a token; anything longer is TOKEN_INVALID without further work. */
export const QUEUE_TOKEN_LENGTH_MAX = 256;
/** Seqs listed in one TokensExpired or TokensAbandoned event; larger sets are split over several events. */
export const QUEUE_EVENT_SEQS_MAX = 10_000;
/** Expired tokens forgotten per tick; the rest wait for the next tick, still recognised as EXPIRED. */
export const QUEUE_RECLAIM_PER_TICK_MAX = 100_000;
/** The admission rate behind `estimatedWaitSeconds` is a moving average over this window. */
export const QUEUE_ETA_WINDOW_MS = 5 * 60 * 1000;
export const QUEUE_ETA_SAMPLES_MAX = QUEUE_ETA_WINDOW_MS / QUEUE_ADMIT_INTERVAL_MS_MIN + 1;
export const QUEUE_POLL_AFTER_SECONDS_MIN = 1;
export const QUEUE_POLL_AFTER_SECONDS_MAX = 30;
/** A client polling as told polls at least this many times within the idle TTL, so it is never dropped. */
export const QUEUE_POLLS_PER_IDLE_TTL_MIN = 3;
/** Waiting clients are told to poll about every this fraction of their expected wait. */
export const QUEUE_POLL_AFTER_WAIT_FRACTION = 0.1;
/** Per-token arrays start this small (a concert nobody queues for costs almost nothing) and grow 1.5×. */
export const QUEUE_INITIAL_CAPACITY = 4;

// The relations the code relies on.
assert(QUEUE_ADMIT_BATCH_MAX <= QUEUE_MAX_ACTIVE_MAX, "a batch never needs to exceed the largest cap");
assert(
  QUEUE_WAIT_IDLE_TTL_MS_MIN / 1000 / QUEUE_POLLS_PER_IDLE_TTL_MIN >= QUEUE_POLL_AFTER_SECONDS_MIN,
  "the shortest idle TTL must leave room for the polls that keep a token alive",
);
// Slots are at most 1.5 × live + initial, seqs at most the retained maximum: both fit Int32Array.
assert(QUEUE_TOKENS_PER_CONCERT_MAX * 2 < 2 ** 31, "seqs and slots must fit in Int32Array");
assert(
  QUEUE_TOKENS_PER_CONCERT_MAX < 36 ** QUEUE_TOKEN_SEQ_DIGITS_MAX,
  `a seq is at most ${QUEUE_TOKEN_SEQ_DIGITS_MAX} base-36 digits in a token`,
);
assert(
  QUEUE_CONCERT_ID_LENGTH_MAX + 1 + QUEUE_TOKEN_SEQ_DIGITS_MAX + 1 + QUEUE_TOKEN_SECRET_LENGTH_MAX <=
    QUEUE_TOKEN_LENGTH_MAX,
  "every token the room issues must be accepted as a token",
);
