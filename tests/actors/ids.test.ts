import { urlAlphabet } from "nanoid";
import { describe, expect, it } from "vitest";
import { ID_LENGTH, newId, taggedIdSource } from "../../src/actors/ids.ts";

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

describe("tagged ids (a cluster's shards)", () => {
  it("start with the tag, then 21 characters of the same alphabet, and never repeat", () => {
    const next = taggedIdSource("s12-");
    const pattern = new RegExp(`^s12-[${urlAlphabet.replace("-", "\\-")}]{${ID_LENGTH}}$`);
    const ids = new Set<string>();
    for (let i = 0; i < 20_000; i += 1) {
      const id = next();
      expect(id).toMatch(pattern);
      ids.add(id);
    }
    expect(ids.size).toBe(20_000);
  });

  it("refuse a tag with characters an entity id may not have", () => {
    expect(() => taggedIdSource("s1.")).toThrow(/id tag/);
  });
});
