/**
 * The token table: per-seq arrays (secret bytes, user, status, stamp, links), the deadline lists threaded
 * through them, and their growth. See index.ts for the layout as a whole.
 */
import { assert } from "../decider.ts";
import {
  QUEUE_CONCERT_ID_LENGTH_MAX,
  QUEUE_INITIAL_CAPACITY,
  QUEUE_TOKEN_SECRET_LENGTH_MAX,
} from "./limits.ts";
import { copySettings, WAITING_ROOM_SETTINGS_DEFAULT, waitingRoomSettingsProblem } from "./settings.ts";
import type { WaitingRoomSettings } from "./settings.ts";
import type { WaitingRoomState } from "./types.ts";

/** No seq, no slot: the end of a list, a hole in the line. */
export const NONE = -1;
export const STATUS_FREE = 0;
export const STATUS_WAITING = 1;
export const STATUS_ACTIVE = 2;
export const STATUS_ENDED = 3;
export const LIST_WAITING = 0;
export const LIST_ACTIVE = 1;
export const LIST_ENDED = 2;

/**
 * A new, empty waiting room. `settings` come from configuration; to make them durable (and to change them
 * later) journal a `WaitingRoomConfigured` through `ConfigureWaitingRoom`. A room without `onSaleAtMs` is
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
    opened: settings.onSaleAtMs === null,
    openSeed: null,
    seqCount: 0,
    freeHead: NONE,
    freeCount: 0,
    secrets: new Uint8Array(capacity * QUEUE_TOKEN_SECRET_LENGTH_MAX),
    userIds: new Array<string | null>(capacity).fill(null),
    status: new Uint8Array(capacity),
    stampMs: new Float64Array(capacity),
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
    admissionAtMs: [],
    admissionCount: [],
    admissionSum: 0,
  };
}

export function isActivePastExpiry(state: WaitingRoomState, seq: number, nowMs: number): boolean {
  return state.status[seq] === STATUS_ACTIVE && state.stampMs[seq]! <= nowMs;
}

// ---------------------------------------------------------------------------------------------------------
// Deadline lists, threaded through prev/next.

export function listRemove(state: WaitingRoomState, list: number, seq: number): void {
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
export function listInsertAfter(state: WaitingRoomState, list: number, after: number, seq: number): void {
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
 * The last element whose stamp is not after `atMs`, walking back from the tail. Expiry times normally grow,
 * so this is the tail; after `activeTtlMs` is lowered the walk is bounded by the active tokens (≤ the cap).
 */
export function listInsertionPoint(state: WaitingRoomState, list: number, atMs: number): number {
  let after = state.listTail[list]!;
  while (after !== NONE && state.stampMs[after]! > atMs) {
    after = state.prev[after]!;
  }
  return after;
}

/**
 * Appends at the tail, first raising the stamp to the tail's if the clock stepped back, so the list stays
 * ordered without walking it (a token gets at most the clock's step back as extra grace or retention).
 */
export function listAppendMonotonic(state: WaitingRoomState, list: number, seq: number): void {
  const tail = state.listTail[list]!;
  if (tail !== NONE && state.stampMs[tail]! > state.stampMs[seq]!) {
    state.stampMs[seq] = state.stampMs[tail]!;
  }
  listInsertAfter(state, list, tail, seq);
}

// ---------------------------------------------------------------------------------------------------------
// Growth of the per-seq arrays.

export function ensureSeqCapacity(state: WaitingRoomState, needed: number): void {
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
  const stampMs = new Float64Array(capacity);
  stampMs.set(state.stampMs);
  state.stampMs = stampMs;
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
