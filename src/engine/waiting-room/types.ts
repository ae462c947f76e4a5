/**
 * The commands, events and views of the waiting room, and the layout of its state (see index.ts for why it
 * is laid out this way). The settings type derives from the table in settings.ts.
 */
import type { WaitingRoomSettings } from "./settings.ts";

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
 * TTL, drop idle WAITING tokens, open the queue once `onSaleAtMs` has come (shuffling the pre-queue with a
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

/**
 * The full settings after a change, flat (every field of `WAITING_ROOM_SETTING_FIELDS`, in table order,
 * between `concertId` and `atMs`), so the event stays plain data.
 */
export interface WaitingRoomConfigured extends WaitingRoomSettings {
  readonly type: "WaitingRoomConfigured";
  readonly concertId: string;
  readonly atMs: number;
}

/**
 * A token was issued, under index `seq`. `expiresAtMs` is set when it was ACTIVE at once (nobody waiting,
 * below the cap, queue open); null means it joined the end of the line (or the pre-queue).
 */
export interface TokenIssued {
  readonly type: "TokenIssued";
  readonly concertId: string;
  readonly token: string;
  readonly seq: number;
  readonly userId: string;
  readonly expiresAtMs: number | null;
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
 * The `count` tokens at the head of the line became ACTIVE until `expiresAtMs`. It names a count, not the
 * tokens: who is at the head follows from the state, and the count is all the ETA needs. It also lets the
 * tick that opens the queue admit at once, before anyone could know the shuffled order.
 */
export interface TokensAdmitted {
  readonly type: "TokensAdmitted";
  readonly concertId: string;
  readonly count: number;
  readonly expiresAtMs: number;
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
  readonly expiresAtMs: number | null;
  /**
   * When the client should poll again (also the `Retry-After` header), in seconds from
   * `QUEUE_POLL_AFTER_SECONDS_MIN` to `QUEUE_POLL_AFTER_SECONDS_MAX`.
   */
  readonly pollAfterSeconds: number;
  /** The on-sale time while the token waits in the pre-queue; null otherwise. */
  readonly opensAtMs: number | null;
}

/** What `authorizeToken` grants to an ACTIVE token. */
export interface ActiveTokenGrant {
  readonly token: string;
  readonly userId: string;
  readonly concertId: string;
  readonly expiresAtMs: number;
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

/**
 * One concert's waiting room. Plain data only (objects, arrays, a Map, typed arrays) so that msgpackr
 * snapshots it (typed arrays need msgpackr's `moreTypes: true`; the Map needs `mapsAsObjects: false`).
 * `evolveWaitingRoom` mutates it in place. Other modules read it only through the functions of this folder.
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
  stampMs: Float64Array;
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
  admissionAtMs: number[];
  admissionCount: number[];
  admissionSum: number;
}
