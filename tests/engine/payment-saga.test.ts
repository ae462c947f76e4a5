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
import {
  abortsDue,
  commandOnFundsAnswer,
  decidePaymentSaga,
  evolvePaymentSaga,
  initialPaymentSagaState,
  isPaymentSagaEvent,
  paymentAnswerOf,
  unfinishedSagas,
  type PaymentAborted,
  type PaymentSagaCommand,
  type PaymentSagaEvent,
  type PaymentSagaState,
  type PaymentStarted,
} from "../../src/engine/payment-saga.ts";
import { rejection } from "../../src/engine/rejection.ts";
import { reservationOf, SEAT_BOOKED } from "../../src/engine/schedule.ts";
import {
  concertCreated,
  HOLD_TTL_MS,
  holdCancelled,
  PRICE,
  reservationConfirmed,
  SCHEDULE_ID,
  seatsHeld,
  tokenIssued,
  tokenOf,
  tokenUsed,
} from "./fixtures.ts";
import { deciderSpec, fold, T0_MS, type Decider } from "./spec.ts";

/**
 * The coordinator's half of a cross-shard payment (payment-saga.ts), decided over the sagas, the
 * schedule and the token's waiting room; the given events set all three up.
 */
interface Coordinator {
  readonly engine: EngineState;
  readonly sagas: PaymentSagaState;
}
type CoordinatorEvent = EngineEvent | PaymentSagaEvent;

const sagaDecider: Decider<Coordinator, PaymentSagaCommand, CoordinatorEvent> = {
  decide: (state, command, ctx) =>
    decidePaymentSaga(
      state.sagas,
      scheduleOf(state.engine, SCHEDULE_ID),
      waitingRoomOf(state.engine, "concert-1"),
      command,
      ctx,
    ),
  evolve: (state, event) => {
    if (isPaymentSagaEvent(event)) {
      evolvePaymentSaga(state.sagas, event);
    } else {
      evolveEngine(state.engine, event);
    }
    return state;
  },
  initialState: () => ({ engine: initialEngineState(), sagas: initialPaymentSagaState() }),
};
const spec = deciderSpec(sagaDecider);

const TWO_SEATS = 2 * PRICE;
const DEADLINE_MS = T0_MS + HOLD_TTL_MS;
const AT_MS = T0_MS + 1_000;

/** Alice and bob have ACTIVE tokens; alice holds seats 1 and 2 as r-1 since T0. */
const ALICE_HOLDS: CoordinatorEvent[] = [
  concertCreated(),
  tokenIssued("alice"),
  tokenIssued("bob"),
  seatsHeld("r-1", "alice", [1, 2]),
];

function start(paymentId = "p-1", userId = "alice", reservationId = "r-1"): PaymentSagaCommand {
  return { type: "StartPayment", paymentId, userId, reservationId, token: tokenOf(userId) };
}

function started(paymentId = "p-1", atMs = AT_MS): PaymentStarted {
  return {
    type: "PaymentStarted",
    scheduleId: SCHEDULE_ID,
    paymentId,
    reservationId: "r-1",
    userId: "alice",
    token: tokenOf("alice"),
    amount: TWO_SEATS,
    atMs,
  };
}

function aborted(reason: ReturnType<typeof rejection>, settled: boolean, atMs = AT_MS): PaymentAborted {
  return {
    type: "PaymentAborted",
    scheduleId: SCHEDULE_ID,
    paymentId: "p-1",
    reservationId: "r-1",
    reason,
    settled,
    atMs,
  };
}

const complete = (paymentId = "p-1"): PaymentSagaCommand => ({
  type: "CompleteSale",
  paymentId,
  spendableAfter: 50_000,
});

const STARTED = [...ALICE_HOLDS, started()];

function completedEvents(atMs = AT_MS): CoordinatorEvent[] {
  return [
    reservationConfirmed("r-1", "p-1", atMs),
    tokenUsed("alice", atMs),
    {
      type: "PaymentCompleted",
      scheduleId: SCHEDULE_ID,
      paymentId: "p-1",
      reservationId: "r-1",
      userId: "alice",
      amount: TWO_SEATS,
      balanceAfter: 50_000,
      atMs,
    },
  ];
}

