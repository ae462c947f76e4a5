import { urlAlphabet } from "nanoid";
import { describe, expect, it } from "vitest";
import { ID_LENGTH, newId } from "../../src/actors/ids.ts";

describe("ids", () => {
  it("are 21 characters of nanoid's URL-safe alphabet, as nanoid's are", () => {
    const pattern = new RegExp(`^[${urlAlphabet.replace("-", "\\-")}]{${ID_LENGTH}}$`);
    for (let i = 0; i < 2_000; i += 1) {
      expect(newId()).toMatch(pattern);
    }
  });

  it("never repeat, across many refills of the random pool", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i += 1) {
      ids.add(newId());
    }
    expect(ids.size).toBe(100_000);
  });

  it("use every character of the alphabet, in every position", () => {
    const seen = Array.from({ length: ID_LENGTH }, () => new Set<string>());
    for (let i = 0; i < 20_000; i += 1) {
      const id = newId();
      for (let position = 0; position < ID_LENGTH; position += 1) {
        seen[position]?.add(id[position] ?? "");
      }
    }
    expect(seen.map((characters) => characters.size)).toEqual(Array<number>(ID_LENGTH).fill(64));
  });
});
