/**
 * The waiting room of one concert, as a pure decider: `decideWaitingRoom` validates a command against the
 * state and answers with events or a rejection; `evolveWaitingRoom` applies an event and never fails on a
 * valid one; recovery is `events.reduce(evolveWaitingRoom, initialWaitingRoomState(concertId, settings))`
 * followed by `resumeWaitingRoom(state, nowMs)`.
 *
 * Scale is the point of this module: a million fans may wait for one concert and most requests are polls.
 * The state is therefore laid out as struct-of-arrays over a per-token index, the `seq`:
 *
 * - Per token (indexed by seq): the token's secret as bytes in a fixed-width typed array (not a string:
 *   that saves a heap object and half the bytes per token), the user id, a status byte, one time stamp
 *   whose meaning follows the status (last seen while waiting, expiry while active, end while expired), the token's slot
 *   in the line, and prev/next links that thread it into exactly one deadline-ordered list (waiting tokens
 *   by last poll, active tokens by expiry, expired tokens by end time). Seqs of tokens forgotten after the
 *   retention period go on a free list and are reused, so memory follows the peak of tokens retained,
 *   not the number ever issued.
 * - The line (indexed by slot, in queue order): the seq at each slot and a Fenwick tree counting waiting
 *   tokens per slot, so a position is a prefix sum and the head of the line a binary-lifting search, both
 *   O(log n). Departures leave holes (count 0); when the slot array fills up, the live slots are laid out
 *   densely again (amortised O(1) per issue).
 * - Tokens are self-describing: `<concertId>.<seq in base 36>.<secret>`, where the secret is `ctx.newId()`
 *   (nanoid, 21+ characters). The HTTP layer finds the concert with `tokenConcertId(token)` without any
 *   global index, and the room finds the token by its seq without a hash map; the concert part is then
 *   checked and the secret compared in constant time with the stored bytes, so a forged seq, concert or
 *   secret gives `TOKEN_INVALID`.
 *
 * Polls are the hot path and are not journaled: `recordPoll` moves the token to the tail of the waiting
 * list with a fresh "last seen" stamp, in place. Those stamps are volatile: after a restart they are lost,
 * and `resumeWaitingRoom` gives every waiting token a fresh idle grace period (last seen = the restart
 * time). Only the decision to drop idle tokens is journaled (`TokensAbandoned` with their seqs), so
 * replay never depends on polls. See `resumeWaitingRoom` for how this keeps replayed and live states equal.
 */
import { accept, assert, refuse } from "./decider.ts";
import type { DecideContext, Decision, Result } from "./decider.ts";
import { IDEMPOTENCY_KEY_TTL_MS, USER_ID_PATTERN } from "./limits.ts";
import { fenwickAdd, fenwickBuildInPlace, fenwickFindKth, fenwickPrefixSum } from "./order-statistics.ts";
import { rejection } from "./rejection.ts";
import { shuffleSeeded } from "./seeded-random.ts";

// ---------------------------------------------------------------------------------------------------------
// Limits and defaults, units last.

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
/** Latest accepted `onSaleAt` (epoch ms of 9999-12-31T23:59:59.999Z). */
export const QUEUE_ON_SALE_AT_MAX = 253_402_300_799_999;

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
assert(QUEUE_TOKENS_PER_CONCERT_MAX < 36 ** 7, "a seq is at most 7 base-36 digits in a token");
assert(
  QUEUE_CONCERT_ID_LENGTH_MAX + 1 + 7 + 1 + QUEUE_TOKEN_SECRET_LENGTH_MAX <= QUEUE_TOKEN_LENGTH_MAX,
  "every token the room issues must be accepted as a token",
);

// ---------------------------------------------------------------------------------------------------------
// Settings, commands, events, views.

/** The policy one concert's waiting room runs with; changed at run time by `ConfigureWaitingRoom`. */
export interface WaitingRoomSettings {
  /** Most tokens ACTIVE at once. Lowering it below the current count revokes nobody; admission waits. */
  readonly maxActive: number;
  /** Most tokens admitted per tick. */
  readonly admitBatch: number;
  /** How often the actor sends `AdmitTick`. The engine uses it only to judge the measured rate. */
  readonly admitIntervalMs: number;
  /** How long an admitted token stays ACTIVE; fixed for a token when it is admitted. */
  readonly activeTtlMs: number;
  /** A WAITING token not polled for this long is dropped at the next tick. */
  readonly waitIdleTtlMs: number;
  /** On-sale time (epoch ms); tokens issued before the queue opens wait in the pre-queue. */
  readonly onSaleAt: number | null;
}

export const WAITING_ROOM_SETTINGS_DEFAULT: WaitingRoomSettings = Object.freeze({
  maxActive: QUEUE_MAX_ACTIVE_DEFAULT,
  admitBatch: QUEUE_ADMIT_BATCH_DEFAULT,
  admitIntervalMs: QUEUE_ADMIT_INTERVAL_MS_DEFAULT,
  activeTtlMs: QUEUE_ACTIVE_TTL_MS_DEFAULT,
  waitIdleTtlMs: QUEUE_WAIT_IDLE_TTL_MS_DEFAULT,
  onSaleAt: null,
});

/** Gives the user a token for this concert, or leaves their live one as it is (no event). */
export interface IssueToken {
  readonly type: "IssueToken";
  readonly concertId: string;
  readonly userId: string;
}

/** The holder of a WAITING or ACTIVE token gives it up; everyone behind moves up. */
export interface LeaveQueue {
  readonly type: "LeaveQueue";
  readonly concertId: string;
  readonly token: string;
}

/** A payment used the ACTIVE token; it expires and its place is refilled at the next tick. */
export interface UseToken {
  readonly type: "UseToken";
  readonly concertId: string;
  readonly token: string;
}

/**
 * Sent by the actor every `admitIntervalMs`: forget tokens past retention, expire ACTIVE tokens past their
 * TTL, drop idle WAITING tokens, open the queue once `onSaleAt` has come (shuffling the pre-queue with a
 * seed drawn from `ctx.newId()`), then admit up to `admitBatch` of the oldest waiting while below the cap.
 */
export interface AdmitTick {
  readonly type: "AdmitTick";
  readonly concertId: string;
}

/** Changes some settings; omitted fields keep their value. */
export interface ConfigureWaitingRoom {
  readonly type: "ConfigureWaitingRoom";
  readonly concertId: string;
  readonly settings: Partial<WaitingRoomSettings>;
}

export type WaitingRoomCommand = IssueToken | LeaveQueue | UseToken | AdmitTick | ConfigureWaitingRoom;

/** The full settings after a change (flat, so the event stays plain data). */
export interface WaitingRoomConfigured {
  readonly type: "WaitingRoomConfigured";
  readonly concertId: string;
  readonly maxActive: number;
  readonly admitBatch: number;
  readonly admitIntervalMs: number;
  readonly activeTtlMs: number;
  readonly waitIdleTtlMs: number;
  readonly onSaleAt: number | null;
  readonly atMs: number;
}

/**
 * A token was issued, under index `seq`. `expiresAt` is set when it was ACTIVE at once (nobody waiting,
 * below the cap, queue open); null means it joined the end of the line (or the pre-queue).
 */