describe("starting a payment", () => {
  it("journals the start with the hold's amount, and needs the wallet to reserve it", () => {
    const state = spec.given(ALICE_HOLDS).when(start(), { nowMs: AT_MS }).then([started()]);
    expect(unfinishedSagas(state.sagas)).toStrictEqual([
      { type: "ReserveFunds", paymentId: "p-1", userId: "alice", reservationId: "r-1", amount: TWO_SEATS },
    ]);
    // Nothing is sold yet: the seats stay held.
    expect(reservationOf(scheduleOf(state.engine, SCHEDULE_ID), "r-1")?.status).toBe("HELD");
  });

  it("refuses what a one-shard payment refuses, before touching the wallet", () => {
    spec
      .given(ALICE_HOLDS)
      .when(start("p-1", "alice", "r-9"))
      .thenRejects("RESERVATION_NOT_FOUND");
    spec.given(ALICE_HOLDS).when(start("p-1", "bob")).thenRejects("NOT_OWNER");
    spec.given(ALICE_HOLDS).when(start(), { nowMs: DEADLINE_MS }).thenRejects("HOLD_EXPIRED");
    spec
      .given([...ALICE_HOLDS, holdCancelled("r-1")])
      .when(start())
      .thenRejects("HOLD_EXPIRED");
    spec
      .given([...ALICE_HOLDS, tokenUsed("alice")])
      .when(start())
      .thenRejects("TOKEN_EXPIRED");
    spec
      .given([...ALICE_HOLDS, reservationConfirmed("r-1", "p-0")])
      .when(start())
      .thenRejects("ALREADY_PAID");
  });

  it("allows one payment of a reservation at a time", () => {
    spec.given(STARTED).when(start("p-2")).thenRejects("PAYMENT_IN_PROGRESS");
    spec
      .given([...STARTED, aborted(rejection("INSUFFICIENT_BALANCE", "short"), true)])
      .when(start("p-2"), { nowMs: AT_MS })
      .then([started("p-2")]);
  });

  it("answers a retry with the same payment id from the saga, even once the reservation is paid", () => {
    spec.given(STARTED).when(start()).thenNothingHappens();
    spec
      .given([...STARTED, ...completedEvents()])
      .when(start())
      .thenNothingHappens();
    spec
      .given(STARTED)
      .when(start("p-1", "alice", "r-2"))
      .thenRejects("IDEMPOTENCY_KEY_REUSED");
  });
});

describe("completing the sale once the wallet reserved", () => {
  it("books the seats, spends the token and completes the payment in one entry", () => {
    const state = spec.given(STARTED).when(complete(), { nowMs: AT_MS }).then(completedEvents());
    const schedule = scheduleOf(state.engine, SCHEDULE_ID);
    expect([schedule.seats[0], schedule.seats[1]]).toEqual([SEAT_BOOKED, SEAT_BOOKED]);
    expect(reservationOf(schedule, "r-1")).toMatchObject({ status: "CONFIRMED", paymentId: "p-1" });
    expect(unfinishedSagas(state.sagas)).toStrictEqual([
      { type: "PostFunds", paymentId: "p-1", userId: "alice" },
    ]);
    const saga = state.sagas.sagas.get("p-1");
    expect(saga && paymentAnswerOf(saga)).toStrictEqual({
      status: "COMPLETED",
      receipt: {
        paymentId: "p-1",
        reservationId: "r-1",
        userId: "alice",
        amount: TWO_SEATS,
        balance: 50_000,
        status: "COMPLETED",
        paidAtMs: AT_MS,
      },
    });
  });

  it("aborts instead when the hold ended in the meantime, and the wallet must void", () => {
    const reason = rejection("HOLD_EXPIRED", "the hold has expired or was cancelled; no money was taken");
    const state = spec
      .given(STARTED)
      .when(complete(), { nowMs: DEADLINE_MS })
      .then([aborted(reason, false, DEADLINE_MS)]);
    expect(unfinishedSagas(state.sagas)).toStrictEqual([
      { type: "VoidFunds", paymentId: "p-1", userId: "alice" },
    ]);
    expect(reservationOf(scheduleOf(state.engine, SCHEDULE_ID), "r-1")?.status).toBe("HELD");
    spec
      .given([...STARTED, holdCancelled("r-1")])
      .when(complete(), { nowMs: AT_MS })
      .then([aborted(reason, false)]);
  });

  it("aborts when the token was used meanwhile by another payment", () => {
    const outcome = spec.given([...STARTED, tokenUsed("alice")]).when(complete(), { nowMs: AT_MS });
    expect(outcome.decision).toMatchObject({
      ok: true,
      events: [{ type: "PaymentAborted", reason: { code: "TOKEN_EXPIRED" }, settled: false }],
    });
  });

  it("decides a saga's end once: later answers change nothing", () => {
    const completed = [...STARTED, ...completedEvents()];
    spec.given(completed).when(complete()).thenNothingHappens();
    spec
      .given(completed)
      .when({
        type: "AbortPayment",
        paymentId: "p-1",
        reason: rejection("HOLD_EXPIRED", "x"),
        fundsRefused: false,
      })
      .thenNothingHappens();
    spec.given(ALICE_HOLDS).when(complete()).thenRejects("PAYMENT_NOT_FOUND");
  });
});

