import type { Result } from "../engine/decider.ts";
import {
  commandOnFundsAnswer,
  nextMessageOf,
  paymentAnswerOf,
  type PaymentSaga,
} from "../engine/payment-saga.ts";
import type { PaymentReceipt } from "../engine/receipts.ts";
import { rejection } from "../engine/rejection.ts";
import type { IdempotencyKey } from "../engine/token-access.ts";
import type { FundsAnswer, FundsCommand } from "../engine/wallet-reservation.ts";
import type { CancelTimer } from "./clock.ts";
import type { ActorRuntime } from "./runtime.ts";
import type { ScheduleActor } from "./schedule-actor.ts";

/** The first retry of a message the wallet's shard did not answer waits this long, then doubles. */
export const SAGA_RETRY_MS_MIN = 100;
/** Retries of one saga's message never wait longer than this. */
export const SAGA_RETRY_MS_MAX = 2_000;
/** How often the driver looks for sagas whose hold ended, and for unsettled sagas nothing is sending. */
export const SAGA_SWEEP_MS = 1_000;
/**
 * How long a client waits for the outcome of its cross-shard payment. Past it the payment goes on
 * (the saga still ends, and settles), and the client is told to ask again with its Idempotency-Key.
 */
export const PAYMENT_ANSWER_WAIT_MS = 5_000;

if (SAGA_RETRY_MS_MIN > SAGA_RETRY_MS_MAX || SAGA_RETRY_MS_MAX >= PAYMENT_ANSWER_WAIT_MS) {
  throw new Error("a saga retries at least once more before its client stops waiting");
}

/** How a shard reaches the payer's wallet on another shard. */
export interface FundsTransport {
  /** Sends a funds command to the wallet's shard: its answer, or a rejection if it did not answer. */
  send(command: FundsCommand): Promise<FundsAnswer>;
}

/** What an engine needs to pay from wallets on other shards. */
export interface CrossShardPayments {
  /** Whether the wallet of `userId` lives on this shard (a payment from it stays one entry). */
  readonly walletIsLocal: (userId: string) => boolean;
  readonly transport: FundsTransport;
  /**
   * The payment id of a keyed payment, the same for every retry with the key: a retry then meets the
   * saga the first attempt started, whatever became of it meanwhile.
   */
  readonly paymentIdOfKey: (userId: string, key: string) => string;
}

/**
 * Drives the sagas this shard coordinates (payment-saga.ts): sends each unsettled saga's next message
 * to the wallet's shard, turns each answer into the saga's next step in its schedule's actor, retries
 * with a bounded backoff, aborts the sagas whose hold ended, and answers the clients waiting on an
 * outcome once it is journaled. It holds no state of its own worth keeping: after a restart,
 * `start()` finds every unsettled saga in the recovered state and sends its message again.
 */
export class PaymentSagaDriver {
  /** Sagas with a message on the wire; one at a time per saga. */
  readonly #sending = new Set<string>();
  /** Sagas waiting to retry: how many tries failed, and the timer of the next. */
  readonly #retries = new Map<string, { failures: number; cancel: CancelTimer | undefined }>();
  /** Clients waiting for the outcome of a saga. */
  readonly #waiters = new Map<string, ((saga: PaymentSaga) => void)[]>();
  #cancelSweep: CancelTimer | undefined;
  #stopped = false;

  constructor(
    private readonly runtime: ActorRuntime,
    private readonly actorOf: (scheduleId: string) => ScheduleActor | undefined,
    readonly payments: CrossShardPayments,
  ) {}

  /** Resends what every unsettled saga needs (a restart resumes here), and starts the sweep. */
  start(): void {
    for (const paymentId of this.runtime.state.paymentSagas.unsettled) {
      this.#kick(paymentId);
    }
    this.#armSweep();
  }

  stop(): void {
    this.#stopped = true;
    this.#cancelSweep?.();
    for (const retry of this.#retries.values()) {
      retry.cancel?.();
    }
    this.#retries.clear();
  }

  /**
   * Pays `reservationId` (held by `userId`, whose wallet is on another shard) through a saga, and
   * answers once the sale or the abort is journaled; a saga still waiting on the wallet's shard after
   * `PAYMENT_ANSWER_WAIT_MS` is answered PAYMENT_IN_PROGRESS and goes on.
   */
  async pay(
    actor: ScheduleActor,
    token: string,
    reservationId: string,
    userId: string,
    idempotencyKey: IdempotencyKey | undefined,
  ): Promise<Result<PaymentReceipt>> {
    const paymentId =
      idempotencyKey === undefined ? undefined : this.payments.paymentIdOfKey(userId, idempotencyKey.key);
    const started = await actor.startPayment(token, reservationId, userId, paymentId, idempotencyKey);
    if (!started.ok) {
      return started;
    }
    if (started.value.kind === "receipt") {
      return { ok: true, value: started.value.receipt };
    }
    const saga = this.runtime.state.paymentSagas.sagas.get(started.value.paymentId);
    if (saga === undefined) {
      return { ok: false, rejection: rejection("PAYMENT_NOT_FOUND", "the payment vanished") };
    }
    const ended = saga.outcome === "PENDING" ? await this.#outcomeOf(saga.paymentId) : saga;
    if (ended === undefined) {
      return {
        ok: false,
        rejection: rejection(
          "PAYMENT_IN_PROGRESS",
          `payment ${saga.paymentId} is waiting for the shard of the payer's wallet; ` +
            "retry with the same Idempotency-Key to get its outcome",
        ),
      };
    }
    const answer = paymentAnswerOf(ended);
    switch (answer.status) {
      case "COMPLETED":
        return { ok: true, value: answer.receipt };
      case "ABORTED":
        return { ok: false, rejection: answer.rejection };
      case "PENDING":
        return { ok: false, rejection: rejection("PAYMENT_IN_PROGRESS", "the payment is under way") };
    }
  }

