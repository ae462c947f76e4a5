import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import {
  evolveEngine,
  findReservation,
  initialEngineState,
  reservationsOfUser,
  restoreEngineState,
  scheduleOf,
  scheduleOfReservation,
  snapshotOf,
  streamOf,
  walletOf,
  type EngineEvent,
  type StoredEngineState,
} from "../../src/engine/engine-state.ts";
import { SCHEDULE_TABLE_SLOTS_INITIAL } from "../../src/engine/schedule.ts";
import { decodeState, encodeState } from "../../src/persistence/codec.ts";
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
import { initialWalletState, type WalletState } from "../../src/engine/wallet.ts";

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
    expect(state.reservations.count).toBe(0);
    expect(state.reservationLookup.reservationIds.length + state.reservationLookup.newestOfUser.size).toBe(0);
  });

  it("finds each reservation by id, and lists each user's reservations newest first", () => {
    const state = fold(engine, [
      concertCreated(),
      seatsHeld("r-1", "alice", [1]),
      seatsHeld("r-2", "bob", [2]),
      seatsHeld("r-3", "alice", [3]),
      holdCancelled("r-1"),
    ]);
    expect(scheduleOfReservation(state, "r-2")?.scheduleId).toBe(SCHEDULE_ID);
    expect(scheduleOfReservation(state, "r-9")).toBeUndefined();
    expect(findReservation(state, "r-1")).toMatchObject({ userId: "alice", status: "CANCELLED" });
    expect(findReservation(state, "r-9")).toBeUndefined();
    expect(reservationsOfUser(state, "alice").map((r) => r.reservationId)).toEqual(["r-3", "r-1"]);
    expect(reservationsOfUser(state, "bob").map((r) => r.reservationId)).toEqual(["r-2"]);
    expect(reservationsOfUser(state, "carol")).toEqual([]);
  });

  it("grows the hold table the same way whenever the same events are folded", () => {
    const holds = 3 * SCHEDULE_TABLE_SLOTS_INITIAL;
    const events: EngineEvent[] = [concertCreated(holds)];
    for (let i = 1; i <= holds; i += 1) {
      events.push(seatsHeld(`r-${i}`, `user-${i}`, [i]));
    }
    const state = fold(engine, events);
    expect(scheduleOf(state, SCHEDULE_ID).holds.count).toBe(holds);
    expect(scheduleOf(state, SCHEDULE_ID).holds.status.length).toBeGreaterThan(holds);
    expect(fold(engine, events)).toStrictEqual(state);
    expect(findReservation(state, `r-${holds}`)?.seatNumbers).toEqual([holds]);
  });
});

describe("a snapshot", () => {
  const events: EngineEvent[] = [
    concertCreated(),
    seatsHeld("r-1", "alice", [1, 2]),
    seatsHeld("r-2", "bob", [3]),
    reservationConfirmed("r-1"),
    seatsHeld("r-3", "bob", [4]),
    holdExpired("r-3"),
  ];

  it("stores the tables without the lookup maps, which repeat every id", () => {
    const stored = snapshotOf(fold(engine, events));
    expect(stored).not.toHaveProperty("reservationLookup");
    expect(stored.schedules.get(SCHEDULE_ID)).not.toHaveProperty("lookup");
  });

  it("restores, through the snapshot codec, a state equal to the one it was taken of", () => {
    const state = fold(engine, events);
    const decoded = decodeState(encodeState(snapshotOf(state))) as StoredEngineState;
    const restored = restoreEngineState(decoded);
    expect(restored).toStrictEqual(state);
    // And it goes on exactly as the original does.
    for (const next of [seatsHeld("r-4", "carol", [5]), holdCancelled("r-2")]) {
      evolveEngine(state, next);
      evolveEngine(restored, next);
    }
    expect(restored).toStrictEqual(state);
  });
});