export interface TokenIssued {
  readonly type: "TokenIssued";
  readonly concertId: string;
  readonly token: string;
  readonly seq: number;
  readonly userId: string;
  readonly expiresAt: number | null;
  readonly atMs: number;
}

/** The queue opened; the pre-queue was shuffled with `seed` (see `shuffleSeeded`). */
export interface QueueOpened {
  readonly type: "QueueOpened";
  readonly concertId: string;
  readonly seed: string;
  readonly atMs: number;
}

/**
 * The `count` tokens at the head of the line became ACTIVE until `expiresAt`. It names a count, not the
 * tokens: who is at the head follows from the state, and the count is all the ETA needs. It also lets the
 * tick that opens the queue admit at once, before anyone could know the shuffled order.
 */
export interface TokensAdmitted {
  readonly type: "TokensAdmitted";
  readonly concertId: string;
  readonly count: number;
  readonly expiresAt: number;
  readonly atMs: number;
}

/** The token's holder left (DELETE). Seqs name the token live under that index at `atMs`. */
export interface TokenLeft {
  readonly type: "TokenLeft";
  readonly concertId: string;
  readonly seq: number;
  readonly atMs: number;
}

/** A payment used the token. */
export interface TokenUsed {
  readonly type: "TokenUsed";
  readonly concertId: string;
  readonly seq: number;
  readonly atMs: number;
}

/** ACTIVE tokens reached their expiry. */
export interface TokensExpired {
  readonly type: "TokensExpired";
  readonly concertId: string;
  readonly seqs: number[];
  readonly atMs: number;
}

/** WAITING tokens were dropped for not polling within `waitIdleTtlMs`. */
export interface TokensAbandoned {
  readonly type: "TokensAbandoned";
  readonly concertId: string;
  readonly seqs: number[];
  readonly atMs: number;
}

/** The `count` oldest expired tokens were forgotten after the retention period; their seqs are reused. */
export interface TokensReclaimed {
  readonly type: "TokensReclaimed";
  readonly concertId: string;
  readonly count: number;
  readonly atMs: number;
}

export type WaitingRoomEvent =
  | WaitingRoomConfigured
  | TokenIssued
  | QueueOpened
  | TokensAdmitted
  | TokenLeft
  | TokenUsed
  | TokensExpired
  | TokensAbandoned
  | TokensReclaimed;

export type TokenStatus = "WAITING" | "ACTIVE" | "EXPIRED";

/** What a poll answers: the HTTP body of the queue-token routes, plus poll pacing. */
export interface TokenView {
  readonly token: string;
  readonly userId: string;
  readonly concertId: string;
  readonly status: TokenStatus;
  /** 1-based among WAITING tokens of the concert; 0 when ACTIVE; null in the pre-queue and when EXPIRED. */
  readonly position: number | null;
  /** From the measured admission rate; 0 when ACTIVE; null while unknown, in the pre-queue and when EXPIRED. */
  readonly estimatedWaitSeconds: number | null;
  /** Epoch ms when an ACTIVE token expires (or an EXPIRED one ended); null while waiting. */
  readonly expiresAt: number | null;
  /** When the client should poll again (also the `Retry-After` header), 1..30 s. */
  readonly pollAfterSeconds: number;
  /** The on-sale time while the token waits in the pre-queue; null otherwise. */
  readonly opensAt: number | null;
}

/** What `authorizeToken` grants to an ACTIVE token. */
export interface ActiveTokenGrant {
  readonly token: string;
  readonly userId: string;
  readonly concertId: string;
  readonly expiresAt: number;
}

/** Gauges and counters for `/metrics`. */
export interface WaitingRoomStats {
  readonly concertId: string;
  readonly opened: boolean;
  readonly waiting: number;
  readonly active: number;
  /** Expired, left or used tokens still recognised. */
  readonly retainedExpired: number;
  /** Moving average of admissions per second; null while unknown. */
  readonly admittedPerSecond: number | null;
  readonly issuedTotal: number;
  readonly admittedTotal: number;
  readonly abandonedTotal: number;
  readonly expiredTotal: number;
  readonly leftTotal: number;
  readonly usedTotal: number;
}

// ---------------------------------------------------------------------------------------------------------
// State.

const NONE = -1;
const STATUS_FREE = 0;
const STATUS_WAITING = 1;
const STATUS_ACTIVE = 2;
const STATUS_ENDED = 3;
const LIST_WAITING = 0;
const LIST_ACTIVE = 1;
const LIST_ENDED = 2;

/**
 * One concert's waiting room. Plain data only (objects, arrays, a Map, typed arrays) so that msgpackr
 * snapshots it (typed arrays need msgpackr's `moreTypes: true`; the Map needs `mapsAsObjects: false`).
 * `evolveWaitingRoom` mutates it in place. Other modules read it only through the functions below.
 */
export interface WaitingRoomState {
  readonly concertId: string;
  settings: WaitingRoomSettings;
  /** True once the queue is open: tokens then join the line in arrival order and admission runs. */
  opened: boolean;
  /** The seed of the pre-queue shuffle, once the queue opened through `QueueOpened`. */
  openSeed: string | null;

  /** Seqs ever allocated: the per-token arrays are meaningful below this index. */
  seqCount: number;
  /** Head of the free seq list, threaded through `next`. */
  freeHead: number;
  freeCount: number;
  /**
   * Per seq, `QUEUE_TOKEN_SECRET_LENGTH_MAX` bytes: the secret part of the token (printable ASCII),
   * zero-padded; all zero when the seq is free.
   */
  secrets: Uint8Array;
  /** Per seq: the token's user, null when the seq is free. */
  userIds: (string | null)[];
  /** Per seq: FREE 0, WAITING 1, ACTIVE 2, ENDED 3 (expired, left, used or abandoned). */
  status: Uint8Array;
  /** Per seq: last seen (WAITING, volatile), expiry (ACTIVE) or end time (ENDED), epoch ms. */
  stamp: Float64Array;
  /** Per seq: the slot in the line of a WAITING token, -1 otherwise. */
  slotOf: Int32Array;
  /** Per seq: links of the deadline list the token is in (or of the free list), -1 at the ends. */
  prev: Int32Array;
  next: Int32Array;
  /** Head and tail of the lists: [waiting by last seen, active by expiry, ended by end time]. */
  listHead: Int32Array;
  listTail: Int32Array;

  /** Next slot to hand out; slots at or above are empty. */
  nextSlot: number;
  /** Per slot, in queue order: the WAITING seq there, or -1 for a hole. */
  seqAt: Int32Array;
  /** Fenwick tree over slots (length `seqAt.length + 1`): 1 per WAITING token. */
  fenwick: Int32Array;
  /** The live (WAITING or ACTIVE) token of each user. */
  liveByUser: Map<string, number>;

  waitingCount: number;
  activeCount: number;
  endedCount: number;

  issuedTotal: number;
  admittedTotal: number;
  abandonedTotal: number;
  expiredTotal: number;
  leftTotal: number;
  usedTotal: number;

