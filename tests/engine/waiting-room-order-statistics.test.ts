import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  fenwickAdd,
  fenwickBuildInPlace,
  fenwickFindKth,
  fenwickPrefixSum,
} from "../../src/engine/order-statistics.ts";
import { seedWords, shuffleSeeded } from "../../src/engine/seeded-random.ts";

describe("The order-statistics tree behind queue positions", () => {
  it("answers prefix sums and k-th searches like a plain array, after any updates", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }),
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 200 }),
        (size, updates) => {
          const counts = new Array<number>(size + 1).fill(0);
          const tree = new Int32Array(size + 1);
          for (const [at, up] of updates) {
            const index = (at % size) + 1;
            const delta = up || counts[index] === 0 ? 1 : -1;
            counts[index] = counts[index]! + delta;
            fenwickAdd(tree, index, delta);
          }
          let sum = 0;
          for (let index = 1; index <= size; index++) {
            sum += counts[index]!;
            expect(fenwickPrefixSum(tree, index)).toBe(sum);
          }
          for (let k = 1; k <= sum + 1; k++) {
            const expected = counts.findIndex(
              (_, i) => i > 0 && counts.slice(1, i + 1).reduce((a, b) => a + b, 0) >= k,
            );
            expect(fenwickFindKth(tree, k)).toBe(expected === -1 ? size + 1 : expected);
          }
          const built = new Int32Array(size + 1);
          counts.forEach((count, index) => (built[index] = index === 0 ? 0 : count));
          fenwickBuildInPlace(built);
          expect(built).toEqual(tree);
        },
      ),
    );
  });
});

describe("The seeded shuffle behind the fair start", () => {
  it("is a permutation, and the same seed always gives the same order", () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 0, max: 300 }), (seed, length) => {
        const items = Array.from({ length }, (_, i) => i);
        const first = [...items];
        const second = Int32Array.from(items);
        shuffleSeeded(first, seed);
        shuffleSeeded(second, seed);
        expect([...second]).toEqual(first);
        expect([...first].sort((a, b) => a - b)).toEqual(items);
      }),
    );
  });

  it("gives different orders for different seeds", () => {
    const orders = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const items = Array.from({ length: 20 }, (_, j) => j);
      shuffleSeeded(items, `seed-${i}`);
      orders.add(items.join(","));
    }
    expect(orders.size).toBe(100);
    expect(seedWords("a")).not.toEqual(seedWords("b"));
  });

  it("puts every item in every place about equally often", () => {
    // 6 items, 60,000 seeds: each (item, place) cell expects 10,000; a fair shuffle stays within 3%.
    const size = 6;
    const runs = 60_000;
    const cells = Array.from({ length: size }, () => new Array<number>(size).fill(0));
    for (let run = 0; run < runs; run++) {
      const items = Array.from({ length: size }, (_, i) => i);
      shuffleSeeded(items, `opening-${run}`);
      items.forEach((item, place) => (cells[item]![place]! += 1));
    }
    for (const row of cells) {
      for (const count of row) {
        expect(Math.abs(count - runs / size)).toBeLessThan((runs / size) * 0.03);
      }
    }
  });
});