describe("aborting and settling", () => {
  it("needs no void when the wallet refused the reserve", () => {
    const reason = rejection("INSUFFICIENT_BALANCE", "the balance of 10 won is below 100000 won");
    const state = spec
      .given(STARTED)
      .when({ type: "AbortPayment", paymentId: "p-1", reason, fundsRefused: true }, { nowMs: AT_MS })
      .then([aborted(reason, true)]);
    expect(unfinishedSagas(state.sagas)).toStrictEqual([]);
    const saga = state.sagas.sagas.get("p-1");
    expect(saga && paymentAnswerOf(saga)).toStrictEqual({ status: "ABORTED", rejection: reason });
  });

  it("settles when the wallet confirms the post or the void, and once only", () => {
    const completed = [...STARTED, ...completedEvents()];
    const state = spec
      .given(completed)
      .when({ type: "SettlePayment", paymentId: "p-1", funds: "POSTED" }, { nowMs: AT_MS })
      .then([
        { type: "PaymentSettled", scheduleId: SCHEDULE_ID, paymentId: "p-1", funds: "POSTED", atMs: AT_MS },
      ]);
    expect(unfinishedSagas(state.sagas)).toStrictEqual([]);
    spec
      .given([
        ...completed,
        { type: "PaymentSettled", scheduleId: SCHEDULE_ID, paymentId: "p-1", funds: "POSTED", atMs: AT_MS },
      ])
      .when({ type: "SettlePayment", paymentId: "p-1", funds: "POSTED" })
      .thenNothingHappens();
  });

  it("treats a wallet outcome that contradicts the sale as a broken invariant", () => {
    const completed = fold(sagaDecider, [...STARTED, ...completedEvents()]);
    expect(() =>
      sagaDecider.decide(
        completed,
        { type: "SettlePayment", paymentId: "p-1", funds: "VOIDED" },
        {
          nowMs: AT_MS,
          newId: () => "x",
        },
      ),
    ).toThrow(InvariantViolation);
  });

  it("names the sagas to abort once their hold has ended, without waiting for the wallet", () => {
    const state = fold(sagaDecider, STARTED);
    const schedule = scheduleOf(state.engine, SCHEDULE_ID);
    expect(abortsDue(state.sagas, schedule, DEADLINE_MS - 1)).toStrictEqual([]);
    expect(abortsDue(state.sagas, schedule, DEADLINE_MS)).toMatchObject([
      { type: "AbortPayment", paymentId: "p-1", reason: { code: "HOLD_EXPIRED" }, fundsRefused: false },
    ]);
  });
});

describe("the coordinator's step on each answer of the wallet", () => {
  const pending = fold(sagaDecider, STARTED).sagas;
  const completed = fold(sagaDecider, [...STARTED, ...completedEvents()]).sagas;
  const abortedState = fold(sagaDecider, [...STARTED, aborted(rejection("HOLD_EXPIRED", "x"), false)]).sagas;
  const refusal = rejection("INSUFFICIENT_BALANCE", "short");

  it("sells on a reserve, aborts on a refusal, and settles on a post or void", () => {
    expect(
      commandOnFundsAnswer(pending, { paymentId: "p-1", status: "RESERVED", spendableAfter: 7 }),
    ).toStrictEqual({
      type: "CompleteSale",
      paymentId: "p-1",
      spendableAfter: 7,
    });
    expect(
      commandOnFundsAnswer(pending, { paymentId: "p-1", status: "REFUSED", rejection: refusal }),
    ).toStrictEqual({
      type: "AbortPayment",
      paymentId: "p-1",
      reason: refusal,
      fundsRefused: true,
    });
    expect(commandOnFundsAnswer(completed, { paymentId: "p-1", status: "POSTED" })).toStrictEqual({
      type: "SettlePayment",
      paymentId: "p-1",
      funds: "POSTED",
    });
    expect(commandOnFundsAnswer(abortedState, { paymentId: "p-1", status: "VOIDED" })).toStrictEqual({
      type: "SettlePayment",
      paymentId: "p-1",
      funds: "VOIDED",
    });
  });

  it("ignores a late reserve of a saga that has moved on, and answers about unknown payments", () => {
    expect(
      commandOnFundsAnswer(completed, { paymentId: "p-1", status: "RESERVED", spendableAfter: 7 }),
    ).toBeUndefined();
    expect(commandOnFundsAnswer(pending, { paymentId: "p-9", status: "POSTED" })).toBeUndefined();
  });

  it("lists what each unfinished saga needs next, oldest first", () => {
    const state = fold(sagaDecider, [
      ...ALICE_HOLDS,
      seatsHeld("r-2", "alice", [5]),
      started(),
      { ...started("p-2"), reservationId: "r-2", amount: PRICE },
      ...completedEvents(),
    ]);
    expect(unfinishedSagas(state.sagas).map((message) => [message.type, message.paymentId])).toEqual([
      ["PostFunds", "p-1"],
      ["ReserveFunds", "p-2"],
    ]);
  });
});