  /** Admission samples within `QUEUE_ETA_WINDOW_MS` of the latest one: time and count, and their sum. */
  admissionAt: number[];
  admissionCount: number[];
  admissionSum: number;
}

/**
 * A new, empty waiting room. `settings` come from configuration; to make them durable (and to change them
 * later) journal a `WaitingRoomConfigured` through `ConfigureWaitingRoom`. A room without `onSaleAt` is
 * open from the start.
 */
export function initialWaitingRoomState(
  concertId: string,
  settings: WaitingRoomSettings = WAITING_ROOM_SETTINGS_DEFAULT,
): WaitingRoomState {
  assert(concertId.length >= 1, "a waiting room needs a concert id");
  assert(concertId.length <= QUEUE_CONCERT_ID_LENGTH_MAX, "concert id too long to travel in a token");
  const problem = waitingRoomSettingsProblem(settings);
  assert(problem === undefined, `invalid waiting-room settings: ${problem}`);
  const capacity = QUEUE_INITIAL_CAPACITY;
  return {
    concertId,
    settings: copySettings(settings),
    opened: settings.onSaleAt === null,
    openSeed: null,
    seqCount: 0,
    freeHead: NONE,
    freeCount: 0,
    secrets: new Uint8Array(capacity * QUEUE_TOKEN_SECRET_LENGTH_MAX),
    userIds: new Array<string | null>(capacity).fill(null),
    status: new Uint8Array(capacity),
    stamp: new Float64Array(capacity),
    slotOf: new Int32Array(capacity).fill(NONE),
    prev: new Int32Array(capacity).fill(NONE),
    next: new Int32Array(capacity).fill(NONE),
    listHead: new Int32Array(3).fill(NONE),
    listTail: new Int32Array(3).fill(NONE),
    nextSlot: 0,
    seqAt: new Int32Array(capacity).fill(NONE),
    fenwick: new Int32Array(capacity + 1),
    liveByUser: new Map(),
    waitingCount: 0,
    activeCount: 0,
    endedCount: 0,
    issuedTotal: 0,
    admittedTotal: 0,
    abandonedTotal: 0,
    expiredTotal: 0,
    leftTotal: 0,
    usedTotal: 0,
    admissionAt: [],
    admissionCount: [],
    admissionSum: 0,
  };
}

/** Why these (possibly partial) settings are invalid, or undefined when every given field is in range. */
export function waitingRoomSettingsProblem(settings: Partial<WaitingRoomSettings>): string | undefined {
  const ranges: [keyof WaitingRoomSettings, number, number][] = [
    ["maxActive", QUEUE_MAX_ACTIVE_MIN, QUEUE_MAX_ACTIVE_MAX],
    ["admitBatch", QUEUE_ADMIT_BATCH_MIN, QUEUE_ADMIT_BATCH_MAX],
    ["admitIntervalMs", QUEUE_ADMIT_INTERVAL_MS_MIN, QUEUE_ADMIT_INTERVAL_MS_MAX],
    ["activeTtlMs", QUEUE_ACTIVE_TTL_MS_MIN, QUEUE_ACTIVE_TTL_MS_MAX],
    ["waitIdleTtlMs", QUEUE_WAIT_IDLE_TTL_MS_MIN, QUEUE_WAIT_IDLE_TTL_MS_MAX],
  ];
  for (const [name, min, max] of ranges) {
    const value: unknown = settings[name];
    if (
      value !== undefined &&
      !(Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)
    ) {
      return `${name} must be an integer from ${min} to ${max}`;
    }
  }
  const onSaleAt: unknown = settings.onSaleAt;
  if (
    onSaleAt !== undefined &&
    onSaleAt !== null &&
    !(
      Number.isSafeInteger(onSaleAt) &&
      (onSaleAt as number) >= 0 &&
      (onSaleAt as number) <= QUEUE_ON_SALE_AT_MAX
    )
  ) {
    return "onSaleAt must be null or epoch milliseconds";
  }
  return undefined;
}

function copySettings(settings: WaitingRoomSettings): WaitingRoomSettings {
  return {
    maxActive: settings.maxActive,
    admitBatch: settings.admitBatch,
    admitIntervalMs: settings.admitIntervalMs,
    activeTtlMs: settings.activeTtlMs,
    waitIdleTtlMs: settings.waitIdleTtlMs,
    onSaleAt: settings.onSaleAt,
  };
}

function sameSettings(a: WaitingRoomSettings, b: WaitingRoomSettings): boolean {
  return (
    a.maxActive === b.maxActive &&
    a.admitBatch === b.admitBatch &&
    a.admitIntervalMs === b.admitIntervalMs &&
    a.activeTtlMs === b.activeTtlMs &&
    a.waitIdleTtlMs === b.waitIdleTtlMs &&
    a.onSaleAt === b.onSaleAt
  );
}

// ---------------------------------------------------------------------------------------------------------
// Decide.

export function decideWaitingRoom(
  state: WaitingRoomState,
  command: WaitingRoomCommand,
  ctx: DecideContext,
): Decision<WaitingRoomEvent> {
  if (command.concertId !== state.concertId) {
    return refuse(rejection("CONCERT_NOT_FOUND", `this waiting room belongs to concert ${state.concertId}`));
  }
  switch (command.type) {
    case "IssueToken":
      return decideIssue(state, command, ctx);
    case "LeaveQueue":
      return decideLeaveOrUse(state, command.token, ctx.nowMs, "TokenLeft");
    case "UseToken":
      return decideLeaveOrUse(state, command.token, ctx.nowMs, "TokenUsed");
    case "AdmitTick":
      return decideTick(state, ctx);
    case "ConfigureWaitingRoom":
      return decideConfigure(state, command, ctx.nowMs);
    default: {
      const unknown: never = command;
      return refuse(rejection("VALIDATION_FAILED", `unknown command ${String(unknown)}`));
    }
  }
}

function decideIssue(
  state: WaitingRoomState,
  command: IssueToken,
  ctx: DecideContext,
): Decision<WaitingRoomEvent> {
  const { userId } = command;
  if (typeof userId !== "string" || !USER_ID_PATTERN.test(userId)) {
    return refuse(rejection("VALIDATION_FAILED", "userId must be 1..64 characters of A-Z a-z 0-9 _ -"));
  }
  const nowMs = ctx.nowMs;
  const events: WaitingRoomEvent[] = [];
  let activeCount = state.activeCount;
  const existing = state.liveByUser.get(userId);
  if (existing !== undefined) {
    if (!isActivePastExpiry(state, existing, nowMs)) {
      // One live token per user and concert: the caller answers with it (see `liveTokenOfUser`).
      return accept([]);
    }
    // Its TTL has run out but no tick has expired it yet: expire it now so the user can start again.
    events.push({ type: "TokensExpired", concertId: state.concertId, seqs: [existing], atMs: nowMs });
    activeCount -= 1;
  }
  if (state.waitingCount + state.activeCount + state.endedCount >= QUEUE_TOKENS_PER_CONCERT_MAX) {
    return refuse(rejection("OVERLOADED", "the waiting room of this concert is full; try again later"));
  }
  const seq = state.freeHead !== NONE ? state.freeHead : state.seqCount;
  const secret = ctx.newId();
  assert(
    secret.length >= QUEUE_TOKEN_SECRET_LENGTH_MIN && secret.length <= QUEUE_TOKEN_SECRET_LENGTH_MAX,
    "newId must give 21..64 characters",
  );
  for (let i = 0; i < secret.length; i++) {
    const c = secret.charCodeAt(i);
    assert(c > 32 && c < 127 && c !== 46, "newId must give printable ASCII without '.', the token separator");
  }
  // Array.prototype.join builds a flat string; a template literal would keep a rope of its parts alive.
  const token = [state.concertId, seq.toString(36), secret].join(".");
  const activeAtOnce = state.opened && state.waitingCount === 0 && activeCount < state.settings.maxActive;
  events.push({
    type: "TokenIssued",
    concertId: state.concertId,
    token,
    seq,
    userId,
    expiresAt: activeAtOnce ? nowMs + state.settings.activeTtlMs : null,
    atMs: nowMs,
  });
  return accept(events);
}

