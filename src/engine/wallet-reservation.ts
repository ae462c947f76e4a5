import { accept, InvariantViolation, refuse, type DecideContext, type Decision } from "./decider.ts";
import { SEAT_PRICE_WON_MAX, SEATS_PER_HOLD_MAX } from "./limits.ts";
import { rejection, type Rejection } from "./rejection.ts";
import {
  spendableBalance,
  WALLET_FUNDS_PENDING_MAX,
  type FundsEvent,
  type FundsOutcome,
  type FundsRefusalCode,
  type WalletState,
} from "./wallet.ts";

/**
 * The wallet's half of a cross-shard payment (the coordinator's half is payment-saga.ts). Money moves
 * in two phases, as TigerBeetle's pending transfers do: a reserve makes funds pending (still in the
 * balance, no longer spendable), then a post takes them with an ordinary ledger debit or a void
 * releases them. Every command names the payment, and the wallet journals what it decided, so a
 * repeated, late or reordered message is answered with the journaled outcome (`fundsAnswerOf`) and
 * never moves money twice: each payment is reserved at most once and resolved at most once.
 */

/** Step 2: reserve the payment's amount, or refuse (journaled) when the user cannot spend it. */
export interface ReserveFunds {
  readonly type: "ReserveFunds";
  readonly paymentId: string;
  readonly userId: string;
  readonly reservationId: string;
  readonly amount: number;
}

/** Step 4 after a sale: take the reserved funds. */
export interface PostFunds {
  readonly type: "PostFunds";
  readonly paymentId: string;
  readonly userId: string;
}

/** Step 4 after an abort: release the reserved funds, or close a payment never reserved. */
export interface VoidFunds {
  readonly type: "VoidFunds";
  readonly paymentId: string;
  readonly userId: string;
}

export type FundsCommand = ReserveFunds | PostFunds | VoidFunds;

/** The largest amount a payment can reserve: the dearest hold. */
export const FUNDS_RESERVE_WON_MAX = SEATS_PER_HOLD_MAX * SEAT_PRICE_WON_MAX;

/**
 * What the wallet says about a payment, read from its state after a decision: the reply to every
 * funds command, first or repeated. A reserve answers with what
 * the user could spend right after it, which the payment's receipt shows.
 */
export type FundsAnswer =
  | { readonly paymentId: string; readonly status: "RESERVED"; readonly spendableAfter: number }
  | { readonly paymentId: string; readonly status: "REFUSED"; readonly rejection: Rejection }
  | { readonly paymentId: string; readonly status: "POSTED" }
  | { readonly paymentId: string; readonly status: "VOIDED" };

export function decideFunds(
  state: WalletState,
  command: FundsCommand,
  ctx: DecideContext,
): Decision<FundsEvent> {
  switch (command.type) {
    case "ReserveFunds":
      return decideReserve(state, command, ctx);
    case "PostFunds":
      return decidePost(state, command, ctx);
    case "VoidFunds":
      return decideVoid(state, command, ctx);
    default: {
      const unknown: never = command;
      return refuse(rejection("VALIDATION_FAILED", `unknown command ${JSON.stringify(unknown)}`));
    }
  }
}

function decideReserve(state: WalletState, command: ReserveFunds, ctx: DecideContext): Decision<FundsEvent> {
  const { paymentId, amount } = command;
  if (command.userId !== state.userId) {
    return refuse(rejection("VALIDATION_FAILED", "a reserve is decided by the payer's wallet"));
  }
  const pending = state.pendingFunds?.get(paymentId);
  const outcome = state.fundsOutcomes?.get(paymentId);
  if (pending !== undefined || outcome !== undefined) {
    // A repeat is answered with the journaled outcome; the same id for another payment is a misuse.
    const seen = pending ?? (outcome?.status === "VOIDED" ? undefined : outcome);
    if (seen !== undefined && (seen.reservationId !== command.reservationId || seen.amount !== amount)) {
      return refuse(
        rejection("IDEMPOTENCY_KEY_REUSED", `payment ${paymentId} was already made for another amount`),
      );
    }
    return accept([]);
  }
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > FUNDS_RESERVE_WON_MAX) {
    return refuse(rejection("VALIDATION_FAILED", `amount must be an integer 1..${FUNDS_RESERVE_WON_MAX}`));
  }
  const spendable = spendableBalance(state);
  const reason: FundsRefusalCode | undefined =
    (state.pendingFunds?.size ?? 0) >= WALLET_FUNDS_PENDING_MAX
      ? "FUNDS_PENDING_LIMIT_REACHED"
      : spendable < amount
        ? "INSUFFICIENT_BALANCE"
        : undefined;
  const base = { userId: state.userId, paymentId, reservationId: command.reservationId, amount };
  if (reason !== undefined) {
    return accept([{ type: "FundsReserveRefused", ...base, reason, spendable, atMs: ctx.nowMs }]);
  }
  return accept([{ type: "FundsReserved", ...base, spendableAfter: spendable - amount, atMs: ctx.nowMs }]);
}