describe("a snapshot with cross-shard payments", () => {
  const started = (paymentId: string, reservationId: string, userId: string): EngineEvent => ({
    type: "PaymentStarted",
    scheduleId: SCHEDULE_ID,
    paymentId,
    reservationId,
    userId,
    token: `${CONCERT_ID}.1.secret`,
    amount: PRICE,
    atMs: T0_MS + 1,
  });
  const events: EngineEvent[] = [
    concertCreated(),
    seatsHeld("r-1", "alice", [1]),
    seatsHeld("r-2", "bob", [2]),
    started("p-1", "r-1", "alice"),
    started("p-2", "r-2", "bob"),
    {
      type: "PaymentAborted",
      scheduleId: SCHEDULE_ID,
      paymentId: "p-2",
      reservationId: "r-2",
      reason: { code: "INSUFFICIENT_BALANCE", message: "no" },
      settled: false,
      atMs: T0_MS + 2,
    },
    balanceCharged("carol", "tx-1", 5 * PRICE, 5 * PRICE),
    {
      type: "FundsReserved",
      userId: "carol",
      paymentId: "s1-p-9",
      reservationId: "s1-r-9",
      amount: PRICE,
      spendableAfter: 4 * PRICE,
      atMs: T0_MS + 3,
    },
    { type: "FundsVoided", userId: "carol", paymentId: "s1-p-8", amount: 0, atMs: T0_MS + 4 },
  ];

  it("puts a saga's events in the payment's stream, and a wallet's in the wallet's", () => {
    expect(streamOf(events[3] as EngineEvent)).toBe("payment:p-1");
    expect(streamOf(events[7] as EngineEvent)).toBe("wallet:carol");
  });

  it("restores the sagas and the pending funds, with the sagas' indexes rebuilt, and goes on alike", () => {
    const state = fold(engine, events);
    const stored = snapshotOf(state);
    expect(stored.paymentSagas).toStrictEqual({ sagas: state.paymentSagas.sagas });
    const restored = restoreEngineState(decodeState(encodeState(stored)) as StoredEngineState);
    expect(restored).toStrictEqual(state);
    expect([...restored.paymentSagas.unsettled]).toEqual(["p-1", "p-2"]);
    expect([...restored.paymentSagas.inFlightByReservation]).toEqual([["r-1", "p-1"]]);
    const next: EngineEvent = {
      type: "PaymentSettled",
      scheduleId: SCHEDULE_ID,
      paymentId: "p-2",
      funds: "VOIDED",
      atMs: T0_MS + 5,
    };
    evolveEngine(state, next);
    evolveEngine(restored, next);
    expect(restored).toStrictEqual(state);
  });

  it("loads a snapshot written before cross-shard payments, which has no sagas", () => {
    const state = fold(engine, events.slice(0, 3));
    const { paymentSagas, ...old } = snapshotOf(state);
    expect(paymentSagas?.sagas.size).toBe(0);
    const restored = restoreEngineState(decodeState(encodeState(old)) as StoredEngineState);
    expect(restored).toStrictEqual(state);
    expect(restored.paymentSagas.sagas.size).toBe(0);
  });
});

describe("the engine state, folded", () => {
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
    const wallet = initialWalletState("alice");
    expect(chargeReceiptOf([balanceCharged("alice", "tx-9", 5, 15)], wallet)).toStrictEqual({
      userId: "alice",
      balance: 15,
      transactionId: "tx-9",
    });
  });

  it("answers a charge with what the user can spend, leaving out funds a payment in flight reserved", () => {
    const wallet: WalletState = {
      userId: "alice",
      balance: 15,
      transactions: [],
      pendingFunds: new Map([
        ["p-1", { paymentId: "p-1", reservationId: "r-1", amount: 4, atMs: T0_MS, spendableAfter: 6 }],
      ]),
    };
    expect(chargeReceiptOf([balanceCharged("alice", "tx-9", 5, 15)], wallet).balance).toBe(11);
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
    const wallet = initialWalletState("alice");
    expect(() => chargeReceiptOf([], wallet)).toThrow(InvariantViolation);
    expect(() => chargeReceiptOf([paymentDebited("alice", "r-1", 1, 0)], wallet)).toThrow(InvariantViolation);
    expect(() => paymentReceiptOf([reservationConfirmed("r-1")])).toThrow(InvariantViolation);
  });
});