function decideLeaveOrUse(
  state: WaitingRoomState,
  token: string,
  nowMs: number,
  type: "TokenLeft" | "TokenUsed",
): Decision<WaitingRoomEvent> {
  const seq = findSeq(state, token);
  if (seq === NONE) {
    return refuse(tokenInvalid());
  }
  const status = state.status[seq]!;
  if (status === STATUS_ENDED || isActivePastExpiry(state, seq, nowMs)) {
    return refuse(tokenExpired());
  }
  if (type === "TokenUsed" && status === STATUS_WAITING) {
    return refuse(tokenNotActive(waitingPosition(state, seq)));
  }
  return accept([{ type, concertId: state.concertId, seq, atMs: nowMs }]);
}

function decideTick(state: WaitingRoomState, ctx: DecideContext): Decision<WaitingRoomEvent> {
  const nowMs = ctx.nowMs;
  const settings = state.settings;
  const concertId = state.concertId;
  const events: WaitingRoomEvent[] = [];

  // The ended list is ordered by end time, so the tokens past retention are a prefix of it.
  let reclaim = 0;
  for (
    let seq = state.listHead[LIST_ENDED]!;
    seq !== NONE &&
    reclaim < QUEUE_RECLAIM_PER_TICK_MAX &&
    state.stamp[seq]! + QUEUE_TOKEN_RETENTION_MS <= nowMs;
    seq = state.next[seq]!
  ) {
    reclaim += 1;
  }
  if (reclaim > 0) {
    events.push({ type: "TokensReclaimed", concertId, count: reclaim, atMs: nowMs });
  }

  // The active list is ordered by expiry: the expired tokens are a prefix of it.
  const expired: number[] = [];
  for (
    let seq = state.listHead[LIST_ACTIVE]!;
    seq !== NONE && state.stamp[seq]! <= nowMs;
    seq = state.next[seq]!
  ) {
    expired.push(seq);
  }
  pushChunked(events, expired, (seqs) => ({ type: "TokensExpired", concertId, seqs, atMs: nowMs }));

  // The waiting list is ordered by last poll: the idle tokens are a prefix of it.
  const abandoned: number[] = [];
  for (
    let seq = state.listHead[LIST_WAITING]!;
    seq !== NONE && state.stamp[seq]! + settings.waitIdleTtlMs <= nowMs;
    seq = state.next[seq]!
  ) {
    abandoned.push(seq);
  }
  pushChunked(events, abandoned, (seqs) => ({ type: "TokensAbandoned", concertId, seqs, atMs: nowMs }));

  let opened = state.opened;
  if (!opened && (settings.onSaleAt === null || nowMs >= settings.onSaleAt)) {
    // The seed is drawn now, after everyone in the pre-queue is known, and journaled for replay.
    events.push({ type: "QueueOpened", concertId, seed: ctx.newId(), atMs: nowMs });
    opened = true;
  }

  if (opened) {
    const room = settings.maxActive - (state.activeCount - expired.length);
    const count = Math.min(settings.admitBatch, room, state.waitingCount - abandoned.length);
    if (count > 0) {
      events.push({
        type: "TokensAdmitted",
        concertId,
        count,
        expiresAt: nowMs + settings.activeTtlMs,
        atMs: nowMs,
      });
    }
  }
  return accept(events);
}

function pushChunked(
  events: WaitingRoomEvent[],
  seqs: number[],
  make: (seqs: number[]) => WaitingRoomEvent,
): void {
  for (let start = 0; start < seqs.length; start += QUEUE_EVENT_SEQS_MAX) {
    events.push(make(seqs.slice(start, start + QUEUE_EVENT_SEQS_MAX)));
  }
}

function decideConfigure(
  state: WaitingRoomState,
  command: ConfigureWaitingRoom,
  nowMs: number,
): Decision<WaitingRoomEvent> {
  const patch = command.settings;
  const problem = waitingRoomSettingsProblem(patch);
  if (problem !== undefined) {
    return refuse(rejection("VALIDATION_FAILED", problem));
  }
  const current = state.settings;
  const merged: WaitingRoomSettings = {
    maxActive: patch.maxActive ?? current.maxActive,
    admitBatch: patch.admitBatch ?? current.admitBatch,
    admitIntervalMs: patch.admitIntervalMs ?? current.admitIntervalMs,
    activeTtlMs: patch.activeTtlMs ?? current.activeTtlMs,
    waitIdleTtlMs: patch.waitIdleTtlMs ?? current.waitIdleTtlMs,
    onSaleAt: patch.onSaleAt === undefined ? current.onSaleAt : patch.onSaleAt,
  };
  if (sameSettings(merged, current)) {
    return accept([]);
  }
  if (merged.onSaleAt !== current.onSaleAt && state.opened && state.issuedTotal > 0) {
    return refuse(
      rejection("VALIDATION_FAILED", "the queue has already opened; onSaleAt can no longer change"),
    );
  }
  return accept([{ type: "WaitingRoomConfigured", concertId: state.concertId, ...merged, atMs: nowMs }]);
}

// ---------------------------------------------------------------------------------------------------------
// Evolve.

/** Applies one event in place and returns the same state. Never fails on an event `decide` produced. */
export function evolveWaitingRoom(state: WaitingRoomState, event: WaitingRoomEvent): WaitingRoomState {
  switch (event.type) {
    case "WaitingRoomConfigured": {
      const settings: WaitingRoomSettings = copySettings(event);
      if (state.opened && state.issuedTotal === 0 && settings.onSaleAt !== state.settings.onSaleAt) {
        // Nobody has queued yet, so an on-sale time may still be added to a room that was open.
        state.opened = settings.onSaleAt === null;
        state.openSeed = null;
      }
      state.settings = settings;
      break;
    }
    case "TokenIssued":
      issue(state, event);
      break;
    case "QueueOpened":
      open(state, event.seed);
      break;
    case "TokensAdmitted":
      admit(state, event.count, event.expiresAt, event.atMs);
      break;
    case "TokenLeft":
      if (end(state, event.seq, event.atMs)) {
        state.leftTotal += 1;
      }
      break;
    case "TokenUsed":
      if (end(state, event.seq, event.atMs)) {
        state.usedTotal += 1;
      }
      break;
    case "TokensExpired":
      for (const seq of event.seqs) {
        if (end(state, seq, event.atMs)) {
          state.expiredTotal += 1;
        }
      }
      break;
    case "TokensAbandoned":
      for (const seq of event.seqs) {
        if (end(state, seq, event.atMs)) {
          state.abandonedTotal += 1;
        }
      }
      break;
    case "TokensReclaimed":
      reclaim(state, event.count);
      break;
    default: {
      const unknown: never = event;
      assert(false, `unknown waiting-room event ${String(unknown)}`);
    }
  }
  assertCounts(state);
  return state;
}

