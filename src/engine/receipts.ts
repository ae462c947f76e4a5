import { assert } from "./decider.ts";
import type { Reservation } from "./schedule.ts";
import { pendingAmount, type PaymentDebited, type WalletEvent, type WalletState } from "./wallet.ts";

/** What a successful charge answers. */
export interface ChargeReceipt {
  readonly userId: string;
  readonly balance: number;
  readonly transactionId: string;
}

/** What a successful payment answers. */
export interface PaymentReceipt {
  readonly paymentId: string;
  readonly reservationId: string;
  readonly userId: string;
  readonly amount: number;
  readonly balance: number;
  readonly status: "COMPLETED";
  readonly paidAtMs: number;
}

/** The reply of every command that takes an idempotency key, tagged so a replay keeps its type. */
export type KeyedResult =
  | { readonly kind: "hold"; readonly reservation: Reservation }
  | { readonly kind: "charge"; readonly receipt: ChargeReceipt }
  | { readonly kind: "payment"; readonly receipt: PaymentReceipt };

/**
 * The receipt of a charge, read off the event that recorded it: the balance it shows is what the user
 * can spend, so funds reserved by a cross-shard payment in flight (`wallet`, after the charge) are left out.
 */
export function chargeReceiptOf(events: readonly WalletEvent[], wallet: WalletState): ChargeReceipt {
  const charged = events[0];
  assert(charged?.type === "BalanceCharged", "a charge records a BalanceCharged event");
  return {
    userId: charged.userId,
    balance: charged.balanceAfter - pendingAmount(wallet),
    transactionId: charged.transactionId,
  };
}

/** The receipt of a payment, read off the debit that recorded it. */
export function paymentReceiptOf(events: readonly { readonly type: string }[]): PaymentReceipt {
  const debited = events.find((event): event is PaymentDebited => event.type === "PaymentDebited");
  assert(debited !== undefined, "a payment records a PaymentDebited event");
  return {
    paymentId: debited.paymentId,
    reservationId: debited.reservationId,
    userId: debited.userId,
    amount: debited.amount,
    balance: debited.balanceAfter,
    status: "COMPLETED",
    paidAtMs: debited.atMs,
  };
}
