import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import { BALANCE_WON_MAX } from "../../src/engine/limits.ts";
import { decideFunds, fundsAnswerOf, type FundsCommand } from "../../src/engine/wallet-reservation.ts";
import {
  decideWallet,
  evolveWallet,
  initialWalletState,
  pendingAmount,
  spendableBalance,
  WALLET_FUNDS_PENDING_MAX,
  type FundsEvent,
  type FundsReserved,
  type WalletEvent,
  type WalletState,
} from "../../src/engine/wallet.ts";
import { decodeState, encodeState } from "../../src/persistence/codec.ts";
import { balanceCharged, paymentDebited } from "./fixtures.ts";
import { contextAt, deciderSpec, fold, T0_MS, type Decider } from "./spec.ts";

/** The wallet's half of a cross-shard payment (wallet-reservation.ts), on alice's wallet. */
const fundsDecider: Decider<WalletState, FundsCommand, WalletEvent | FundsEvent> = {
  decide: decideFunds,
  evolve: evolveWallet,
  initialState: () => initialWalletState("alice"),
};
const spec = deciderSpec(fundsDecider);

const AT_MS = T0_MS + 1_000;

function reserve(paymentId: string, amount: number, reservationId = `r-of-${paymentId}`): FundsCommand {
  return { type: "ReserveFunds", paymentId, userId: "alice", reservationId, amount };
}
const post = (paymentId: string): FundsCommand => ({ type: "PostFunds", paymentId, userId: "alice" });
const voidFunds = (paymentId: string): FundsCommand => ({ type: "VoidFunds", paymentId, userId: "alice" });

function reserved(paymentId: string, amount: number, spendableAfter: number): FundsReserved {
  return {
    type: "FundsReserved",
    userId: "alice",
    paymentId,
    reservationId: `r-of-${paymentId}`,
    amount,
    spendableAfter,
    atMs: AT_MS,
  };
}

const charged = (amount: number): WalletEvent => balanceCharged("alice", "tx-1", amount, amount);

describe("reserving funds", () => {
  it("makes the amount pending: still in the balance, no longer spendable", () => {
    const state = spec
      .given([charged(100_000)])
      .when(reserve("p-1", 60_000), { nowMs: AT_MS })
      .then([reserved("p-1", 60_000, 40_000)]);
    expect(state.balance).toBe(100_000);
    expect(pendingAmount(state)).toBe(60_000);
    expect(spendableBalance(state)).toBe(40_000);
    expect(state.transactions).toHaveLength(1);
    expect(fundsAnswerOf(state, "p-1")).toStrictEqual({
      paymentId: "p-1",
      status: "RESERVED",
      spendableAfter: 40_000,
    });
  });

  it("refuses, and journals the refusal, when pending funds leave too little to spend", () => {
    const state = spec
      .given([charged(100_000), reserved("p-1", 60_000, 40_000)])
      .when(reserve("p-2", 50_000), { nowMs: AT_MS })
      .then([
        {
          type: "FundsReserveRefused",
          userId: "alice",
          paymentId: "p-2",
          reservationId: "r-of-p-2",
          amount: 50_000,
          reason: "INSUFFICIENT_BALANCE",
          spendable: 40_000,
          atMs: AT_MS,
        },
      ]);
    const answer = fundsAnswerOf(state, "p-2");
    expect(answer?.status).toBe("REFUSED");
    expect(answer?.status === "REFUSED" ? answer.rejection : undefined).toMatchObject({
      code: "INSUFFICIENT_BALANCE",
      details: { balance: 40_000, amount: 50_000 },
    });
  });

  it("answers a repeated reserve with its journaled outcome, even after the balance changed", () => {
    const given = [
      charged(10_000),
      {
        type: "FundsReserveRefused",
        userId: "alice",
        paymentId: "p-1",
        reservationId: "r-of-p-1",
        amount: 50_000,
        reason: "INSUFFICIENT_BALANCE",
        spendable: 10_000,
        atMs: AT_MS,
      } as const,
      balanceCharged("alice", "tx-2", 100_000, 110_000),
    ];
    spec.given(given).when(reserve("p-1", 50_000)).thenNothingHappens();
    expect(fundsAnswerOf(fold(fundsDecider, given), "p-1")?.status).toBe("REFUSED");
    spec
      .given([charged(100_000), reserved("p-1", 60_000, 40_000)])
      .when(reserve("p-1", 60_000))
      .thenNothingHappens();
  });

  it("refuses the same payment id for another amount or reservation", () => {
    const given = [charged(100_000), reserved("p-1", 60_000, 40_000)];
    spec.given(given).when(reserve("p-1", 50_000)).thenRejects("IDEMPOTENCY_KEY_REUSED");
    spec
      .given(given)
      .when(reserve("p-1", 60_000, "r-other"))
      .thenRejects("IDEMPOTENCY_KEY_REUSED");
  });

  it(`refuses beyond ${WALLET_FUNDS_PENDING_MAX} payments in flight`, () => {
    const given: (WalletEvent | FundsEvent)[] = [charged(1_000_000)];
    for (let i = 0; i < WALLET_FUNDS_PENDING_MAX; i += 1) {
      given.push(reserved(`p-${i}`, 1_000, 1_000_000 - 1_000 * (i + 1)));
    }
    const outcome = spec.given(given).when(reserve("p-last", 1_000), { nowMs: AT_MS });
    expect(outcome.decision.ok && outcome.decision.events[0]).toMatchObject({
      type: "FundsReserveRefused",
      reason: "FUNDS_PENDING_LIMIT_REACHED",
    });
  });

  it("rejects an amount no hold can have", () => {
    spec
      .given([charged(100_000)])
      .when(reserve("p-1", 0))
      .thenRejects("VALIDATION_FAILED");
    spec
      .given([charged(100_000)])
      .when(reserve("p-1", 1.5))
      .thenRejects("VALIDATION_FAILED");
  });
});

