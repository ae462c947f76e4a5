/** Reads of the waiting room (pure, no events) and the volatile poll record. */
import type { Result } from "../decider.ts";
import { TOKEN_CONCERT_MISMATCH, TOKEN_EXPIRED, TOKEN_INVALID, tokenNotActive } from "../rejection.ts";
import { linePosition, waitingPosition } from "./line.ts";
import {
  QUEUE_ETA_WINDOW_MS,
  QUEUE_POLL_AFTER_SECONDS_MAX,
  QUEUE_POLL_AFTER_SECONDS_MIN,
  QUEUE_POLL_AFTER_WAIT_FRACTION,
  QUEUE_POLLS_PER_IDLE_TTL_MIN,
} from "./limits.ts";
import type { WaitingRoomSettings } from "./settings.ts";
import { findSeq, tokenOf } from "./token-format.ts";
import {
  isActivePastExpiry,
  LIST_WAITING,
  listAppendMonotonic,
  listRemove,
  NONE,
  STATUS_ACTIVE,
  STATUS_ENDED,
  STATUS_WAITING,
} from "./token-table.ts";
import type { ActiveTokenGrant, TokenView, WaitingRoomState, WaitingRoomStats } from "./types.ts";

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
 * The user of a token this room issued and still remembers, or undefined (TOKEN_INVALID): what
 * `viewToken` tells of it, without building the view. O(1).
 */
export function tokenHolder(state: WaitingRoomState, token: string): string | undefined {
  const seq = findSeq(state, token);
  return seq === NONE ? undefined : state.userIds[seq]!;
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
    state.stampMs[seq] = Math.max(state.stampMs[seq]!, nowMs);
    return;
  }
  listRemove(state, LIST_WAITING, seq);
  state.stampMs[seq] = nowMs;
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
  const stampMs = state.stampMs[seq]!;
  const ceiling = pollCeilingSeconds(settings);
  if (status === STATUS_WAITING) {
    if (!state.opened) {
      // Pre-queue: the order is not drawn yet. Spread the first polls after opening over the poll ceiling.
      const untilOpenSeconds =
        settings.onSaleAtMs === null ? 0 : Math.ceil((settings.onSaleAtMs - nowMs) / 1000);
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
        expiresAtMs: null,
        pollAfterSeconds,
        opensAtMs: settings.onSaleAtMs,
      };
    }
    const position = linePosition(state, seq);
    const rate = admissionRatePerSecond(state, nowMs, settings);
    const pacingRate = rate ?? (settings.admitBatch * 1000) / settings.admitIntervalMs;
    return {
      token,
      userId,
      concertId,
      status: "WAITING",
      position,
      estimatedWaitSeconds: rate === null ? null : Math.ceil(position / rate),
      expiresAtMs: null,
      pollAfterSeconds: clamp(
        Math.ceil((position / pacingRate) * QUEUE_POLL_AFTER_WAIT_FRACTION),
        QUEUE_POLL_AFTER_SECONDS_MIN,
        ceiling,
      ),
      opensAtMs: null,
    };
  }
  const active = status === STATUS_ACTIVE && stampMs > nowMs;
  return {
    token,
    userId,
    concertId,
    status: active ? "ACTIVE" : "EXPIRED",
    position: active ? 0 : null,
    estimatedWaitSeconds: active ? 0 : null,
    expiresAtMs: stampMs,
    pollAfterSeconds: ceiling,
    opensAtMs: null,
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
  const samples = state.admissionAtMs.length;
  if (samples < 2) {
    return null;
  }
  const firstAtMs = state.admissionAtMs[0]!;
  const lastAtMs = state.admissionAtMs[samples - 1]!;
  if (nowMs - lastAtMs > QUEUE_ETA_WINDOW_MS) {
    return null;
  }
  const spanMs = Math.max(lastAtMs, nowMs - settings.admitIntervalMs) - firstAtMs;
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
    return { ok: false, rejection: TOKEN_INVALID };
  }
  const status = state.status[seq]!;
  if (status === STATUS_ENDED || isActivePastExpiry(state, seq, nowMs)) {
    return { ok: false, rejection: TOKEN_EXPIRED };
  }
  if (concertId !== state.concertId) {
    return {
      ok: false,
      rejection: TOKEN_CONCERT_MISMATCH,
    };
  }
  if (status === STATUS_WAITING) {
    return { ok: false, rejection: tokenNotActive(waitingPosition(state, seq)) };
  }
  return {
    ok: true,
    value: {
      token,
      userId: state.userIds[seq]!,
      concertId: state.concertId,
      expiresAtMs: state.stampMs[seq]!,
    },
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
