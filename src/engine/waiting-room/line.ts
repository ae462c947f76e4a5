/**
 * The line: slots in queue order, counted by a Fenwick tree, so a position is a prefix sum and the head of
 * the line a binary-lifting search, both O(log n). Departures leave holes; when the slots run out, the
 * live ones are laid out densely again.
 */
import { assert } from "../decider.ts";
import { fenwickAdd, fenwickBuildInPlace, fenwickFindKth, fenwickPrefixSum } from "../order-statistics.ts";
import { QUEUE_INITIAL_CAPACITY } from "./limits.ts";
import { NONE } from "./token-table.ts";
import type { WaitingRoomState } from "./types.ts";

export function joinLine(state: WaitingRoomState, seq: number): void {
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

export function leaveLine(state: WaitingRoomState, seq: number): void {
  const slot = state.slotOf[seq]!;
  fenwickAdd(state.fenwick, slot + 1, -1);
  state.seqAt[slot] = NONE;
  state.slotOf[seq] = NONE;
  state.waitingCount -= 1;
}

/** The seq at the head of the line; only while someone is waiting. */
export function headOfLine(state: WaitingRoomState): number {
  const slot = fenwickFindKth(state.fenwick, 1) - 1;
  return state.seqAt[slot]!;
}

export function liveSlotsInOrder(state: WaitingRoomState): Int32Array {
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
export function layOutLine(state: WaitingRoomState, order: Int32Array): void {
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

/** The 1-based position of a WAITING token among the waiting; null in the pre-queue. */
export function waitingPosition(state: WaitingRoomState, seq: number): number | null {
  return state.opened ? linePosition(state, seq) : null;
}

/** The 1-based position of a WAITING token in the line. O(log n). */
export function linePosition(state: WaitingRoomState, seq: number): number {
  return fenwickPrefixSum(state.fenwick, state.slotOf[seq]! + 1);
}
