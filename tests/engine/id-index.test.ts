import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import { emptyIdIndex, findId, indexOfIds, NOT_INDEXED, withId } from "../../src/engine/id-index.ts";

/** Ids shaped like the engine's (21 characters), and short ones like the specs'. */
function someIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i % 2 === 0 ? `r-${i}` : `id${i}`.padEnd(21, "x")));
}

describe("the id index", () => {
  it("finds every id added, at its place, far past the initial size", () => {
    const ids = someIds(5_000);
    let index = emptyIdIndex();
    for (let place = 0; place < ids.length; place += 1) {
      index = withId(index, ids, place);
    }
    ids.forEach((id, place) => expect(findId(index, ids, id)).toBe(place));
  });

  it("finds nothing for an id it was not given", () => {
    const ids = someIds(100);
    const index = indexOfIds(ids);
    for (const unknown of ["", "r-100", "id1", "r-1 ", "R-2", "x".repeat(64)]) {
      expect(findId(index, ids, unknown)).toBe(NOT_INDEXED);
    }
    expect(findId(emptyIdIndex(), [], "r-0")).toBe(NOT_INDEXED);
  });

  it("keeps at least half its buckets free", () => {
    for (const count of [1, 16, 17, 1_000]) {
      const index = indexOfIds(someIds(count));
      const buckets = index.length / 2;
      expect(count).toBeLessThanOrEqual(buckets / 2);
    }
  });

  it("refuses an id it already holds with an InvariantViolation", () => {
    const ids = ["a", "b", "a"];
    const index = indexOfIds(ids, 2);
    expect(() => withId(index, ids, 2)).toThrow(InvariantViolation);
  });

  it("comes out bucket for bucket the same however its ids were added, so replay equals live", () => {
    const ids = someIds(3_000);
    let stepByStep = emptyIdIndex();
    for (let place = 0; place < ids.length; place += 1) {
      stepByStep = withId(stepByStep, ids, place);
    }
    expect(indexOfIds(ids)).toStrictEqual(stepByStep);
  });
});
