/** Applies waiting-room events to the state in place, and resumes a recovered state before serving. */
import { assert } from "../decider.ts";
import { fenwickPrefixSum } from "../order-statistics.ts";
import { shuffleSeeded } from "../seeded-random.ts";
import { headOfLine, joinLine, layOutLine, leaveLine, liveSlotsInOrder } from "./line.ts";
import { QUEUE_ETA_SAMPLES_MAX, QUEUE_ETA_WINDOW_MS } from "./limits.ts";
import { copySettings } from "./settings.ts";
import type { WaitingRoomSettings } from "./settings.ts";
import { clearSecret, storeSecret } from "./token-format.ts";
import {
  ensureSeqCapacity,
  LIST_ACTIVE,
  LIST_ENDED,
  LIST_WAITING,
  listAppendMonotonic,
  listInsertAfter,
  listInsertionPoint,
  listRemove,
  NONE,
  STATUS_ACTIVE,
  STATUS_ENDED,
  STATUS_FREE,
  STATUS_WAITING,
} from "./token-table.ts";
import type { TokenIssued, WaitingRoomEvent, WaitingRoomState } from "./types.ts";

/** Applies one event in place and returns the same state. Never fails on an event `decide` produced. */
export function evolveWaitingRoom(state: WaitingRoomState, event: WaitingRoomEvent): WaitingRoomState {
  switch (event.type) {
    case "WaitingRoomConfigured": {
      const settings: WaitingRoomSettings = copySettings(event);
      if (state.opened && state.issuedTotal === 0 && settings.onSaleAtMs !== state.settings.onSaleAtMs) {
        // Nobody has queued yet, so an on-sale time may still be added to a room that was open.
        state.opened = settings.onSaleAtMs === null;
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
      admit(state, event.count, event.expiresAtMs, event.atMs);
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
  storeSecret(state, seq, event.token);
  state.userIds[seq] = event.userId;
  state.liveByUser.set(event.userId, seq);
  state.issuedTotal += 1;
  if (event.expiresAtMs !== null) {
    state.status[seq] = STATUS_ACTIVE;
    state.stampMs[seq] = event.expiresAtMs;
    listInsertAfter(state, LIST_ACTIVE, listInsertionPoint(state, LIST_ACTIVE, event.expiresAtMs), seq);
    state.activeCount += 1;
  } else {
    state.status[seq] = STATUS_WAITING;
    state.stampMs[seq] = event.atMs;
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

function admit(state: WaitingRoomState, count: number, expiresAtMs: number, atMs: number): void {
  let admitted = 0;
  // Everyone admitted together expires together: find their place in the expiry list once.
  let after = listInsertionPoint(state, LIST_ACTIVE, expiresAtMs);
  while (admitted < count && state.waitingCount > 0) {
    const seq = headOfLine(state);
    leaveLine(state, seq);
    listRemove(state, LIST_WAITING, seq);
    state.status[seq] = STATUS_ACTIVE;
    state.stampMs[seq] = expiresAtMs;
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
  state.admissionAtMs.push(atMs);
  state.admissionCount.push(count);
  state.admissionSum += count;
  while (
    state.admissionAtMs.length > QUEUE_ETA_SAMPLES_MAX ||
    (state.admissionAtMs.length > 0 && state.admissionAtMs[0]! <= atMs - QUEUE_ETA_WINDOW_MS)
  ) {
    state.admissionAtMs.shift();
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
  state.stampMs[seq] = atMs;
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
    clearSecret(state, seq);
    state.userIds[seq] = null;
    state.status[seq] = STATUS_FREE;
    state.stampMs[seq] = 0;
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
      state.stampMs[seq] = nowMs;
      listInsertAfter(state, LIST_WAITING, state.listTail[LIST_WAITING], seq);
    }
  }
}
