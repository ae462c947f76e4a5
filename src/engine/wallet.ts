import { accept, assert, refuse, type DecideContext, type Decision } from "./decider.ts";
import { BALANCE_WON_MAX, CHARGE_WON_MAX, CHARGE_WON_MIN } from "./limits.ts";
import { rejection } from "./rejection.ts";

export type TransactionType = "CHARGE" | "PAYMENT";

/** One line of a user's ledger; `amount` is always positive and `type` gives the direction. */
export interface LedgerTransaction {
  readonly transactionId: string;
  readonly type: TransactionType;
  readonly amount: number;
  readonly balanceAfter: number;
  readonly atMs: number;
}

/** A prepaid balance in whole won. Every change is a ledger line, oldest first. */
export interface WalletState {
  readonly userId: string;
  balance: number;
  readonly transactions: LedgerTransaction[];
}

export interface ChargeBalance {
  readonly type: "ChargeBalance";
  readonly userId: string;
  readonly amount: number;
}

export interface BalanceCharged {
  readonly type: "BalanceCharged";
  readonly userId: string;
  readonly transactionId: string;
  readonly amount: number;
  readonly balanceAfter: number;
  readonly atMs: number;
}

export interface PaymentDebited {
  readonly type: "PaymentDebited";
  readonly userId: string;
  readonly transactionId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly amount: number;
  readonly balanceAfter: number;
  readonly atMs: number;
}

export type WalletEvent = BalanceCharged | PaymentDebited;

export function initialWalletState(userId: string): WalletState {
  return { userId, balance: 0, transactions: [] };
}

export function decideWallet(
  state: WalletState,
  command: ChargeBalance,
  ctx: DecideContext,
): Decision<WalletEvent> {
  const { amount } = command;
  if (!Number.isSafeInteger(amount) || amount < CHARGE_WON_MIN || amount > CHARGE_WON_MAX) {
    return refuse(
      rejection("VALIDATION_FAILED", `amount must be an integer ${CHARGE_WON_MIN}..${CHARGE_WON_MAX}`),
    );
  }
  const balanceAfter = state.balance + amount;
  if (balanceAfter > BALANCE_WON_MAX) {
    return refuse(
      rejection("BALANCE_LIMIT_EXCEEDED", `a balance may not exceed ${BALANCE_WON_MAX} won`, {
        balance: state.balance,
      }),
    );
  }
  return accept([
    {
      type: "BalanceCharged",
      userId: state.userId,
      transactionId: ctx.newId(),
      amount,
      balanceAfter,
      atMs: ctx.nowMs,
    },
  ]);
}

export function evolveWallet(state: WalletState, event: WalletEvent): WalletState {
  const expected =
    event.type === "BalanceCharged" ? state.balance + event.amount : state.balance - event.amount;
  assert(event.amount > 0, "ledger amounts are positive");
  assert(event.balanceAfter === expected, `ledger of ${state.userId} does not add up`);
  assert(event.balanceAfter >= 0, `balance of ${state.userId} would go below zero`);
  assert(event.balanceAfter <= BALANCE_WON_MAX, `balance of ${state.userId} would exceed the limit`);
  state.balance = event.balanceAfter;
  state.transactions.push({
    transactionId: event.transactionId,
    type: event.type === "BalanceCharged" ? "CHARGE" : "PAYMENT",
    amount: event.amount,
    balanceAfter: event.balanceAfter,
    atMs: event.atMs,
  });
  return state;
}