function decidePost(state: WalletState, command: PostFunds, ctx: DecideContext): Decision<FundsEvent> {
  const pending = state.pendingFunds?.get(command.paymentId);
  if (pending === undefined) {
    if (state.fundsOutcomes?.get(command.paymentId)?.status === "POSTED") {
      return accept([]);
    }
    return refuse(
      rejection("FUNDS_NOT_RESERVED", `payment ${command.paymentId} has no pending reservation to post`),
    );
  }
  return accept([
    {
      type: "FundsPosted",
      userId: state.userId,
      transactionId: ctx.newId(),
      paymentId: pending.paymentId,
      reservationId: pending.reservationId,
      amount: pending.amount,
      balanceAfter: state.balance - pending.amount,
      atMs: ctx.nowMs,
    },
  ]);
}

function decideVoid(state: WalletState, command: VoidFunds, ctx: DecideContext): Decision<FundsEvent> {
  const { paymentId } = command;
  const outcome = state.fundsOutcomes?.get(paymentId);
  if (outcome !== undefined) {
    // Voided or refused: nothing is pending, and the answer stays what was journaled.
    if (outcome.status === "POSTED") {
      return refuse(rejection("ALREADY_PAID", `payment ${paymentId} was posted; it cannot be voided`));
    }
    return accept([]);
  }
  if (command.userId !== state.userId) {
    return refuse(rejection("VALIDATION_FAILED", "a void is decided by the payer's wallet"));
  }
  const amount = state.pendingFunds?.get(paymentId)?.amount ?? 0;
  return accept([{ type: "FundsVoided", userId: state.userId, paymentId, amount, atMs: ctx.nowMs }]);
}

/** The wallet's answer about `paymentId`: what its journal says; undefined when it never saw it. */
export function fundsAnswerOf(state: WalletState, paymentId: string): FundsAnswer | undefined {
  const pending = state.pendingFunds?.get(paymentId);
  if (pending !== undefined) {
    return { paymentId, status: "RESERVED", spendableAfter: pending.spendableAfter };
  }
  const outcome = state.fundsOutcomes?.get(paymentId);
  if (outcome === undefined) {
    return undefined;
  }
  switch (outcome.status) {
    case "POSTED":
      return { paymentId, status: "POSTED" };
    case "VOIDED":
      return { paymentId, status: "VOIDED" };
    case "REFUSED":
      return { paymentId, status: "REFUSED", rejection: refusalOf(outcome) };
    default: {
      const unknown: never = outcome;
      throw new InvariantViolation(`a funds outcome of unknown status ${JSON.stringify(unknown)}`);
    }
  }
}

/** The rejection the client gets for a refused reserve, worded as a one-shard payment's. */
function refusalOf(outcome: Extract<FundsOutcome, { status: "REFUSED" }>): Rejection {
  const { reason, amount, spendable } = outcome;
  switch (reason) {
    case "INSUFFICIENT_BALANCE":
      return rejection("INSUFFICIENT_BALANCE", `the balance of ${spendable} won is below ${amount} won`, {
        balance: spendable,
        amount,
      });
    case "FUNDS_PENDING_LIMIT_REACHED":
      return rejection(
        "FUNDS_PENDING_LIMIT_REACHED",
        `a wallet may have at most ${WALLET_FUNDS_PENDING_MAX} payments in flight`,
      );
    default: {
      const unknown: never = reason;
      throw new InvariantViolation(`a refusal of unknown reason ${JSON.stringify(unknown)}`);
    }
  }
}