function issue(state: WaitingRoomState, event: TokenIssued): void {
  const seq = event.seq;
  if (seq === state.freeHead) {
    state.freeHead = state.next[seq]!;
    state.next[seq] = NONE;
    state.freeCount -= 1;
  } else {
    assert(seq === state.seqCount, `TokenIssued seq ${seq} is neither free nor the next one`);
    ensureSeqCapacity(state, seq + 1);
    state.seqCount += 1;
  }
  const secretStart = event.token.lastIndexOf(".") + 1;
  const base = seq * QUEUE_TOKEN_SECRET_LENGTH_MAX;
  for (let i = secretStart; i < event.token.length; i++) {
    state.secrets[base + i - secretStart] = event.token.charCodeAt(i);
  }
  state.userIds[seq] = event.userId;
  state.liveByUser.set(event.userId, seq);
  state.issuedTotal += 1;
  if (event.expiresAt !== null) {
    state.status[seq] = STATUS_ACTIVE;
    state.stamp[seq] = event.expiresAt;
    listInsertAfter(state, LIST_ACTIVE, listInsertionPoint(state, LIST_ACTIVE, event.expiresAt), seq);
    state.activeCount += 1;
  } else {
    state.status[seq] = STATUS_WAITING;
    state.stamp[seq] = event.atMs;
    listAppendMonotonic(state, LIST_WAITING, seq);
    joinLine(state, seq);
  }
}

function open(state: WaitingRoomState, seed: string): void {
  // Everyone waiting now is in the pre-queue (in arrival order); shuffle them once and lay them out at the
  // head of the line. Tokens issued from now on join behind them in arrival order.
  const order = liveSlotsInOrder(state);
  shuffleSeeded(order, seed);
  layOutLine(state, order);
  state.opened = true;
  state.openSeed = seed;
}

function admit(state: WaitingRoomState, count: number, expiresAt: number, atMs: number): void {
  let admitted = 0;
  // Everyone admitted together expires together: find their place in the expiry list once.
  let after = listInsertionPoint(state, LIST_ACTIVE, expiresAt);
  while (admitted < count && state.waitingCount > 0) {
    const slot = fenwickFindKth(state.fenwick, 1) - 1;
    const seq = state.seqAt[slot]!;
    leaveLine(state, seq);
    listRemove(state, LIST_WAITING, seq);
    state.status[seq] = STATUS_ACTIVE;
    state.stamp[seq] = expiresAt;
    listInsertAfter(state, LIST_ACTIVE, after, seq);
    after = seq;
    state.activeCount += 1;
    admitted += 1;
  }
  state.admittedTotal += admitted;
  if (admitted > 0) {
    recordAdmissionSample(state, atMs, admitted);
  }
  assert(state.activeCount <= state.settings.maxActive || admitted === 0, "admission exceeded maxActive");
}

function recordAdmissionSample(state: WaitingRoomState, atMs: number, count: number): void {
  state.admissionAt.push(atMs);
  state.admissionCount.push(count);
  state.admissionSum += count;
  while (
    state.admissionAt.length > QUEUE_ETA_SAMPLES_MAX ||
    (state.admissionAt.length > 0 && state.admissionAt[0]! <= atMs - QUEUE_ETA_WINDOW_MS)
  ) {
    state.admissionAt.shift();
    state.admissionSum -= state.admissionCount.shift()!;
  }
}

/** Ends a WAITING or ACTIVE token; false (and no change) for any other status. */
function end(state: WaitingRoomState, seq: number, atMs: number): boolean {
  const status = state.status[seq];
  if (status === STATUS_WAITING) {
    leaveLine(state, seq);
    listRemove(state, LIST_WAITING, seq);
  } else if (status === STATUS_ACTIVE) {
    listRemove(state, LIST_ACTIVE, seq);
    state.activeCount -= 1;
  } else {
    return false;
  }
  state.status[seq] = STATUS_ENDED;
  state.stamp[seq] = atMs;
  listAppendMonotonic(state, LIST_ENDED, seq);
  state.endedCount += 1;
  const userId = state.userIds[seq]!;
  if (state.liveByUser.get(userId) === seq) {
    state.liveByUser.delete(userId);
  }
  return true;
}

function reclaim(state: WaitingRoomState, count: number): void {
  for (let i = 0; i < count; i++) {
    const seq = state.listHead[LIST_ENDED]!;
    if (seq === NONE) {
      return;
    }
    listRemove(state, LIST_ENDED, seq);
    const base = seq * QUEUE_TOKEN_SECRET_LENGTH_MAX;
    state.secrets.fill(0, base, base + QUEUE_TOKEN_SECRET_LENGTH_MAX);
    state.userIds[seq] = null;
    state.status[seq] = STATUS_FREE;
    state.stamp[seq] = 0;
    state.next[seq] = state.freeHead;
    state.freeHead = seq;
    state.freeCount += 1;
    state.endedCount -= 1;
  }
}

function assertCounts(state: WaitingRoomState): void {
  assert(state.waitingCount >= 0 && state.activeCount >= 0 && state.endedCount >= 0, "negative token count");
  assert(
    state.waitingCount + state.activeCount + state.endedCount + state.freeCount === state.seqCount,
    "every seq is waiting, active, ended or free",
  );
  assert(
    fenwickPrefixSum(state.fenwick, state.seqAt.length) === state.waitingCount,
    "the line counts every waiting token once",
  );
}

// ---------------------------------------------------------------------------------------------------------
// The line: slots in queue order, counted by the Fenwick tree.

function joinLine(state: WaitingRoomState, seq: number): void {
  if (state.nextSlot === state.seqAt.length) {
    // Full: lay the live tokens out densely again, in the same order, with room to grow by half.
    layOutLine(state, liveSlotsInOrder(state));
  }
  const slot = state.nextSlot;
  state.nextSlot += 1;
  state.seqAt[slot] = seq;
  state.slotOf[seq] = slot;
  fenwickAdd(state.fenwick, slot + 1, 1);
  state.waitingCount += 1;
}

function leaveLine(state: WaitingRoomState, seq: number): void {
  const slot = state.slotOf[seq]!;
  fenwickAdd(state.fenwick, slot + 1, -1);
  state.seqAt[slot] = NONE;
  state.slotOf[seq] = NONE;
  state.waitingCount -= 1;
}

