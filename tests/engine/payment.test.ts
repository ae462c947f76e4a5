import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import {
  evolveEngine,
  initialEngineState,
  scheduleOf,
  waitingRoomOf,
  type EngineEvent,
  type EngineState,
} from "../../src/engine/engine-state.ts";
import { decidePayment, type PayReservation } from "../../src/engine/payment.ts";
import { SEAT_PRICE_WON_MAX, SEATS_PER_HOLD_MAX } from "../../src/engine/limits.ts";
import { reservationOf, SEAT_BOOKED, SEAT_HELD } from "../../src/engine/schedule.ts";
import { initialWalletState } from "../../src/engine/wallet.ts";
import {
  balanceCharged,
  CONCERT_ID,
  concertCreated,
  HOLD_TTL_MS,
  holdCancelled,
  holdExpired,
  paymentDebited,
  PRICE,
  reservationConfirmed,
  SCHEDULE_ID,
  seatsHeld,
  tokenIssued,
  tokenOf,
  tokenUsed,
} from "./fixtures.ts";
import { contextAt, deciderSpec, fold, T0_MS, type Decider } from "./spec.ts";

/**
 * Payment is decided over two aggregates, so its specs run on the whole engine state: the given
 * events set up the schedule, the holds and the wallets through `evolveEngine`. The payer's wallet
 * is read the way the actor reads it, without creating one for a user who never charged.
 */
const paymentDecider: Decider<EngineState, PayReservation, EngineEvent> = {
  decide: (state, command, ctx) =>
    decidePayment(
      scheduleOf(state, SCHEDULE_ID),
      state.wallets.get(command.userId) ?? initialWalletState(command.userId),
      waitingRoomOf(state, CONCERT_ID),
      command,
      ctx,
    ),
  evolve: evolveEngine,
  initialState: initialEngineState,
};
const spec = deciderSpec(paymentDecider);

const TWO_SEATS = 2 * PRICE;
const DEADLINE_MS = T0_MS + HOLD_TTL_MS;

/**
 * The three events of alice paying r-1, decided with a fresh id sequence (payment id-1, transaction
 * id-2): the seats are booked, the money taken and her token spent.
 */
function alicePaid(amount: number, balanceAfter: number, atMs = T0_MS): EngineEvent[] {
  return [
    reservationConfirmed("r-1", "id-1", atMs),
    {
      ...paymentDebited("alice", "r-1", amount, balanceAfter, atMs),
      transactionId: "id-2",
      paymentId: "id-1",
    },
    tokenUsed("alice", atMs),
  ];
}

function pay(userId: string, reservationId = "r-1"): PayReservation {
  return { type: "PayReservation", userId, reservationId, token: tokenOf(userId) };
}

/** Alice has `balance` won and holds seats 1 and 2 (100,000 won) as r-1 since T0; she and bob have ACTIVE tokens. */
function aliceHolds(balance: number): EngineEvent[] {
  return [
    concertCreated(),
    tokenIssued("alice"),
    tokenIssued("bob"),
    ...(balance > 0 ? [balanceCharged("alice", "tx-1", balance, balance)] : []),
    seatsHeld("r-1", "alice", [1, 2]),
  ];
}