describe("posting and voiding", () => {
  const given = [charged(100_000), reserved("p-1", 60_000, 40_000)];

  it("posts with the ledger debit a one-shard payment writes", () => {
    const state = spec
      .given(given)
      .when(post("p-1"), { nowMs: AT_MS, newId: () => "tx-2" })
      .then([
        {
          type: "FundsPosted",
          userId: "alice",
          transactionId: "tx-2",
          paymentId: "p-1",
          reservationId: "r-of-p-1",
          amount: 60_000,
          balanceAfter: 40_000,
          atMs: AT_MS,
        },
      ]);
    expect([state.balance, pendingAmount(state), spendableBalance(state)]).toEqual([40_000, 0, 40_000]);
    expect(state.transactions.map((t) => [t.type, t.amount, t.balanceAfter])).toEqual([
      ["CHARGE", 100_000, 100_000],
      ["PAYMENT", 60_000, 40_000],
    ]);
    expect(fundsAnswerOf(state, "p-1")).toStrictEqual({ paymentId: "p-1", status: "POSTED" });
  });

  it("posts once: a repeat changes nothing, and a void after it is refused", () => {
    const posted = [...given, ...decided(given, post("p-1"))];
    spec.given(posted).when(post("p-1")).thenNothingHappens();
    spec.given(posted).when(voidFunds("p-1")).thenRejects("ALREADY_PAID");
  });

  it("voids: the funds are spendable again, and a later post is refused", () => {
    const state = spec
      .given(given)
      .when(voidFunds("p-1"), { nowMs: AT_MS })
      .then([{ type: "FundsVoided", userId: "alice", paymentId: "p-1", amount: 60_000, atMs: AT_MS }]);
    expect([state.balance, spendableBalance(state)]).toEqual([100_000, 100_000]);
    const voided = [...given, ...decided(given, voidFunds("p-1"))];
    spec.given(voided).when(voidFunds("p-1")).thenNothingHappens();
    spec.given(voided).when(post("p-1")).thenRejects("FUNDS_NOT_RESERVED");
  });

  it("refuses to post what was never reserved, or was refused", () => {
    spec.given(given).when(post("p-unknown")).thenRejects("FUNDS_NOT_RESERVED");
    const refused = [charged(1), ...decided([charged(1)], reserve("p-2", 50_000))];
    spec.given(refused).when(post("p-2")).thenRejects("FUNDS_NOT_RESERVED");
  });

  it("closes a payment whose void overtook its reserve, so the late reserve reserves nothing", () => {
    const state = spec
      .given([charged(100_000)])
      .when(voidFunds("p-1"), { nowMs: AT_MS })
      .then([{ type: "FundsVoided", userId: "alice", paymentId: "p-1", amount: 0, atMs: AT_MS }]);
    const closed = [charged(100_000), ...decided([charged(100_000)], voidFunds("p-1"))];
    spec.given(closed).when(reserve("p-1", 60_000)).thenNothingHappens();
    expect(fundsAnswerOf(state, "p-1")).toStrictEqual({ paymentId: "p-1", status: "VOIDED" });
    expect(spendableBalance(state)).toBe(100_000);
  });
});