  /** The saga once it has ended (journaled), or undefined if that takes longer than a client waits. */
  #outcomeOf(paymentId: string): Promise<PaymentSaga | undefined> {
    return new Promise((resolve) => {
      const cancel = this.runtime.clock.setTimer(this.runtime.clock.nowMs() + PAYMENT_ANSWER_WAIT_MS, () => {
        const waiting = this.#waiters.get(paymentId);
        const index = waiting?.indexOf(done) ?? -1;
        if (index >= 0) {
          waiting?.splice(index, 1);
        }
        resolve(undefined);
      });
      const done = (saga: PaymentSaga): void => {
        cancel();
        resolve(saga);
      };
      const waiting = this.#waiters.get(paymentId) ?? [];
      waiting.push(done);
      this.#waiters.set(paymentId, waiting);
      this.#kick(paymentId);
    });
  }

  /** Sends the saga's next message now, unless one is on the wire or the saga needs none. */
  #kick(paymentId: string): void {
    if (this.#stopped || this.#sending.has(paymentId)) {
      return;
    }
    const saga = this.runtime.state.paymentSagas.sagas.get(paymentId);
    const message = saga === undefined ? undefined : nextMessageOf(saga);
    if (message === undefined) {
      this.#retries.delete(paymentId);
      return;
    }
    this.#retries.get(paymentId)?.cancel?.();
    this.#sending.add(paymentId);
    this.payments.transport.send(message).then(
      (answer) => this.#onAnswer(paymentId, answer),
      () => this.#retryLater(paymentId),
    );
  }

  #onAnswer(paymentId: string, answer: FundsAnswer): void {
    if (this.#stopped) {
      // The engine is closing its journal; a restart resends what the saga still needs.
      this.#sending.delete(paymentId);
      return;
    }
    const command = commandOnFundsAnswer(this.runtime.state.paymentSagas, answer);
    const saga = this.runtime.state.paymentSagas.sagas.get(paymentId);
    const actor = saga === undefined ? undefined : this.actorOf(saga.scheduleId);
    if (command === undefined || actor === undefined) {
      // A late answer of a saga that has moved on: send what it needs now, if anything.
      this.#sending.delete(paymentId);
      this.#retries.delete(paymentId);
      this.#kick(paymentId);
      return;
    }
    void actor.sagaStep(command).then((result) => {
      this.#sending.delete(paymentId);
      if (!result.ok || result.value === undefined) {
        this.#retryLater(paymentId);
        return;
      }
      this.#retries.delete(paymentId);
      this.#onStep(result.value);
    });
  }

  /** After a step is durable: answers the waiting clients once the saga has ended, and goes on. */
  #onStep(saga: PaymentSaga): void {
    if (saga.outcome !== "PENDING") {
      const waiting = this.#waiters.get(saga.paymentId);
      this.#waiters.delete(saga.paymentId);
      for (const done of waiting ?? []) {
        done(saga);
      }
    }
    this.#kick(saga.paymentId);
  }

  #retryLater(paymentId: string): void {
    this.#sending.delete(paymentId);
    if (this.#stopped) {
      return;
    }
    const failures = (this.#retries.get(paymentId)?.failures ?? 0) + 1;
    const delayMs = Math.min(SAGA_RETRY_MS_MIN * 2 ** (failures - 1), SAGA_RETRY_MS_MAX);
    const retry = { failures, cancel: undefined as CancelTimer | undefined };
    this.#retries.set(paymentId, retry);
    retry.cancel = this.runtime.clock.setTimer(this.runtime.clock.nowMs() + delayMs, () => {
      retry.cancel = undefined;
      this.#kick(paymentId);
    });
  }

  #armSweep(): void {
    if (this.#stopped) {
      return;
    }
    this.#cancelSweep = this.runtime.clock.setTimer(this.runtime.clock.nowMs() + SAGA_SWEEP_MS, () => {
      this.#sweep();
      this.#armSweep();
    });
  }

  /**
   * Aborts the sagas whose hold ended (their wallet may be down: the seats must not wait on it), and
   * sends again for any unsettled saga that nothing is sending or waiting to retry.
   */
  #sweep(): void {
    const { paymentSagas } = this.runtime.state;
    const schedules = new Set<string>();
    for (const paymentId of paymentSagas.inFlightByReservation.values()) {
      const saga = paymentSagas.sagas.get(paymentId);
      if (saga !== undefined) {
        schedules.add(saga.scheduleId);
      }
    }
    for (const scheduleId of schedules) {
      void this.actorOf(scheduleId)
        ?.abortEndedHolds()
        .then((result) => {
          for (const paymentId of result.ok ? result.value : []) {
            const saga = this.runtime.state.paymentSagas.sagas.get(paymentId);
            if (saga !== undefined) {
              this.#onStep(saga);
            }
          }
        });
    }
    for (const paymentId of paymentSagas.unsettled) {
      const retry = this.#retries.get(paymentId);
      if (!this.#sending.has(paymentId) && retry?.cancel === undefined) {
        this.#kick(paymentId);
      }
    }
  }
}
