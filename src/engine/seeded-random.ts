/**
 * A small deterministic pseudo-random generator for decisions that must replay identically, such as the
 * pre-queue shuffle. The seed is a string that is journaled with the event that used it, so folding the
 * journal reproduces the same sequence; nothing here reads a clock or `Math.random`.
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

/**
 * Shuffles `items` in place with a Fisher–Yates shuffle driven by sfc32 seeded from `seed`: the same seed
 * and the same input always give the same order. Each index is drawn from 53 random bits, so the bias of
 * reducing to a range of up to millions of items is below 2^-30.
 */
export function shuffleSeeded<T>(items: T[], seed: string): void;
export function shuffleSeeded(items: Int32Array, seed: string): void;
export function shuffleSeeded(items: unknown[] | Int32Array, seed: string): void {
  const list = items as unknown[];
  let [a, b, c, d] = seedWords(seed);
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
  for (let i = list.length - 1; i > 0; i--) {
    const unit = ((next32() >>> 5) * 67108864 + (next32() >>> 6)) / 9007199254740992;
    const j = Math.floor(unit * (i + 1));
    const held = list[i];
    list[i] = list[j];
    list[j] = held;
  }
}