function liveSlotsInOrder(state: WaitingRoomState): Int32Array {
  const order = new Int32Array(state.waitingCount);
  let n = 0;
  for (let slot = 0; slot < state.nextSlot; slot++) {
    const seq = state.seqAt[slot]!;
    if (seq !== NONE) {
      order[n] = seq;
      n += 1;
    }
  }
  assert(n === state.waitingCount, "every waiting token has a slot");
  return order;
}

/** Puts `order` at slots 0..n-1 of a fresh line whose size leaves room for n/2 more, and rebuilds the tree. */
function layOutLine(state: WaitingRoomState, order: Int32Array): void {
  const n = order.length;
  const capacity = Math.ceil(n * 1.5) + QUEUE_INITIAL_CAPACITY;
  const seqAt = new Int32Array(capacity).fill(NONE);
  const fenwick = new Int32Array(capacity + 1);
  for (let slot = 0; slot < n; slot++) {
    const seq = order[slot]!;
    seqAt[slot] = seq;
    state.slotOf[seq] = slot;
    fenwick[slot + 1] = 1;
  }
  fenwickBuildInPlace(fenwick);
  state.seqAt = seqAt;
  state.fenwick = fenwick;
  state.nextSlot = n;
}

function waitingPosition(state: WaitingRoomState, seq: number): number | null {
  return state.opened ? fenwickPrefixSum(state.fenwick, state.slotOf[seq]! + 1) : null;
}

// ---------------------------------------------------------------------------------------------------------
// Deadline lists, threaded through prev/next.

function listRemove(state: WaitingRoomState, list: number, seq: number): void {
  const before = state.prev[seq]!;
  const after = state.next[seq]!;
  if (before === NONE) {
    state.listHead[list] = after;
  } else {
    state.next[before] = after;
  }
  if (after === NONE) {
    state.listTail[list] = before;
  } else {
    state.prev[after] = before;
  }
  state.prev[seq] = NONE;
  state.next[seq] = NONE;
}

/** Inserts `seq` right after `after` (or at the head when `after` is -1). */
function listInsertAfter(state: WaitingRoomState, list: number, after: number, seq: number): void {
  const before = after === NONE ? state.listHead[list]! : state.next[after]!;
  state.prev[seq] = after;
  state.next[seq] = before;
  if (after === NONE) {
    state.listHead[list] = seq;
  } else {
    state.next[after] = seq;
  }
  if (before === NONE) {
    state.listTail[list] = seq;
  } else {
    state.prev[before] = seq;
  }
}

/**
 * The last element whose stamp is not after `at`, walking back from the tail. Expiry times normally grow,
 * so this is the tail; after `activeTtlMs` is lowered the walk is bounded by the active tokens (≤ the cap).
 */
function listInsertionPoint(state: WaitingRoomState, list: number, at: number): number {
  let after = state.listTail[list]!;
  while (after !== NONE && state.stamp[after]! > at) {
    after = state.prev[after]!;
  }
  return after;
}

/**
 * Appends at the tail, first raising the stamp to the tail's if the clock stepped back, so the list stays
 * ordered without walking it (a token gets at most the clock's step back as extra grace or retention).
 */
function listAppendMonotonic(state: WaitingRoomState, list: number, seq: number): void {
  const tail = state.listTail[list]!;
  if (tail !== NONE && state.stamp[tail]! > state.stamp[seq]!) {
    state.stamp[seq] = state.stamp[tail]!;
  }
  listInsertAfter(state, list, tail, seq);
}

function ensureSeqCapacity(state: WaitingRoomState, needed: number): void {
  const old = state.status.length;
  if (needed <= old) {
    return;
  }
  let capacity = old;
  while (capacity < needed) {
    capacity = Math.ceil(capacity * 1.5) + QUEUE_INITIAL_CAPACITY;
  }
  const secrets = new Uint8Array(capacity * QUEUE_TOKEN_SECRET_LENGTH_MAX);
  secrets.set(state.secrets);
  state.secrets = secrets;
  state.userIds = grownArray(state.userIds, capacity);
  const status = new Uint8Array(capacity);
  status.set(state.status);
  state.status = status;
  const stamp = new Float64Array(capacity);
  stamp.set(state.stamp);
  state.stamp = stamp;
  state.slotOf = grownLinks(state.slotOf, capacity);
  state.prev = grownLinks(state.prev, capacity);
  state.next = grownLinks(state.next, capacity);
}

function grownArray(values: (string | null)[], capacity: number): (string | null)[] {
  const grown = new Array<string | null>(capacity).fill(null);
  for (let i = 0; i < values.length; i++) {
    grown[i] = values[i]!;
  }
  return grown;
}

function grownLinks(values: Int32Array, capacity: number): Int32Array {
  const grown = new Int32Array(capacity).fill(NONE);
  grown.set(values);
  return grown;
}

// ---------------------------------------------------------------------------------------------------------
// Tokens.

/**
 * The concert a token belongs to, read from the token itself (`<concertId>.<seq>.<secret>`), or undefined
 * when it is not shaped like a token. It proves nothing: the concert's room still checks the whole token.
 */
export function tokenConcertId(token: string): string | undefined {
  if (typeof token !== "string" || token.length > QUEUE_TOKEN_LENGTH_MAX) {
    return undefined;
  }
  const secretStart = token.lastIndexOf(".");
  const seqStart = secretStart > 0 ? token.lastIndexOf(".", secretStart - 1) : -1;
  return seqStart > 0 ? token.slice(0, seqStart) : undefined;
}

/**
 * The seq of a token this room issued and still remembers, or -1. The concert and seq parts are public;
 * the secret is compared with the stored bytes without stopping at the first difference, so timing does
 * not reveal how much of a guess is right.
 */
