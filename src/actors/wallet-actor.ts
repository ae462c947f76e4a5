import type { Result } from "../engine/decider.ts";
import { chargeReceiptOf, type ChargeReceipt } from "../engine/receipts.ts";
import { assert } from "../engine/decider.ts";
import { decideWallet, initialWalletState, type WalletState } from "../engine/wallet.ts";
import {
  decideFunds,
  fundsAnswerOf,
  type FundsAnswer,
  type FundsCommand,
} from "../engine/wallet-reservation.ts";
import { CHARGE_KIND, keyedTurn, type IdempotencyKey } from "./keyed-turn.ts";
import { Mailbox } from "./mailbox.ts";
import type { ActorRuntime } from "./runtime.ts";

/**
 * Wallets are spread over a fixed number of actors by user id. One actor per user would cost a
 * mailbox per fan for a few charges each; a fixed set keeps memory flat and still lets charges of
 * different users queue apart.
 */
export const WALLET_SHARDS_DEFAULT = 16;

/** The actor of a shard of wallets: charges and reads of the users that hash to it. */
export class WalletActor {
  readonly mailbox: Mailbox;

  constructor(
    private readonly runtime: ActorRuntime,
    readonly shard: number,
  ) {
    this.mailbox = new Mailbox(`wallets:${shard}`, runtime);
  }

  charge(userId: string, amount: number, idempotencyKey?: IdempotencyKey): Promise<Result<ChargeReceipt>> {
    const keyed = idempotencyKey === undefined ? undefined : { key: idempotencyKey, kind: CHARGE_KIND };
    return this.mailbox.post((ctx) =>
      keyedTurn(this.runtime, ctx, userId, keyed, () =>
        this.runtime.applyDecision(
          decideWallet(this.wallet(userId), { type: "ChargeBalance", userId, amount }, ctx),
          (events) => chargeReceiptOf(events, this.wallet(userId)),
        ),
      ),
    );
  }

  /**
   * A step of a cross-shard payment at the payer's wallet (reserve, post or void), sent by the shard
   * that coordinates it. The wallet's outcome is journaled before it is answered, and a repeat is
   * answered with the journaled outcome, so the coordinator may send a message as often as it needs to.
   */
  funds(command: FundsCommand): Promise<Result<FundsAnswer>> {
    return this.mailbox.post((ctx) =>
      this.runtime.applyDecision(decideFunds(this.wallet(command.userId), command, ctx), () => {
        const answer = fundsAnswerOf(this.wallet(command.userId), command.paymentId);
        assert(answer !== undefined, `payment ${command.paymentId} has an outcome once decided`);
        return answer;
      }),
    );
  }

  /** Reads a wallet in turn with its charges; an unknown user reads as an empty wallet. */
  read<R>(userId: string, query: (wallet: WalletState) => R): Promise<Result<R>> {
    return this.mailbox.post(() => ({ ok: true, events: [], value: query(this.wallet(userId)) }));
  }

  private wallet(userId: string): WalletState {
    return this.runtime.state.wallets.get(userId) ?? initialWalletState(userId);
  }
}

/** A stable shard for a user id (FNV-1a), so a user's charges always meet in the same mailbox. */
export function walletShardOf(userId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i += 1) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % shards;
}