describe("the spendable balance elsewhere", () => {
  it("bounds a charge by the ledger's balance, and shows what is spendable and pending", () => {
    const given = [
      balanceCharged("alice", "tx-1", 1_000_000, 1_000_000),
      balanceCharged("alice", "tx-2", BALANCE_WON_MAX - 1_000_000, BALANCE_WON_MAX),
      reserved("p-1", 60_000, BALANCE_WON_MAX - 60_000),
    ];
    const state = fold(fundsDecider, given);
    const decision = decideWallet(
      state,
      { type: "ChargeBalance", userId: "alice", amount: 1 },
      contextAt(AT_MS),
    );
    expect(decision).toMatchObject({
      ok: false,
      rejection: {
        code: "BALANCE_LIMIT_EXCEEDED",
        details: { balance: BALANCE_WON_MAX - 60_000, pending: 60_000 },
      },
    });
  });

  it("treats a one-shard debit that would spend pending funds as a broken invariant", () => {
    const state = fold(fundsDecider, [charged(100_000), reserved("p-1", 60_000, 40_000)]);
    expect(() => evolveWallet(state, paymentDebited("alice", "r-9", 50_000, 50_000))).toThrow(
      InvariantViolation,
    );
  });

  it("loads a wallet from a snapshot written before reservations existed as one with none pending", () => {
    const old = { userId: "alice", balance: 70_000, transactions: [] };
    const restored = decodeState(encodeState(old)) as WalletState;
    expect(spendableBalance(restored)).toBe(70_000);
    expect(fundsAnswerOf(restored, "p-1")).toBeUndefined();
    expect(decideFunds(restored, reserve("p-1", 70_000), contextAt(AT_MS))).toMatchObject({ ok: true });
  });

  it("keeps a wallet of today as it was: no new fields until a payment reserves", () => {
    const state = fold(fundsDecider, [charged(100_000)]);
    expect(Object.keys(state)).toEqual(["userId", "balance", "transactions"]);
  });

  it("round-trips pending funds and outcomes through a snapshot", () => {
    const state = fold(fundsDecider, [
      charged(100_000),
      reserved("p-1", 60_000, 40_000),
      reserved("p-2", 10_000, 30_000),
      ...decided(
        fold(fundsDecider, [
          charged(100_000),
          reserved("p-1", 60_000, 40_000),
          reserved("p-2", 10_000, 30_000),
        ]),
        voidFunds("p-2"),
      ),
    ]);
    const restored = decodeState(encodeState(state)) as WalletState;
    expect(restored).toStrictEqual(state);
    expect(spendableBalance(restored)).toBe(40_000);
  });
});

/** The events a command decides on the given events (or state), which must accept it. */
function decided(
  given: readonly (WalletEvent | FundsEvent)[] | WalletState,
  command: FundsCommand,
): FundsEvent[] {
  const state = Array.isArray(given) ? fold(fundsDecider, given) : (given as WalletState);
  const decision = decideFunds(
    state,
    command,
    contextAt(AT_MS, () => "tx-2"),
  );
  if (!decision.ok) {
    throw new Error(`${command.type} was refused: ${decision.rejection.code}`);
  }
  return decision.events;
}
