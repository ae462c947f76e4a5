import { assert } from "./decider.ts";

/**
 * An index from reservation ids to their places in a table (a schedule's slots, the engine's reservation
 * numbers): an open-addressing hash table with linear probing over one Int32Array. A table keeps its ids
 * in an array by place; a bucket of the index holds an id's hash and its place + 1 (0: empty), side by
 * side, so a probe reads one cache line and compares strings only when the hashes agree, and growing
 * moves buckets without reading a single id. An id costs 16 to 32 bytes here, against about 37 in a Map,
 * and adding one allocates nothing but, now and then, a larger array: a Map entry keyed by a fresh string
 * costs the garbage collector work for as long as it lives, and a reservation lives for good.
 *
 * The hash is not seeded, so the index must only take ids the engine makes (random ones): keys an
 * attacker chooses, such as user ids, go in Maps, whose hash V8 seeds. Looking up an id an attacker
 * sends is harmless: it walks a probe sequence of random ids.
 *
 * Places are added in order, one at a time, and the layout follows from that order alone: live, replay
 * and a restored snapshot (`indexOfIds`) build the same index, bucket for bucket.
 */

/** Buckets of a new index: a power of two. */
const ID_INDEX_BUCKETS_INITIAL = 32;
/** Int32 slots per bucket: the hash, then the place + 1. */
const BUCKET_INTS = 2;
/** A place is added only while at most half the buckets are taken, so probe sequences stay short. */
const ID_INDEX_LOAD_MAX = 0.5;
/** Not in the index. */
export const NOT_INDEXED = -1;

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** FNV-1a over the id's UTF-16 code units, as a signed 32-bit integer. */
function hashOf(id: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (let i = 0; i < id.length; i += 1) {
    hash = Math.imul(hash ^ id.charCodeAt(i), FNV_PRIME);
  }
  return hash;
}

/** A new, empty index. */
export function emptyIdIndex(): Int32Array {
  return new Int32Array(ID_INDEX_BUCKETS_INITIAL * BUCKET_INTS);
}

/** The place of `id`, or NOT_INDEXED. */
export function findId(index: Int32Array, ids: readonly string[], id: string): number {
  const hash = hashOf(id);
  const mask = index.length / BUCKET_INTS - 1;
  for (let bucket = hash & mask; ; bucket = (bucket + 1) & mask) {
    const taken = index[bucket * BUCKET_INTS + 1] as number;
    if (taken === 0) {
      return NOT_INDEXED;
    }
    if (index[bucket * BUCKET_INTS] === hash && ids[taken - 1] === id) {
      return taken - 1;
    }
  }
}

/**
 * The index with place `place` added, whose id is `ids[place]`: `index` itself, or a copy twice its size
 * when it was half full. An id already in the index is an InvariantViolation.
 */
export function withId(index: Int32Array, ids: readonly string[], place: number): Int32Array {
  const grown = place + 1 > (index.length / BUCKET_INTS) * ID_INDEX_LOAD_MAX ? doubled(index) : index;
  const id = ids[place] as string;
  const hash = hashOf(id);
  const mask = grown.length / BUCKET_INTS - 1;
  let bucket = hash & mask;
  for (let taken = grown[bucket * BUCKET_INTS + 1] as number; taken !== 0;) {
    assert(grown[bucket * BUCKET_INTS] !== hash || ids[taken - 1] !== id, `the id ${id} is indexed twice`);
    bucket = (bucket + 1) & mask;
    taken = grown[bucket * BUCKET_INTS + 1] as number;
  }
  grown[bucket * BUCKET_INTS] = hash;
  grown[bucket * BUCKET_INTS + 1] = place + 1;
  return grown;
}

/** The index of the first `count` places of `ids`, built as live evolution builds it: place by place. */
export function indexOfIds(ids: readonly string[], count: number = ids.length): Int32Array {
  let index = emptyIdIndex();
  for (let place = 0; place < count; place += 1) {
    index = withId(index, ids, place);
  }
  return index;
}

/** A copy with twice the buckets, each taken bucket moved to where its hash now leads. */
function doubled(index: Int32Array): Int32Array {
  const grown = new Int32Array(index.length * 2);
  const mask = grown.length / BUCKET_INTS - 1;
  for (let from = 0; from < index.length; from += BUCKET_INTS) {
    const taken = index[from + 1] as number;
    if (taken === 0) {
      continue;
    }
    const hash = index[from] as number;
    let bucket = hash & mask;
    while (grown[bucket * BUCKET_INTS + 1] !== 0) {
      bucket = (bucket + 1) & mask;
    }
    grown[bucket * BUCKET_INTS] = hash;
    grown[bucket * BUCKET_INTS + 1] = taken;
  }
  return grown;
}
