import assert from "node:assert/strict";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeEvent,
  decodeState,
  encodeEvent,
  encodeState,
  eventDefect,
} from "../../src/persistence/codec.ts";

// fast-check prints the seed and the shrunk counterexample of any failure, so a run reproduces.
const RUNS = 300;

/** Object keys that round-trip: msgpackr renames an own `__proto__` key (see codec.ts). */
const key = fc.string({ maxLength: 12 }).filter((k) => k !== "__proto__");
/** Every number but -0, which msgpackr stores as 0 (see codec.ts). */
const number = fc.oneof(
  fc.integer(),
  fc.double().filter((n) => !Object.is(n, -0)),
  fc.constantFrom(2 ** 31, 2 ** 32 + 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 40 }),
  number,
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
);

const typedArray = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.int32Array({ maxLength: 16 }),
  fc.uint32Array({ maxLength: 16 }),
  fc.float64Array({ maxLength: 16 }),
);

/** What a snapshot state may hold: plain data plus Map, Set and typed arrays. */
const stateValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    typedArray,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5, noNullPrototype: true }),
    fc
      .array(fc.tuple(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), tie("value")), { maxLength: 5 })
      .map((entries) => new Map(entries)),
    fc
      .array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 5 })
      .map((items) => new Set(items)),
  ),
})).value;

/** What an event may hold: plain JSON-like data, undefined and typed arrays. */
const eventValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    scalar,
    typedArray,
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(key, tie("value"), { maxKeys: 5, noNullPrototype: true }),
  ),
})).value;

const event = fc
  .tuple(
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.dictionary(key, eventValue, { maxKeys: 6, noNullPrototype: true }),
  )
  .map(([type, fields]) => ({ ...fields, type }));

function roundTripState(value: unknown): unknown {
  return decodeState(encodeState(value));
}

describe("the snapshot codec", () => {
  it("round-trips arbitrary plain data, Maps, Sets and typed arrays exactly", () => {
    fc.assert(
      fc.property(stateValue, (value) => {
        expect(roundTripState(value)).toStrictEqual(value);
      }),
      { numRuns: RUNS },
    );
  });

  it("round-trips a realistic engine state with a million-byte seat map and 100,000-entry Maps", () => {
    const seatCount = 1_000_000;
    const seatStatus = new Uint8Array(seatCount);
    for (let i = 0; i < seatCount; i++) {
      seatStatus[i] = i % 7 === 0 ? 2 : i % 3 === 0 ? 1 : 0;
    }
    const holds = new Map<
      string,
      { userId: string; seats: Int32Array; expiresAtMs: number; note: string | undefined }
    >();
    const balances = new Map<string, number>();
    for (let i = 0; i < 100_000; i++) {
      holds.set(`res_${i}`, {
        userId: `user_${i % 5000}`,
        seats: new Int32Array([i, i + 1]),
        expiresAtMs: 1_700_000_000_000 + i,
        note: i % 2 === 0 ? undefined : "vip",
      });
      balances.set(`user_${i}`, i * 1000);
    }
    const state = {
      schedules: [
        {
          scheduleId: "sch_1",
          concertId: "con_1",
          startsAtMs: 1_800_000_000_000,
          prices: new Uint32Array([50_000, 70_000, 10_000_000]),
          seatStatus,
          holds,
          heldBy: new Map<string, Set<number>>([["user_1", new Set([1, 2, 3])]]),
        },
      ],
      balances,
      ratios: new Float64Array([0.1, 1 / 3, Number.NaN, Number.POSITIVE_INFINITY]),
      idempotency: new Map<string, unknown>([["u1:key", { status: 201, body: { ok: true } }]]),
      lastExpiryCheckMs: null,
      pending: undefined,
    };
    // node:assert compares typed arrays bytewise; vitest's recursive equality takes seconds here.
    assert.deepStrictEqual(roundTripState(state), state);
  });

  it("stores -0 as 0 and renames an own __proto__ key, as documented", () => {
    expect(Object.is(roundTripState(-0), 0)).toBe(true);
    const decoded = roundTripState(JSON.parse('{"__proto__":1}')) as Record<string, unknown>;
    expect(Object.keys(decoded)).toEqual(["__proto_"]);
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
  });
});

describe("the event codec", () => {
  it("round-trips arbitrary events of plain data exactly", () => {
    fc.assert(
      fc.property(event, (value) => {
        expect(eventDefect(value)).toBeUndefined();
        expect(decodeEvent(encodeEvent(value), value.type)).toStrictEqual(value);
      }),
      { numRuns: RUNS },
    );
  });

  it("checks an event before encoding: plain data with a string type, nothing else", () => {
    const cyclic: Record<string, unknown> = { type: "X" };
    cyclic["self"] = cyclic;
    class Seat {
      readonly n = 1;
    }
    const refused: unknown[] = [
      null,
      [],
      "SeatsHeld",
      { type: "" },
      { type: 7 },
      { noType: true },
      { type: "X".repeat(1000) },
      { type: "X", seats: new Map() },
      { type: "X", seats: new Set([1]) },
      { type: "X", at: new Date(0) },
      { type: "X", seat: new Seat() },
      { type: "X", run: () => 1 },
      { type: "X", tag: Symbol("s") },
      { type: "X", amount: 10n },
      { type: "X", view: new DataView(new ArrayBuffer(2)) },
      JSON.parse('{"type":"X","nested":{"__proto__":{"isAdmin":true}}}'),
      cyclic,
    ];
    for (const [index, value] of refused.entries()) {
      expect(eventDefect(value), `refused[${index}]`).toMatch(/./);
    }
    expect(
      eventDefect({ type: "SeatsHeld", seats: [1, 2], at: 5, note: undefined, raw: new Uint8Array(2) }),
    ).toBe(undefined);
  });

  it("checks an event after decoding against the type stored beside it", () => {
    const payload = encodeEvent({ type: "SeatsHeld", n: 1 });
    expect(() => decodeEvent(payload, "HoldExpired")).toThrow(/differs from the stored type/);
    expect(() => decodeEvent(encodeEvent({ n: 1 }), "SeatsHeld")).toThrow(/differs/);
    expect(() => decodeEvent(encodeState([1, 2]), "SeatsHeld")).toThrow(/not an object/);
    expect(() => decodeEvent(payload.subarray(0, payload.length - 3), "SeatsHeld")).toThrow();
  });
});