describe("paying a live hold", () => {
  it("confirms the reservation and debits its amount, both under one payment id", () => {
    const atMs = T0_MS + 60_000;
    const state = spec
      .given(aliceHolds(150_000))
      .when(pay("alice"), { nowMs: atMs })
      .then([
        {
          type: "ReservationConfirmed",
          scheduleId: SCHEDULE_ID,
          reservationId: "r-1",
          paymentId: "id-1",
          atMs,
        },
        {
          type: "PaymentDebited",
          userId: "alice",
          transactionId: "id-2",
          paymentId: "id-1",
          reservationId: "r-1",
          amount: TWO_SEATS,
          balanceAfter: 50_000,
          atMs,
        },
        tokenUsed("alice", atMs),
      ]);
    const schedule = scheduleOf(state, SCHEDULE_ID);
    expect([schedule.seats[0], schedule.seats[1]]).toEqual([SEAT_BOOKED, SEAT_BOOKED]);
    expect([schedule.availableCount, schedule.heldCount, schedule.bookedCount]).toEqual([8, 0, 2]);
    expect(reservationOf(schedule, "r-1")).toMatchObject({
      status: "CONFIRMED",
      paymentId: "id-1",
      paidAtMs: atMs,
    });
    expect(state.wallets.get("alice")?.balance).toBe(50_000);
    expect(state.wallets.get("alice")?.transactions.map((t) => [t.type, t.amount, t.balanceAfter])).toEqual([
      ["CHARGE", 150_000, 150_000],
      ["PAYMENT", TWO_SEATS, 50_000],
    ]);
  });

  it("pays with exactly the amount due, leaving a balance of zero", () => {
    const state = spec.given(aliceHolds(TWO_SEATS)).when(pay("alice")).then(alicePaid(TWO_SEATS, 0));
    expect(state.wallets.get("alice")?.balance).toBe(0);
  });

  it("pays one millisecond before the deadline", () => {
    spec
      .given(aliceHolds(TWO_SEATS))
      .when(pay("alice"), { nowMs: DEADLINE_MS - 1 })
      .then(alicePaid(TWO_SEATS, 0, DEADLINE_MS - 1));
  });

  it(`pays the most expensive hold: ${SEATS_PER_HOLD_MAX} seats at the highest price`, () => {
    const amount = SEATS_PER_HOLD_MAX * SEAT_PRICE_WON_MAX;
    const charges = Array.from({ length: amount / 1_000_000 }, (_, i) =>
      balanceCharged("alice", `tx-${i + 1}`, 1_000_000, (i + 1) * 1_000_000),
    );
    const state = spec
      .given([
        concertCreated(10, SEAT_PRICE_WON_MAX),
        tokenIssued("alice"),
        ...charges,
        seatsHeld("r-1", "alice", [1, 2, 3, 4], T0_MS, SEAT_PRICE_WON_MAX),
      ])
      .when(pay("alice"))
      .then(alicePaid(amount, 0));
    expect(scheduleOf(state, SCHEDULE_ID).bookedCount).toBe(4);
  });
});

describe("only a HELD reservation of the payer can be paid", () => {
  it("refuses an unknown reservation", () => {
    spec.given(aliceHolds(TWO_SEATS)).when(pay("alice", "nope")).thenRejects("RESERVATION_NOT_FOUND");
  });

  it("refuses another user's hold, and takes nothing from either wallet", () => {
    spec
      .given([...aliceHolds(TWO_SEATS), balanceCharged("bob", "tx-bob", TWO_SEATS, TWO_SEATS)])
      .when(pay("bob"))
      .thenRejects("NOT_OWNER");
  });

  it("refuses when the wallet handed in belongs to someone other than the payer", () => {
    const state = fold(paymentDecider, [
      ...aliceHolds(TWO_SEATS),
      balanceCharged("bob", "tx-bob", TWO_SEATS, TWO_SEATS),
    ]);
    const bobsWallet = state.wallets.get("bob");
    expect(bobsWallet).toBeDefined();
    const decision = decidePayment(
      scheduleOf(state, SCHEDULE_ID),
      bobsWallet ?? initialWalletState("bob"),
      waitingRoomOf(state, CONCERT_ID),
      pay("alice"),
      contextAt(T0_MS),
    );
    expect(decision.ok ? undefined : decision.rejection.code).toBe("NOT_OWNER");
  });

  it("refuses to pay a reservation twice", () => {
    spec
      .given([
        ...aliceHolds(3 * TWO_SEATS),
        reservationConfirmed("r-1"),
        paymentDebited("alice", "r-1", TWO_SEATS, 2 * TWO_SEATS),
      ])
      .when(pay("alice"), { nowMs: T0_MS + 2_000 })
      .thenRejects("ALREADY_PAID");
  });

  it("answers ALREADY_PAID rather than HOLD_EXPIRED for a paid reservation after its hold deadline", () => {
    spec
      .given([
        ...aliceHolds(TWO_SEATS),
        reservationConfirmed("r-1"),
        paymentDebited("alice", "r-1", TWO_SEATS, 0),
      ])
      .when(pay("alice"), { nowMs: DEADLINE_MS + 1 })
      .thenRejects("ALREADY_PAID");
  });
});

describe("a payment spends the token it is made with", () => {
  it("refuses a second payment with a token that already paid, and takes nothing", () => {
    spec
      .given([
        ...aliceHolds(3 * TWO_SEATS),
        seatsHeld("r-2", "alice", [3, 4]),
        ...alicePaid(TWO_SEATS, 2 * TWO_SEATS, T0_MS + 1_000),
      ])
      .when(pay("alice", "r-2"), { nowMs: T0_MS + 2_000 })
      .thenRejects("TOKEN_EXPIRED");
  });

  it("refuses a payment made with another fan's token", () => {
    spec
      .given(aliceHolds(TWO_SEATS))
      .when({ ...pay("alice"), token: tokenOf("carol") }, { nowMs: T0_MS + 2_000 })
      .thenRejects("TOKEN_INVALID");
  });
});

