/**
 * A small deterministic pseudo-random generator for decisions that must replay identically, such as the
 * pre-queue shuffle. The seed is a string that is journaled with the event that used it, so folding the
 * journal reproduces the same sequence; nothing here reads a clock or `Math.random`. It is the one seeded
 * generator of the repository: the tests, benchmarks and scripts draw from it too, so any run that prints
 * its seed repeats exactly.
 *
 * The generator is sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 128 bits of state), seeded
 * by the cyrb128 string hash. It is not a cryptographic generator: fairness needs every order to be
 * equally likely and the seed to be unknown until the moment of the shuffle, which the caller ensures by
 * drawing the seed from an unguessable id at that moment.
 */

/** Hashes a string into four 32-bit words (cyrb128), used as the generator's initial state. */
export function seedWords(seed: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < seed.length; i++) {
    const k = seed.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

/** A seeded source of random numbers; its functions hold no `this`, so they may be passed around alone. */
export interface Random {
  /** A number in [0, 1), from 53 random bits. */
  readonly next: () => number;
  /** A whole number from `min` to `max`, both included. */
  readonly int: (min: number, max: number) => number;
  /** One of `items`, which must not be empty. */
  readonly pick: <T>(items: readonly T[]) => T;
  /** True with probability `p`. */
  readonly chance: (p: number) => boolean;
}

/**
 * sfc32 seeded from `seed` (a number is seeded by its decimal text): the same seed always gives the
 * same sequence, on every machine.
 */
export function seededRandom(seed: string | number): Random {
  let [a, b, c, d] = seedWords(String(seed));
  const next32 = (): number => {
    // sfc32: a 32-bit counter mixed into a 96-bit chaotic state.
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs, as the reference implementation recommends, to mix the seed in.
  for (let i = 0; i < 12; i++) {
    next32();
  }
  const next = (): number => ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => {
      if (items.length === 0) {
        throw new Error("pick from an empty list");
      }
      return items[int(0, items.length - 1)] as T;
    },
    chance: (p) => next() < p,
  };
}

/**
 * Shuffles `items` in place with a Fisher–Yates shuffle driven by {@link seededRandom}: the same seed
 * and the same input always give the same order. Each index is drawn from 53 random bits, so the bias of
 * reducing to a range of up to millions of items is below 2^-30.
 */
export function shuffleSeeded<T>(items: T[], seed: string): void;
export function shuffleSeeded(items: Int32Array, seed: string): void;
export function shuffleSeeded(items: unknown[] | Int32Array, seed: string): void {
  const list = items as unknown[];
  const { next } = seededRandom(seed);
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const held = list[i];
    list[i] = list[j];
    list[j] = held;
  }
}
