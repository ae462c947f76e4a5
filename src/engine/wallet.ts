import { accept, assert, InvariantViolation, refuse, type DecideContext, type Decision } from "./decider.ts";
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

/**
 * A prepaid balance in whole won. Every change is a ledger line, oldest first.
 *
 * `balance` is the ledger's balance: the sum of its lines. Money reserved by a cross-shard payment
 * (see wallet-reservation.ts) is still in it until the payment posts, but it is not spendable: every
 * read or check of what a user can spend goes through `spendableBalance`. The two optional maps are
 * absent on a wallet that never took part in a cross-shard payment, and on every wallet of a snapshot
 * written before they existed: a missing map means none, so such snapshots load as they are.
 */
export interface WalletState {
  readonly userId: string;
  balance: number;
  readonly transactions: LedgerTransaction[];
  /** Funds reserved and not yet posted or voided, by payment id; at most `WALLET_FUNDS_PENDING_MAX`. */
  pendingFunds?: Map<string, PendingFunds>;
  /**
   * How each cross-shard payment this wallet has seen ended, by payment id, so a repeated or late
   * message is answered with the journaled outcome and never reserves again. One small record per
   * payment, kept as long as the ledger line a posted payment leaves.
   */
  fundsOutcomes?: Map<string, FundsOutcome>;
}

/** Funds a cross-shard payment reserved: still in the balance, no longer spendable. */
export interface PendingFunds {
  readonly paymentId: string;
  readonly reservationId: string;
  readonly amount: number;
  readonly atMs: number;
  /** What the user could spend right after the reserve; the payment's receipt shows it. */
  readonly spendableAfter: number;
}

/** How a cross-shard payment ended at the wallet; each is final. */
export type FundsOutcome =
  | { readonly status: "POSTED"; readonly reservationId: string; readonly amount: number }
  | { readonly status: "VOIDED" }
  | {
      readonly status: "REFUSED";
      readonly reservationId: string;
      readonly amount: number;
      readonly reason: FundsRefusalCode;
      readonly spendable: number;
    };

/** Why a wallet refused to reserve; journaled, so a repeated reserve gets the same refusal. */
export type FundsRefusalCode = "INSUFFICIENT_BALANCE" | "FUNDS_PENDING_LIMIT_REACHED";

/**
 * Reservations pending at once in one wallet. Each belongs to a payment in flight, and a payment is in
 * flight for one round trip between two shards, so a user near this many is a client gone wrong.
 */
export const WALLET_FUNDS_PENDING_MAX = 32;

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

/** The wallet reserved funds for a cross-shard payment (step 2 of the saga, payment-saga.ts). */
export interface FundsReserved {
  readonly type: "FundsReserved";
  readonly userId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly amount: number;
  readonly spendableAfter: number;
  readonly atMs: number;
}

/** The wallet refused to reserve; journaled, so the refusal is the answer to every repeat. */
export interface FundsReserveRefused {
  readonly type: "FundsReserveRefused";
  readonly userId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly amount: number;
  readonly reason: FundsRefusalCode;
  /** What the user could spend when it was refused, for the client's answer. */
  readonly spendable: number;
  readonly atMs: number;
}

/** The reserved funds were taken: a ledger debit, the same line a one-shard payment writes. */
export interface FundsPosted {
  readonly type: "FundsPosted";
  readonly userId: string;
  readonly transactionId: string;
  readonly paymentId: string;
  readonly reservationId: string;
  readonly amount: number;
  readonly balanceAfter: number;
  readonly atMs: number;
}

/**
 * The reservation was released. `amount` is 0 when nothing was reserved (a void that overtook its
 * reserve on the network): the payment is then closed, so the late reserve cannot reserve any more.
 */
export interface FundsVoided {
  readonly type: "FundsVoided";
  readonly userId: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly atMs: number;
}

/** The wallet's side of a cross-shard payment, journaled by the payer's shard; a single node never reserves. */
export type FundsEvent = FundsReserved | FundsReserveRefused | FundsPosted | FundsVoided;

/** Reserved funds not yet posted or voided, in won. */
export function pendingAmount(state: WalletState): number {
  let total = 0;
  if (state.pendingFunds !== undefined) {
    for (const funds of state.pendingFunds.values()) {
      total += funds.amount;
    }
  }
  return total;
}

/** What the user can spend: the ledger's balance less the funds reserved by payments in flight. */
export function spendableBalance(state: WalletState): number {
  return state.balance - pendingAmount(state);
}

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
      // The limit bounds the ledger's balance, pending funds included (posting only lowers it); the
      // client is shown what it can spend, and what is pending when anything is.
      rejection(
        "BALANCE_LIMIT_EXCEEDED",
        `a balance may not exceed ${BALANCE_WON_MAX} won`,
        state.balance === spendableBalance(state)
          ? { balance: state.balance }
          : { balance: spendableBalance(state), pending: pendingAmount(state) },
      ),
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

