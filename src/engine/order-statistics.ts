/**
 * A Fenwick (binary indexed) tree of non-negative counts over the positions 1..n, stored in a plain
 * `Int32Array` of length n + 1 (index 0 is unused). It is a bare array rather than a class so that the
 * state holding it stays plain data that msgpackr can snapshot and restore.
 *
 * Every operation is O(log n) and allocates nothing, which is what lets a poll answer "how many are
 * ahead of me" with a million people in line.
 */

/** Adds `delta` to the count at `index` (1-based). */
export function fenwickAdd(tree: Int32Array, index: number, delta: number): void {
  const size = tree.length - 1;
  for (let i = index; i <= size; i += i & -i) {
    tree[i] = tree[i]! + delta;
  }
}

/** The sum of the counts at positions 1..index (0 when index is 0). */
export function fenwickPrefixSum(tree: Int32Array, index: number): number {
  let sum = 0;
  for (let i = index; i > 0; i -= i & -i) {
    sum += tree[i]!;
  }
  return sum;
}

/**
 * The smallest position whose prefix sum reaches `k` (k ≥ 1), found by binary lifting in O(log n);
 * `tree.length` (one past the last position) when the total is below `k`.
 */
export function fenwickFindKth(tree: Int32Array, k: number): number {
  const size = tree.length - 1;
  let position = 0;
  let remaining = k;
  let step = 1;
  while (step * 2 <= size) {
    step *= 2;
  }
  for (; step > 0; step >>= 1) {
    const next = position + step;
    if (next <= size && tree[next]! < remaining) {
      position = next;
      remaining -= tree[next]!;
    }
  }
  return position + 1;
}

/**
 * Turns raw counts (count of position i in `tree[i]`) into a Fenwick tree in place, in O(n): each node
 * passes its partial sum up to its parent once.
 */
export function fenwickBuildInPlace(tree: Int32Array): void {
  const size = tree.length - 1;
  for (let i = 1; i <= size; i++) {
    const parent = i + (i & -i);
    if (parent <= size) {
      tree[parent] = tree[parent]! + tree[i]!;
    }
  }
}
