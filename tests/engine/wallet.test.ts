import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import { BALANCE_WON_MAX, CHARGE_WON_MAX, CHARGE_WON_MIN } from "../../src/engine/limits.ts";
import {
  decideWallet,
  evolveWallet,
  initialWalletState,
  type ChargeBalance,
  type WalletEvent,
  type WalletState,
} from "../../src/engine/wallet.ts";
import { balanceCharged, paymentDebited } from "./fixtures.ts";
import { deciderSpec, fold, T0_MS, type Decider } from "./spec.ts";

const walletDecider: Decider<WalletState, ChargeBalance, WalletEvent> = {
  decide: decideWallet,
  evolve: evolveWallet,
  initialState: () => initialWalletState("alice"),
};
const spec = deciderSpec(walletDecider);

function charge(amount: number): ChargeBalance {
  return { type: "ChargeBalance", userId: "alice", amount };
}

/** Charges of the largest amount that bring alice's balance to `balance` (a multiple of it). */
function chargedUpTo(balance: number): WalletEvent[] {
  const events: WalletEvent[] = [];
  for (let after = CHARGE_WON_MAX; after <= balance; after += CHARGE_WON_MAX) {
    events.push(balanceCharged("alice", `tx-${after}`, CHARGE_WON_MAX, after));
  }
  return events;
}

describe("a new wallet", () => {
  it("starts at zero with an empty ledger", () => {
    expect(initialWalletState("alice")).toStrictEqual({ userId: "alice", balance: 0, transactions: [] });
  });
});

describe("charging adds to the balance", () => {
  it("charges the smallest amount, 1 won", () => {
    const state = spec
      .given([])
      .when(charge(CHARGE_WON_MIN), { nowMs: T0_MS + 3 })
      .then([
        {
          type: "BalanceCharged",
          userId: "alice",
          transactionId: "id-1",
          amount: 1,
          balanceAfter: 1,
          atMs: T0_MS + 3,
        },
      ]);
    expect(state.balance).toBe(1);
  });

  it("charges the largest amount, 1,000,000 won", () => {
    spec
      .given([balanceCharged("alice", "tx-1", 5, 5)])
      .when(charge(CHARGE_WON_MAX))
      .then([balanceCharged("alice", "id-1", CHARGE_WON_MAX, CHARGE_WON_MAX + 5)]);
  });

  it("writes a ledger line with the balance right after it", () => {
    const state = spec
      .given([balanceCharged("alice", "tx-1", 700, 700)])
      .when(charge(300), { nowMs: T0_MS + 9 })
      .then([balanceCharged("alice", "id-1", 300, 1_000, T0_MS + 9)]);
    expect(state.transactions).toStrictEqual([
      { transactionId: "tx-1", type: "CHARGE", amount: 700, balanceAfter: 700, atMs: T0_MS },
      { transactionId: "id-1", type: "CHARGE", amount: 300, balanceAfter: 1_000, atMs: T0_MS + 9 },
    ]);
  });

  it("charges the user named by the wallet", () => {
    const bobs = deciderSpec({ ...walletDecider, initialState: () => initialWalletState("bob") });
    bobs
      .given([])
      .when({ type: "ChargeBalance", userId: "bob", amount: 10 })
      .then([balanceCharged("bob", "id-1", 10, 10)]);
  });
});

describe("a charge is an integer of 1 to 1,000,000 won", () => {
  it.each([
    ["zero", 0],
    ["a negative amount", -1],
    ["one won more than the largest charge", CHARGE_WON_MAX + 1],
    ["a fraction", 1.5],
    ["NaN", Number.NaN],
    ["infinity", Number.POSITIVE_INFINITY],
    ["an unsafe integer", 2 ** 53],
  ])("refuses %s", (_name, amount) => {
    spec.given([]).when(charge(amount)).thenRejects("VALIDATION_FAILED");
  });
});