/**
 * Applies a wallet event: a charge or a one-entry payment's debit, or a step of a cross-shard payment
 * (a single node's journal holds only the former).
 */
export function evolveWallet(state: WalletState, event: WalletEvent | FundsEvent): WalletState {
  switch (event.type) {
    case "BalanceCharged":
    case "PaymentDebited":
    case "FundsPosted":
      appendLedgerLine(state, event);
      break;
    case "FundsReserved":
      reserveFunds(state, event);
      break;
    case "FundsReserveRefused":
      assert(!hasFundsRecord(state, event.paymentId), `payment ${event.paymentId} reached the wallet twice`);
      fundsOutcomesOf(state).set(event.paymentId, {
        status: "REFUSED",
        reservationId: event.reservationId,
        amount: event.amount,
        reason: event.reason,
        spendable: event.spendable,
      });
      break;
    case "FundsVoided": {
      const pending = state.pendingFunds?.get(event.paymentId);
      assert(!state.fundsOutcomes?.has(event.paymentId), `payment ${event.paymentId} resolved twice`);
      assert(event.amount === (pending?.amount ?? 0), `void of ${event.paymentId} is for another amount`);
      state.pendingFunds?.delete(event.paymentId);
      fundsOutcomesOf(state).set(event.paymentId, { status: "VOIDED" });
      break;
    }
    default: {
      const unknown: never = event;
      throw new InvariantViolation(`a wallet event of unknown type ${JSON.stringify(unknown)}`);
    }
  }
  assert(state.balance >= pendingAmount(state), `pending funds of ${state.userId} exceed the balance`);
  return state;
}

function appendLedgerLine(state: WalletState, event: BalanceCharged | PaymentDebited | FundsPosted): void {
  const expected =
    event.type === "BalanceCharged" ? state.balance + event.amount : state.balance - event.amount;
  assert(event.amount > 0, "ledger amounts are positive");
  assert(event.balanceAfter === expected, `ledger of ${state.userId} does not add up`);
  assert(event.balanceAfter >= 0, `balance of ${state.userId} would go below zero`);
  assert(event.balanceAfter <= BALANCE_WON_MAX, `balance of ${state.userId} would exceed the limit`);
  if (event.type === "FundsPosted") {
    // Posting resolves the reservation exactly once: it must be pending, for this amount.
    const pending = state.pendingFunds?.get(event.paymentId);
    assert(pending !== undefined, `payment ${event.paymentId} posted without a pending reservation`);
    assert(pending.amount === event.amount, `payment ${event.paymentId} posted another amount`);
    state.pendingFunds?.delete(event.paymentId);
    fundsOutcomesOf(state).set(event.paymentId, {
      status: "POSTED",
      reservationId: event.reservationId,
      amount: event.amount,
    });
  }
  state.balance = event.balanceAfter;
  state.transactions.push({
    transactionId: event.transactionId,
    type: event.type === "BalanceCharged" ? "CHARGE" : "PAYMENT",
    amount: event.amount,
    balanceAfter: event.balanceAfter,
    atMs: event.atMs,
  });
}

function reserveFunds(state: WalletState, event: FundsReserved): void {
  assert(event.amount > 0, "reserved amounts are positive");
  assert(!hasFundsRecord(state, event.paymentId), `payment ${event.paymentId} reserved twice`);
  const pending = (state.pendingFunds ??= new Map<string, PendingFunds>());
  assert(pending.size < WALLET_FUNDS_PENDING_MAX, `${state.userId} has too many pending reservations`);
  assert(
    event.spendableAfter === spendableBalance(state) - event.amount,
    `reserve of ${event.paymentId} does not add up`,
  );
  pending.set(event.paymentId, {
    paymentId: event.paymentId,
    reservationId: event.reservationId,
    amount: event.amount,
    atMs: event.atMs,
    spendableAfter: event.spendableAfter,
  });
}

/** Whether the wallet has seen this payment: pending, or resolved one way or another. */
export function hasFundsRecord(state: WalletState, paymentId: string): boolean {
  return state.pendingFunds?.has(paymentId) === true || state.fundsOutcomes?.has(paymentId) === true;
}

function fundsOutcomesOf(state: WalletState): Map<string, FundsOutcome> {
  return (state.fundsOutcomes ??= new Map<string, FundsOutcome>());
}