function findSeq(state: WaitingRoomState, token: string): number {
  if (typeof token !== "string" || token.length > QUEUE_TOKEN_LENGTH_MAX) {
    return NONE;
  }
  const concertId = state.concertId;
  const seqStart = concertId.length + 1;
  if (token.charCodeAt(seqStart - 1) !== 46 || !token.startsWith(concertId)) {
    return NONE;
  }
  const secretStart = token.indexOf(".", seqStart) + 1;
  const digits = secretStart - 1 - seqStart;
  // Canonical base 36 only (no leading zero), so one token has exactly one spelling.
  if (secretStart === 0 || digits < 1 || digits > 7 || (digits > 1 && token.charCodeAt(seqStart) === 48)) {
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
  const secrets = state.secrets;
  const base = seq * QUEUE_TOKEN_SECRET_LENGTH_MAX;
  let difference = 0;
  for (let i = 0; i < length; i++) {
    difference |= secrets[base + i]! ^ token.charCodeAt(secretStart + i);
  }
  if (length < QUEUE_TOKEN_SECRET_LENGTH_MAX) {
    // The stored secret must end where the presented one does.
    difference |= secrets[base + length]!;
  }
  return difference === 0 ? seq : NONE;
}

/** The token string of a seq, rebuilt from its parts (only on the rare paths that need it). */
function tokenOf(state: WaitingRoomState, seq: number): string {
  const base = seq * QUEUE_TOKEN_SECRET_LENGTH_MAX;
  let end = base;
  while (end < base + QUEUE_TOKEN_SECRET_LENGTH_MAX && state.secrets[end] !== 0) {
    end += 1;
  }
  const secret = String.fromCharCode(...state.secrets.subarray(base, end));
  return [state.concertId, seq.toString(36), secret].join(".");
}

function isActivePastExpiry(state: WaitingRoomState, seq: number, nowMs: number): boolean {
  return state.status[seq] === STATUS_ACTIVE && state.stamp[seq]! <= nowMs;
}

function tokenInvalid() {
  return rejection("TOKEN_INVALID", "unknown queue token");
}

function tokenExpired() {
  return rejection("TOKEN_EXPIRED", "the queue token has expired, was used or was given up");
}

function tokenNotActive(position: number | null) {
  return rejection("TOKEN_NOT_ACTIVE", "the queue token is still waiting", { position });
}

// ---------------------------------------------------------------------------------------------------------
// Reads (pure, no events) and the volatile poll record.

/**
 * What a poll shows for `token`: status, position, ETA, poll pacing. Undefined for a token this room does
 * not know (never issued, forged, or forgotten after `QUEUE_TOKEN_RETENTION_MS`): TOKEN_INVALID. An ACTIVE
 * token whose expiry has passed shows as EXPIRED even before the tick that expires it. `settings` defaults
 * to the room's own. O(log n).
 */
export function viewToken(
  state: WaitingRoomState,
  token: string,
  nowMs: number,
  settings: WaitingRoomSettings = state.settings,
): TokenView | undefined {
  const seq = findSeq(state, token);
  return seq === NONE ? undefined : viewSeq(state, seq, token, nowMs, settings);
}

/**
 * Records that the holder of a WAITING token polled at `nowMs` (the abandonment clock), without an event:
 * polls are the hot path. O(1). False when the token is unknown or not waiting.
 */
export function recordPoll(state: WaitingRoomState, token: string, nowMs: number): boolean {
  const seq = findSeq(state, token);
  if (seq === NONE || state.status[seq] !== STATUS_WAITING) {
    return false;
  }
  touch(state, seq, nowMs);
  return true;
}

/** `recordPoll` and `viewToken` in one lookup: what the poll route calls. */
export function pollToken(state: WaitingRoomState, token: string, nowMs: number): TokenView | undefined {
  const seq = findSeq(state, token);
  if (seq === NONE) {
    return undefined;
  }
  if (state.status[seq] === STATUS_WAITING) {
    touch(state, seq, nowMs);
  }
  return viewSeq(state, seq, token, nowMs, state.settings);
}

function touch(state: WaitingRoomState, seq: number, nowMs: number): void {
  if (state.listTail[LIST_WAITING] === seq) {
    state.stamp[seq] = Math.max(state.stamp[seq]!, nowMs);
    return;
  }
  listRemove(state, LIST_WAITING, seq);
  state.stamp[seq] = nowMs;
  listAppendMonotonic(state, LIST_WAITING, seq);
}

function viewSeq(
  state: WaitingRoomState,
  seq: number,
  token: string,
  nowMs: number,
  settings: WaitingRoomSettings,
): TokenView {
  const status = state.status[seq]!;
  const userId = state.userIds[seq]!;
  const concertId = state.concertId;
  const stamp = state.stamp[seq]!;
  const ceiling = pollCeilingSeconds(settings);
  if (status === STATUS_WAITING) {
    if (!state.opened) {
      // Pre-queue: the order is not drawn yet. Spread the first polls after opening over the poll ceiling.
      const untilOpenSeconds = settings.onSaleAt === null ? 0 : Math.ceil((settings.onSaleAt - nowMs) / 1000);
      const pollAfterSeconds = clamp(
        Math.max(0, untilOpenSeconds) + (seq % ceiling),
        QUEUE_POLL_AFTER_SECONDS_MIN,
        ceiling,
      );
      return {
        token,
        userId,
        concertId,
        status: "WAITING",
        position: null,
        estimatedWaitSeconds: null,
        expiresAt: null,
        pollAfterSeconds,
        opensAt: settings.onSaleAt,
      };
    }
    const position = fenwickPrefixSum(state.fenwick, state.slotOf[seq]! + 1);
    const rate = admissionRatePerSecond(state, nowMs, settings);
    const pacingRate = rate ?? (settings.admitBatch * 1000) / settings.admitIntervalMs;
    return {
      token,
      userId,
      concertId,
      status: "WAITING",
      position,
      estimatedWaitSeconds: rate === null ? null : Math.ceil(position / rate),
      expiresAt: null,
      pollAfterSeconds: clamp(
        Math.ceil((position / pacingRate) * QUEUE_POLL_AFTER_WAIT_FRACTION),
        QUEUE_POLL_AFTER_SECONDS_MIN,
        ceiling,
      ),
      opensAt: null,
    };
  }
  const active = status === STATUS_ACTIVE && stamp > nowMs;
  return {
    token,
    userId,
    concertId,
    status: active ? "ACTIVE" : "EXPIRED",
    position: active ? 0 : null,
    estimatedWaitSeconds: active ? 0 : null,
    expiresAt: stamp,
    pollAfterSeconds: ceiling,
    opensAt: null,
  };
}

function pollCeilingSeconds(settings: WaitingRoomSettings): number {
  return clamp(
    Math.floor(settings.waitIdleTtlMs / 1000 / QUEUE_POLLS_PER_IDLE_TTL_MIN),
    QUEUE_POLL_AFTER_SECONDS_MIN,
    QUEUE_POLL_AFTER_SECONDS_MAX,
  );
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}

/**
 * Admissions per second, averaged over the journaled admissions within `QUEUE_ETA_WINDOW_MS` of the latest:
 * the tokens admitted after the first sample divided by the time from the first sample to the latest (or
 * to one interval ago, when admission has stalled since, so a stall lowers the rate). Null while fewer than
 * two admissions are known or none within the window: the ETA is then honestly unknown.
 */
export function admissionRatePerSecond(
  state: WaitingRoomState,
  nowMs: number,
  settings: WaitingRoomSettings = state.settings,
): number | null {
  const samples = state.admissionAt.length;
  if (samples < 2) {
    return null;
  }
  const first = state.admissionAt[0]!;
  const last = state.admissionAt[samples - 1]!;
  if (nowMs - last > QUEUE_ETA_WINDOW_MS) {
    return null;
  }
  const spanMs = Math.max(last, nowMs - settings.admitIntervalMs) - first;
  const admitted = state.admissionSum - state.admissionCount[0]!;
  return spanMs > 0 && admitted > 0 ? (admitted * 1000) / spanMs : null;
}

/**
 * Whether `token` may act (hold seats, pay) for `concertId` at `nowMs`: the grant when it is ACTIVE for
 * that concert, else TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_CONCERT_MISMATCH or TOKEN_NOT_ACTIVE (with
 * `details.position`, null in the pre-queue), checked in that order. `state` is the room of the token's
 * own concert (`tokenConcertId(token)`); `concertId` is the concert of what the token is used for.
 */
export function authorizeToken(
  state: WaitingRoomState,
  token: string,
  concertId: string,
  nowMs: number,
): Result<ActiveTokenGrant> {
  const seq = findSeq(state, token);
  if (seq === NONE) {
    return { ok: false, rejection: tokenInvalid() };
  }
  const status = state.status[seq]!;
  if (status === STATUS_ENDED || isActivePastExpiry(state, seq, nowMs)) {
    return { ok: false, rejection: tokenExpired() };
  }
  if (concertId !== state.concertId) {
    return {
      ok: false,
      rejection: rejection("TOKEN_CONCERT_MISMATCH", "the queue token is for another concert"),
    };
  }
  if (status === STATUS_WAITING) {
    return { ok: false, rejection: tokenNotActive(waitingPosition(state, seq)) };
  }
  return {
    ok: true,
    value: { token, userId: state.userIds[seq]!, concertId: state.concertId, expiresAt: state.stamp[seq]! },
  };
}

/** The user's live (WAITING, or ACTIVE and unexpired) token, which `IssueToken` answers with (200). */
export function liveTokenOfUser(state: WaitingRoomState, userId: string, nowMs: number): string | undefined {
  const seq = state.liveByUser.get(userId);
  return seq === undefined || isActivePastExpiry(state, seq, nowMs) ? undefined : tokenOf(state, seq);
}

/** The room's gauges and counters for `/metrics` (waiting, active, admitted/s, abandoned, expired). */
export function waitingRoomStats(state: WaitingRoomState, nowMs: number): WaitingRoomStats {
  return {
    concertId: state.concertId,
    opened: state.opened,
    waiting: state.waitingCount,
    active: state.activeCount,
    retainedExpired: state.endedCount,
    admittedPerSecond: admissionRatePerSecond(state, nowMs),
    issuedTotal: state.issuedTotal,
    admittedTotal: state.admittedTotal,
    abandonedTotal: state.abandonedTotal,
    expiredTotal: state.expiredTotal,
    leftTotal: state.leftTotal,
    usedTotal: state.usedTotal,
  };
}

/**
 * Call once after recovery (snapshot + replay, or full replay), before serving: every WAITING token gets a
 * fresh idle grace period (last seen = `nowMs`), because polls are not journaled and the clients could not
 * poll while the process was down. It also rebuilds the waiting list in seq order, the only part of the
 * state that polls reorder, so two recoveries of the same journal resumed at the same `nowMs` are equal
 * whatever was polled before the snapshot. O(tokens), about 15 ms per million.
 */
export function resumeWaitingRoom(state: WaitingRoomState, nowMs: number): void {
  state.listHead[LIST_WAITING] = NONE;
  state.listTail[LIST_WAITING] = NONE;
  for (let seq = 0; seq < state.seqCount; seq++) {
    if (state.status[seq] === STATUS_WAITING) {
      state.stamp[seq] = nowMs;
      listInsertAfter(state, LIST_WAITING, state.listTail[LIST_WAITING], seq);
    }
  }
}

/**
 * Checks every invariant of the state in O(tokens): counts, lists, line, tree and user index agree. For
 * tests and the journal `verify` tool; evolve itself checks only the O(log n) count invariants.
 */
export function verifyWaitingRoomState(state: WaitingRoomState): void {
  const counts = [0, 0, 0, 0];
  for (let seq = 0; seq < state.seqCount; seq++) {
    const status = state.status[seq]!;
    assert(status <= STATUS_ENDED, `seq ${seq} has an unknown status`);
    counts[status] = counts[status]! + 1;
    const secretSet = state.secrets[seq * QUEUE_TOKEN_SECRET_LENGTH_MAX] !== 0;
    assert(secretSet === (status !== STATUS_FREE), `seq ${seq}: a secret iff not free`);
    assert((state.userIds[seq] === null) === (status === STATUS_FREE), `seq ${seq}: user iff not free`);
    if (status === STATUS_WAITING) {
      const slot = state.slotOf[seq]!;
      assert(slot >= 0 && slot < state.nextSlot && state.seqAt[slot] === seq, `seq ${seq} is in its slot`);
    } else {
      assert(state.slotOf[seq] === NONE, `seq ${seq} is not waiting and has no slot`);
    }
    if (status === STATUS_WAITING || status === STATUS_ACTIVE) {
      assert(state.liveByUser.get(state.userIds[seq]!) === seq, `seq ${seq} is its user's live token`);
    }
  }
  assert(counts[STATUS_FREE] === state.freeCount, "free count");
  assert(counts[STATUS_WAITING] === state.waitingCount, "waiting count");
  assert(counts[STATUS_ACTIVE] === state.activeCount, "active count");
  assert(counts[STATUS_ENDED] === state.endedCount, "ended count");
  assert(state.liveByUser.size === state.waitingCount + state.activeCount, "one live token per user");
  for (const [userId, seq] of state.liveByUser) {
    assert(state.userIds[seq] === userId, `user ${userId} points at their own token`);
  }
  const listed: [number, number][] = [
    [LIST_WAITING, STATUS_WAITING],
    [LIST_ACTIVE, STATUS_ACTIVE],
    [LIST_ENDED, STATUS_ENDED],
  ];
  for (const [list, status] of listed) {
    let length = 0;
    let previous = NONE;
    for (let seq = state.listHead[list]!; seq !== NONE; seq = state.next[seq]!) {
      assert(state.status[seq] === status, `list ${list} holds only its status`);
      assert(state.prev[seq] === previous, `list ${list} links both ways`);
      if (previous !== NONE) {
        assert(state.stamp[previous]! <= state.stamp[seq]!, `list ${list} is ordered by stamp`);
      }
      previous = seq;
      length += 1;
      assert(length <= state.seqCount, `list ${list} has no cycle`);
    }
    assert(state.listTail[list] === previous, `list ${list} tail`);
    assert(length === counts[status], `list ${list} holds every token of its status`);
  }
  let free = 0;
  for (let seq = state.freeHead; seq !== NONE; seq = state.next[seq]!) {
    assert(state.status[seq] === STATUS_FREE, "the free list holds free seqs");
    free += 1;
    assert(free <= state.seqCount, "the free list has no cycle");
  }
  assert(free === state.freeCount, "the free list holds every free seq");
  assert(state.fenwick.length === state.seqAt.length + 1, "the tree covers the line");
  const rebuilt = new Int32Array(state.fenwick.length);
  for (let slot = 0; slot < state.seqAt.length; slot++) {
    const seq = state.seqAt[slot]!;
    if (seq !== NONE) {
      assert(slot < state.nextSlot, "no token beyond the next slot");
      assert(
        state.status[seq] === STATUS_WAITING && state.slotOf[seq] === slot,
        `slot ${slot} holds its seq`,
      );
      rebuilt[slot + 1] = 1;
    }
  }
  fenwickBuildInPlace(rebuilt);
  for (let i = 0; i < rebuilt.length; i++) {
    assert(rebuilt[i] === state.fenwick[i], `tree node ${i} counts its range`);
  }
  let sum = 0;
  for (const count of state.admissionCount) {
    sum += count;
  }
  assert(sum === state.admissionSum, "admission samples add up");
}
