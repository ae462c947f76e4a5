import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import { evolveEngine, initialEngineState, type EngineEvent } from "../../src/engine/engine-state.ts";
import {
  checkIdempotencyKey,
  evolveIdempotency,
  idempotencyKeyRecorded,
  initialIdempotencyState,
  type IdempotencyKeyRecorded,
  type IdempotencyState,
} from "../../src/engine/idempotency.ts";
import { IDEMPOTENCY_KEY_TTL_MS } from "../../src/engine/limits.ts";
import type { KeyedResult } from "../../src/engine/receipts.ts";
import { fold, T0_MS } from "./spec.ts";

const HOUR_MS = 60 * 60 * 1000;

function chargeResult(transactionId: string, balance: number): KeyedResult {
  return { kind: "charge", receipt: { userId: "alice", balance, transactionId } };
}

function recorded(
  key: string,
  atMs = T0_MS,
  userId = "alice",
  fingerprint = `fp-of-${key}`,
): IdempotencyKeyRecorded<KeyedResult> {
  return idempotencyKeyRecorded(userId, key, fingerprint, chargeResult(`tx-of-${key}`, 100), atMs);
}

function given(events: IdempotencyKeyRecorded<KeyedResult>[]): IdempotencyState<KeyedResult> {
  return fold({ evolve: evolveIdempotency, initialState: initialIdempotencyState<KeyedResult> }, events);
}

describe("the same key and the same request answer the original result", () => {
  it("treats a key never seen as new", () => {
    expect(checkIdempotencyKey(given([]), "alice", "k-1", "fp-of-k-1")).toStrictEqual({ kind: "new" });
  });

  it("replays the recorded result for the same key and fingerprint", () => {
    const state = given([recorded("k-1")]);
    expect(checkIdempotencyKey(state, "alice", "k-1", "fp-of-k-1")).toStrictEqual({
      kind: "replay",
      result: chargeResult("tx-of-k-1", 100),
    });
  });

  it("records the key, the fingerprint, the result and the time in one event", () => {
    expect(recorded("k-1", T0_MS + 5)).toStrictEqual({
      type: "IdempotencyKeyRecorded",
      userId: "alice",
      key: "k-1",
      fingerprint: "fp-of-k-1",
      result: chargeResult("tx-of-k-1", 100),
      atMs: T0_MS + 5,
    });
  });
});

describe("the same key with a different request is refused", () => {
  it("answers IDEMPOTENCY_KEY_REUSED for another fingerprint", () => {
    const check = checkIdempotencyKey(given([recorded("k-1")]), "alice", "k-1", "another request");
    expect(check.kind).toBe("reused");
    expect(check.kind === "reused" ? check.rejection.code : undefined).toBe("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("keys are scoped to the user", () => {
  it("treats another user's key as new", () => {
    expect(checkIdempotencyKey(given([recorded("k-1")]), "bob", "k-1", "fp-of-k-1")).toStrictEqual({
      kind: "new",
    });
  });

  it("lets two users record the same key", () => {
    const state = given([recorded("k-1"), recorded("k-1", T0_MS, "bob", "bob's request")]);
    expect(checkIdempotencyKey(state, "alice", "k-1", "fp-of-k-1").kind).toBe("replay");
    expect(checkIdempotencyKey(state, "bob", "k-1", "bob's request").kind).toBe("replay");
    expect(checkIdempotencyKey(state, "bob", "k-1", "fp-of-k-1").kind).toBe("reused");
  });
});

describe("keys are kept at least 24 hours", () => {
  it("still replays a key when a newer one is recorded one millisecond short of 24 hours later", () => {
    const state = given([recorded("k-1"), recorded("k-2", T0_MS + IDEMPOTENCY_KEY_TTL_MS - 1)]);
    expect(checkIdempotencyKey(state, "alice", "k-1", "fp-of-k-1").kind).toBe("replay");
  });

  it("forgets a key once a newer key is recorded 24 hours after it", () => {
    const state = given([recorded("k-1"), recorded("k-2", T0_MS + IDEMPOTENCY_KEY_TTL_MS)]);
    expect(checkIdempotencyKey(state, "alice", "k-1", "fp-of-k-1")).toStrictEqual({ kind: "new" });
    expect(checkIdempotencyKey(state, "alice", "k-2", "fp-of-k-2").kind).toBe("replay");
  });

  it("forgets the oldest keys first, of every user, and keeps the younger ones", () => {
    const state = given([
      recorded("k-1"),
      recorded("k-b", T0_MS + HOUR_MS, "bob"),
      recorded("k-2", T0_MS + 2 * HOUR_MS),
      recorded("k-3", T0_MS + IDEMPOTENCY_KEY_TTL_MS + HOUR_MS),
    ]);
    expect([...state.records.values()].map((record) => `${record.userId}/${record.key}`)).toEqual([
      "alice/k-2",
      "alice/k-3",
    ]);
  });

  it("accepts a forgotten key again as a new request", () => {
    const state = given([
      recorded("k-1"),
      recorded("k-2", T0_MS + IDEMPOTENCY_KEY_TTL_MS),
      recorded("k-1", T0_MS + IDEMPOTENCY_KEY_TTL_MS + 1, "alice", "a new request"),
    ]);
    expect(checkIdempotencyKey(state, "alice", "k-1", "a new request").kind).toBe("replay");
    expect(checkIdempotencyKey(state, "alice", "k-1", "fp-of-k-1").kind).toBe("reused");
  });
});

describe("evolve refuses a key recorded twice", () => {
  it("throws an InvariantViolation when a remembered key is recorded again", () => {
    const state = given([recorded("k-1")]);
    expect(() => evolveIdempotency(state, recorded("k-1", T0_MS + 1))).toThrow(InvariantViolation);
  });
});

describe("keys are journaled with the engine's events", () => {
  it("are remembered by the engine state and rebuilt by replay, forgetting the same keys", () => {
    const events: EngineEvent[] = [
      recorded("k-1"),
      recorded("k-2", T0_MS + HOUR_MS),
      recorded("k-3", T0_MS + IDEMPOTENCY_KEY_TTL_MS + 1),
    ];
    const live = initialEngineState();
    for (const event of events) {
      evolveEngine(live, event);
    }
    expect(checkIdempotencyKey(live.idempotency, "alice", "k-1", "fp-of-k-1").kind).toBe("new");
    expect(checkIdempotencyKey(live.idempotency, "alice", "k-2", "fp-of-k-2").kind).toBe("replay");
    expect(fold({ evolve: evolveEngine, initialState: initialEngineState }, events)).toStrictEqual(live);
  });
});
