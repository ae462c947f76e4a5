import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import {
  evolveEngine,
  initialEngineState,
  scheduleOf,
  streamOf,
  walletOf,
  type EngineEvent,
} from "../../src/engine/engine-state.ts";
import { idempotencyKeyRecorded } from "../../src/engine/idempotency.ts";
import { chargeReceiptOf, paymentReceiptOf } from "../../src/engine/receipts.ts";
import {
  balanceCharged,
  concertCreated,
  CONCERT_ID,
  holdCancelled,
  holdExpired,
  paymentDebited,
  PRICE,
  reservationConfirmed,
  SCHEDULE_ID,
  seatsHeld,
} from "./fixtures.ts";
import { fold, T0_MS } from "./spec.ts";

const engine = { evolve: evolveEngine, initialState: initialEngineState };

describe("each event belongs to the stream of its aggregate", () => {
  it("puts concert, schedule, wallet and idempotency events in their own streams", () => {
    const receipt = { userId: "alice", balance: 1, transactionId: "tx-1" };
    const cases: [EngineEvent, string][] = [
      [concertCreated(), `concert:${CONCERT_ID}`],
      [seatsHeld("r-1", "alice", [1]), `schedule:${SCHEDULE_ID}`],
      [holdExpired("r-1"), `schedule:${SCHEDULE_ID}`],
      [holdCancelled("r-1"), `schedule:${SCHEDULE_ID}`],
      [reservationConfirmed("r-1"), `schedule:${SCHEDULE_ID}`],
      [balanceCharged("alice", "tx-1", 1, 1), "wallet:alice"],
      [paymentDebited("alice", "r-1", 1, 0), "wallet:alice"],
      [idempotencyKeyRecorded("alice", "k", "fp", { kind: "charge", receipt }, T0_MS), "idempotency:alice"],
    ];
    for (const [event, stream] of cases) {
      expect(streamOf(event), event.type).toBe(stream);
    }
  });
});

describe("the engine state", () => {
  it("starts empty", () => {
    const state = initialEngineState();
    expect(state.catalog.concerts.size).toBe(0);
    expect(state.schedules.size + state.wallets.size + state.idempotency.records.size).toBe(0);
    expect(state.reservationSchedules.size + state.userReservations.size).toBe(0);
  });

  it("indexes each reservation by schedule and each user's reservations oldest first", () => {
    const state = fold(engine, [
      concertCreated(),
      seatsHeld("r-1", "alice", [1]),
      seatsHeld("r-2", "bob", [2]),
      seatsHeld("r-3", "alice", [3]),
      holdCancelled("r-1"),
    ]);
    expect(state.reservationSchedules).toStrictEqual(
      new Map([
        ["r-1", SCHEDULE_ID],
        ["r-2", SCHEDULE_ID],
        ["r-3", SCHEDULE_ID],
      ]),
    );
    expect(state.userReservations.get("alice")).toEqual(["r-1", "r-3"]);
    expect(state.userReservations.get("bob")).toEqual(["r-2"]);
  });

  it("creates a wallet only when money moves", () => {
    const state = fold(engine, [concertCreated(), seatsHeld("r-1", "alice", [1])]);
    expect(state.wallets.has("alice")).toBe(false);
    evolveEngine(state, balanceCharged("alice", "tx-1", 10, 10));
    expect(state.wallets.get("alice")?.balance).toBe(10);
  });

  it("throws an InvariantViolation for a seat event of an unknown schedule", () => {
    expect(() => evolveEngine(initialEngineState(), seatsHeld("r-1", "alice", [1]))).toThrow(
      InvariantViolation,
    );
    expect(() => scheduleOf(initialEngineState(), "nope")).toThrow(InvariantViolation);
  });
});

describe("walletOf is for evolve: it creates an empty wallet on first use", () => {
  it("creates and keeps a zero wallet for a new user, and returns the same one after", () => {
    const state = initialEngineState();
    const wallet = walletOf(state, "alice");
    expect(wallet).toStrictEqual({ userId: "alice", balance: 0, transactions: [] });
    expect(walletOf(state, "alice")).toBe(wallet);
    expect(state.wallets.get("alice")).toBe(wallet);
  });
});

describe("receipts are read off the events that recorded them", () => {
  it("answers a charge with the balance after it", () => {
    expect(chargeReceiptOf([balanceCharged("alice", "tx-9", 5, 15)])).toStrictEqual({
      userId: "alice",
      balance: 15,
      transactionId: "tx-9",
    });
  });

  it("answers a payment with its id, amount, balance and time", () => {
    const debit = paymentDebited("alice", "r-1", 2 * PRICE, 3, T0_MS + 8);
    expect(paymentReceiptOf([reservationConfirmed("r-1"), debit])).toStrictEqual({
      paymentId: debit.paymentId,
      reservationId: "r-1",
      userId: "alice",
      amount: 2 * PRICE,
      balance: 3,
      status: "COMPLETED",
      paidAtMs: T0_MS + 8,
    });
  });

  it("throws an InvariantViolation when the event is missing", () => {
    expect(() => chargeReceiptOf([])).toThrow(InvariantViolation);
    expect(() => chargeReceiptOf([paymentDebited("alice", "r-1", 1, 0)])).toThrow(InvariantViolation);
    expect(() => paymentReceiptOf([reservationConfirmed("r-1")])).toThrow(InvariantViolation);
  });
});