describe("a balance never exceeds 100,000,000 won", () => {
  it("charges up to exactly the limit", () => {
    const state = spec
      .given(chargedUpTo(BALANCE_WON_MAX - CHARGE_WON_MAX))
      .when(charge(CHARGE_WON_MAX))
      .then([balanceCharged("alice", "id-1", CHARGE_WON_MAX, BALANCE_WON_MAX)]);
    expect(state.balance).toBe(BALANCE_WON_MAX);
  });

  it("refuses a charge that would end one won over the limit, reporting the balance", () => {
    spec
      .given([
        ...chargedUpTo(BALANCE_WON_MAX - CHARGE_WON_MAX),
        balanceCharged("alice", "tx-last", 999_999, 99_999_999),
      ])
      .when(charge(2))
      .thenRejects("BALANCE_LIMIT_EXCEEDED", { balance: BALANCE_WON_MAX - 1 });
  });

  it("refuses even 1 won on a full balance", () => {
    spec.given(chargedUpTo(BALANCE_WON_MAX)).when(charge(1)).thenRejects("BALANCE_LIMIT_EXCEEDED");
  });

  it("charges again once a payment has made room", () => {
    spec
      .given([
        ...chargedUpTo(BALANCE_WON_MAX),
        paymentDebited("alice", "r-1", 50_000, BALANCE_WON_MAX - 50_000),
      ])
      .when(charge(50_000))
      .then([balanceCharged("alice", "id-1", 50_000, BALANCE_WON_MAX)]);
  });
});

describe("a payment debits the balance", () => {
  it("writes a PAYMENT line and lowers the balance", () => {
    const state = fold(walletDecider, [
      balanceCharged("alice", "tx-1", 100_000, 100_000),
      paymentDebited("alice", "r-1", 60_000, 40_000),
    ]);
    expect(state.balance).toBe(40_000);
    expect(state.transactions.at(-1)).toStrictEqual({
      transactionId: "tx-of-r-1",
      type: "PAYMENT",
      amount: 60_000,
      balanceAfter: 40_000,
      atMs: T0_MS + 1_000,
    });
  });

  it("may take the balance to exactly zero", () => {
    const state = fold(walletDecider, [
      balanceCharged("alice", "tx-1", 100_000, 100_000),
      paymentDebited("alice", "r-1", 100_000, 0),
    ]);
    expect(state.balance).toBe(0);
  });
});

describe("evolve refuses ledger lines that do not add up", () => {
  const funded = () => fold(walletDecider, [balanceCharged("alice", "tx-1", 1_000, 1_000)]);

  it("throws an InvariantViolation when a charge's balanceAfter is not balance + amount", () => {
    expect(() => evolveWallet(funded(), balanceCharged("alice", "tx-2", 10, 1_011))).toThrow(
      InvariantViolation,
    );
  });

  it("throws an InvariantViolation when a debit's balanceAfter is not balance - amount", () => {
    expect(() => evolveWallet(funded(), paymentDebited("alice", "r-1", 10, 1_000))).toThrow(
      InvariantViolation,
    );
  });

  it("throws an InvariantViolation when a debit would take the balance below zero", () => {
    expect(() => evolveWallet(funded(), paymentDebited("alice", "r-1", 1_001, -1))).toThrow(
      InvariantViolation,
    );
  });

  it("throws an InvariantViolation when a charge would take the balance over the limit", () => {
    const full = fold(walletDecider, chargedUpTo(BALANCE_WON_MAX));
    expect(() => evolveWallet(full, balanceCharged("alice", "tx-over", 1, BALANCE_WON_MAX + 1))).toThrow(
      InvariantViolation,
    );
  });

  it("throws an InvariantViolation on a zero or negative amount", () => {
    expect(() => evolveWallet(funded(), balanceCharged("alice", "tx-2", 0, 1_000))).toThrow(
      InvariantViolation,
    );
    expect(() => evolveWallet(funded(), paymentDebited("alice", "r-1", -5, 1_005))).toThrow(
      InvariantViolation,
    );
  });
});
