/**
 * Growth of the struct-of-arrays tables (a schedule's holds and holders, the engine's reservation index).
 * A table's typed arrays all have one length, its capacity, and grow together when it is full. The new
 * capacity depends on the old one alone, so a table replayed from the journal grows through the same
 * capacities as the live one did and the two states compare equal, array lengths included.
 */

/** How much a full table grows: by half, plus its initial capacity so that small tables do not crawl. */
const TABLE_GROWTH_FACTOR = 1.5;

/** The capacity after `capacity`, for a table that started with `initialSlots`. */
export function grownCapacity(capacity: number, initialSlots: number): number {
  return Math.ceil(capacity * TABLE_GROWTH_FACTOR) + initialSlots;
}

type TypedTable = Uint8Array | Int32Array | Float64Array;

/** A copy of `array` with room for `length` elements; the new ones are 0. */
export function grown<T extends TypedTable>(array: T, length: number): T {
  const copy = new (array.constructor as new (length: number) => T)(length);
  copy.set(array);
  return copy;
}