describe("an expired or cancelled hold cannot be paid, and no money moves", () => {
  it("refuses a hold that has expired", () => {
    spec
      .given([...aliceHolds(TWO_SEATS), holdExpired("r-1")])
      .when(pay("alice"), { nowMs: DEADLINE_MS })
      .thenRejects("HOLD_EXPIRED");
  });

  it("refuses a hold that was cancelled", () => {
    spec
      .given([...aliceHolds(TWO_SEATS), holdCancelled("r-1")])
      .when(pay("alice"), { nowMs: T0_MS + 2_000 })
      .thenRejects("HOLD_EXPIRED");
  });

  it("refuses a hold at its deadline even before its ExpireHold message is handled", () => {
    const outcome = spec.given(aliceHolds(TWO_SEATS)).when(pay("alice"), { nowMs: DEADLINE_MS });
    outcome.thenRejects("HOLD_EXPIRED");
    expect(reservationOf(scheduleOf(outcome.state, SCHEDULE_ID), "r-1")?.status).toBe("HELD");
  });

  it("answers HOLD_EXPIRED rather than INSUFFICIENT_BALANCE when the hold is gone and the wallet short", () => {
    spec
      .given([...aliceHolds(0), holdExpired("r-1")])
      .when(pay("alice"), { nowMs: DEADLINE_MS })
      .thenRejects("HOLD_EXPIRED");
  });
});

describe("a short balance changes nothing and the hold stays", () => {
  it("refuses a payer who never charged, reporting balance and amount", () => {
    const outcome = spec.given(aliceHolds(0)).when(pay("alice"));
    outcome.thenRejects("INSUFFICIENT_BALANCE", { balance: 0, amount: TWO_SEATS });
    expect(outcome.state.wallets.has("alice")).toBe(false);
  });

  it("refuses a balance one won short, and the hold can still be paid after a charge", () => {
    const short = spec.given(aliceHolds(TWO_SEATS - 1)).when(pay("alice"));
    short.thenRejects("INSUFFICIENT_BALANCE", { balance: TWO_SEATS - 1, amount: TWO_SEATS });
    const schedule = scheduleOf(short.state, SCHEDULE_ID);
    expect(reservationOf(schedule, "r-1")?.status).toBe("HELD");
    expect([schedule.seats[0], schedule.seats[1]]).toEqual([SEAT_HELD, SEAT_HELD]);

    spec
      .given([...aliceHolds(TWO_SEATS - 1), balanceCharged("alice", "tx-2", 1, TWO_SEATS)])
      .when(pay("alice"), { nowMs: T0_MS + 10 })
      .then(alicePaid(TWO_SEATS, 0, T0_MS + 10));
  });
});

describe("funds reserved by a cross-shard payment in flight are not spendable", () => {
  it("refuses a payment the balance covers only with the reserved funds, reporting what is spendable", () => {
    const reserved: EngineEvent = {
      type: "FundsReserved",
      userId: "alice",
      paymentId: "s1-p-1",
      reservationId: "s1-r-1",
      amount: PRICE,
      spendableAfter: TWO_SEATS,
      atMs: T0_MS,
    };
    spec
      .given([...aliceHolds(TWO_SEATS + PRICE), reserved])
      .when(pay("alice"))
      .then(alicePaid(TWO_SEATS, PRICE));
    spec
      .given([...aliceHolds(TWO_SEATS), { ...reserved, spendableAfter: TWO_SEATS - PRICE }])
      .when(pay("alice"))
      .thenRejects("INSUFFICIENT_BALANCE", { balance: TWO_SEATS - PRICE, amount: TWO_SEATS });
  });
});

describe("evolve refuses a payment that cannot have been decided", () => {
  function given(events: EngineEvent[]): EngineState {
    return fold(paymentDecider, events);
  }

  it("throws an InvariantViolation when a debit exceeds the balance", () => {
    const state = given(aliceHolds(TWO_SEATS - 1));
    expect(() => evolveEngine(state, paymentDebited("alice", "r-1", TWO_SEATS, -1))).toThrow(
      InvariantViolation,
    );
  });

  it("throws an InvariantViolation when an expired hold is confirmed", () => {
    const state = given([...aliceHolds(TWO_SEATS), holdExpired("r-1")]);
    expect(() => evolveEngine(state, reservationConfirmed("r-1"))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when a reservation is confirmed on an unknown schedule", () => {
    const state = given(aliceHolds(TWO_SEATS));
    expect(() => evolveEngine(state, { ...reservationConfirmed("r-1"), scheduleId: "elsewhere" })).toThrow(
      InvariantViolation,
    );
  });
});
