/** The full invariant check of a waiting room's state, for tests and the journal `verify` tool. */
import { assert } from "../decider.ts";
import { fenwickBuildInPlace } from "../order-statistics.ts";
import { QUEUE_TOKEN_SECRET_LENGTH_MAX } from "./limits.ts";
import {
  LIST_ACTIVE,
  LIST_ENDED,
  LIST_WAITING,
  NONE,
  STATUS_ACTIVE,
  STATUS_ENDED,
  STATUS_FREE,
  STATUS_WAITING,
} from "./token-table.ts";
import type { WaitingRoomState } from "./types.ts";

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
        assert(state.stampMs[previous]! <= state.stampMs[seq]!, `list ${list} is ordered by stamp`);
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
