/**
 * The saga's wiring without HTTP: two engines on their own journal files, one coordinating (the
 * reservation's shard) and one holding the payer's wallet, joined by a transport the test controls.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import type { Engine, FundsTransport } from "../../src/actors/engine.ts";
import {
  PAYMENT_ANSWER_WAIT_MS,
  SAGA_RETRY_MS_MAX,
  SAGA_SWEEP_MS,
} from "../../src/actors/payment-saga-driver.ts";
import type { FundsAnswer, FundsCommand } from "../../src/engine/wallet-reservation.ts";
import { tempDir } from "../../support/temp-dir.ts";
import {
  createConcert,
  Fans,
  liveState,
  quiesce,
  SEAT_PRICE_WON,
  startTestEngine,
  T0_MS,
  unwrap,
} from "./harness.ts";

const PAYER = "remote-payer";

let dir: string;
let clock: SimulatedClock;
let wallet: Engine;
let engines: Engine[];
/** While set, the wallet's shard is down: every message fails. */
let walletDown: boolean;
/** While set, messages reach the wallet but their answers are lost (the call times out). */
let answersLost: boolean;
let sent: FundsCommand[];

const transport: FundsTransport = {
  async send(command: FundsCommand): Promise<FundsAnswer> {
    sent.push(command);
    if (walletDown) {
      throw new Error("connection refused");
    }
    const answer = await wallet.funds(command);
    if (answersLost) {
      throw new Error("timed out");
    }
    if (!answer.ok) {
      throw new Error(answer.rejection.code);
    }
    return answer.value;
  },
};

async function startCoordinator(): Promise<Engine> {
  const engine = await startTestEngine(join(dir, "coordinator.db"), clock);
  engine.enableCrossShardPayments({
    walletIsLocal: (userId) => userId !== PAYER,
    transport,
    paymentIdOfKey: (userId, key) => `pay-${userId}-${key}`,
  });
  engines.push(engine);
  return engine;
}

/** Lets every message, answer and journal write in flight run, the clock standing still. */
async function settle(...running: Engine[]): Promise<void> {
  for (let i = 0; i < 20; i += 1) {
    await Promise.all([wallet, ...running].map((engine) => quiesce(engine)));
    await new Promise((done) => setImmediate(done));
  }
}

beforeEach(async () => {
  dir = tempDir("saga-driver");
  clock = new SimulatedClock(T0_MS);
  engines = [];
  walletDown = false;
  answersLost = false;
  sent = [];
  wallet = await startTestEngine(join(dir, "wallet.db"), clock);
  engines.push(wallet);
  unwrap(await wallet.charge(PAYER, 10 * SEAT_PRICE_WON));
});

afterEach(async () => {
  for (const engine of engines) {
    await engine.stop().catch(() => undefined);
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("a payment from a wallet on another engine", () => {
  it("sells once the wallet reserved, then posts, and the wallet is debited once with nothing pending", async () => {
    const coordinator = await startCoordinator();
    const concert = await createConcert(coordinator, [10]);
    const fans = new Fans(coordinator, concert.concertId);
    const held = unwrap(await fans.hold(PAYER, concert.scheduleIds[0] as string, [1]));
    const receipt = unwrap(await fans.pay(PAYER, held.reservationId, "key-1"));
    expect(receipt).toMatchObject({ reservationId: held.reservationId, amount: SEAT_PRICE_WON });
    expect(receipt.balance).toBe(9 * SEAT_PRICE_WON);
    await settle(coordinator);
    expect(sent.map((command) => command.type)).toEqual(["ReserveFunds", "PostFunds"]);
    const saga = liveState(coordinator).paymentSagas.sagas.get(receipt.paymentId);
    expect(saga).toMatchObject({ outcome: "COMPLETED", settled: true });
    expect(unwrap(await wallet.balance(PAYER))).toBe(9 * SEAT_PRICE_WON);
    expect(liveState(wallet).wallets.get(PAYER)?.pendingFunds?.size).toBe(0);
    expect(unwrap(await coordinator.reservation(held.reservationId)).status).toBe("CONFIRMED");
    // A keyed retry meets the same saga, though the sale spent the token.
    expect(unwrap(await fans.pay(PAYER, held.reservationId, "key-1"))).toEqual(receipt);
  });

  it("retries a wallet that is down with a bounded backoff, and answers once it is back", async () => {
    const coordinator = await startCoordinator();
    const concert = await createConcert(coordinator, [10]);
    const fans = new Fans(coordinator, concert.concertId);
    const held = unwrap(await fans.hold(PAYER, concert.scheduleIds[0] as string, [1]));
    walletDown = true;
    const paid = fans.pay(PAYER, held.reservationId, "key-2");
    await settle(coordinator);
    // Each failure waits twice as long as the one before (100 ms first), at most SAGA_RETRY_MS_MAX.
    for (let i = 0; i < 3; i += 1) {
      clock.advanceBy(700);
      await settle(coordinator);
    }
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(new Set(sent.map((command) => command.type))).toEqual(new Set(["ReserveFunds"]));
    walletDown = false;
    // 4.1 s in all: the client still waits (PAYMENT_ANSWER_WAIT_MS).
    clock.advanceBy(SAGA_RETRY_MS_MAX);
    await settle(coordinator);
    expect(unwrap(await paid).balance).toBe(9 * SEAT_PRICE_WON);
    await settle(coordinator);
    expect(unwrap(await wallet.balance(PAYER))).toBe(9 * SEAT_PRICE_WON);
    expect(
      liveState(wallet)
        .wallets.get(PAYER)
        ?.transactions.map((line) => line.type),
    ).toEqual(["CHARGE", "PAYMENT"]);
  });

  it("stops the client's wait after PAYMENT_ANSWER_WAIT_MS with PAYMENT_IN_PROGRESS; a keyed retry gets the outcome", async () => {
    const coordinator = await startCoordinator();
    const concert = await createConcert(coordinator, [10]);
    const fans = new Fans(coordinator, concert.concertId);
    const held = unwrap(await fans.hold(PAYER, concert.scheduleIds[0] as string, [1]));
    walletDown = true;
    const paid = fans.pay(PAYER, held.reservationId, "key-wait");
    await settle(coordinator);
    clock.advanceBy(PAYMENT_ANSWER_WAIT_MS);
    const waited = await paid;
    expect(waited.ok ? "OK" : waited.rejection.code).toBe("PAYMENT_IN_PROGRESS");
    walletDown = false;
    clock.advanceBy(SAGA_RETRY_MS_MAX);
    await settle(coordinator);
    const again = unwrap(await fans.pay(PAYER, held.reservationId, "key-wait"));
    expect(again.reservationId).toBe(held.reservationId);
    expect(unwrap(await coordinator.reservation(held.reservationId)).status).toBe("CONFIRMED");
  });

  it("resumes after the coordinator restarts between the reserve and the sale, and posts", async () => {
    const first = await startCoordinator();
    const concert = await createConcert(first, [10]);
    const fans = new Fans(first, concert.concertId);
    const held = unwrap(await fans.hold(PAYER, concert.scheduleIds[0] as string, [1]));
    answersLost = true;
    void fans.pay(PAYER, held.reservationId, "key-3");
    await settle(first);
    // The wallet journaled the reserve; the coordinator never heard, and dies.
    expect(unwrap(await wallet.balance(PAYER))).toBe(9 * SEAT_PRICE_WON);
    await first.stop();
    answersLost = false;
    const second = await startCoordinator();
    await settle(second);
    const reservation = unwrap(await second.reservation(held.reservationId));
    expect(reservation.status).toBe("CONFIRMED");
    expect(
      liveState(wallet)
        .wallets.get(PAYER)
        ?.transactions.map((line) => line.type),
    ).toEqual(["CHARGE", "PAYMENT"]);
    expect([...liveState(second).paymentSagas.unsettled]).toEqual([]);
  });

  it("aborts a saga whose hold ended while the wallet was down, and voids once the wallet is back", async () => {
    const coordinator = await startCoordinator();
    const concert = await createConcert(coordinator, [10]);
    const fans = new Fans(coordinator, concert.concertId);
    const held = unwrap(await fans.hold(PAYER, concert.scheduleIds[0] as string, [1]));
    answersLost = true;
    const paid = fans.pay(PAYER, held.reservationId);
    await settle(coordinator);
    answersLost = false;
    walletDown = true;
    unwrap(await fans.cancel(PAYER, held.reservationId));
    clock.advanceBy(SAGA_SWEEP_MS);
    await settle(coordinator);
    const answer = await paid;
    expect(answer.ok ? "OK" : answer.rejection.code).toBe("HOLD_EXPIRED");
    expect(unwrap(await wallet.balance(PAYER))).toBe(9 * SEAT_PRICE_WON);
    walletDown = false;
    clock.advanceBy(SAGA_RETRY_MS_MAX);
    await settle(coordinator);
    expect(unwrap(await wallet.balance(PAYER))).toBe(10 * SEAT_PRICE_WON);
    expect(liveState(wallet).wallets.get(PAYER)?.fundsOutcomes?.size).toBe(1);
    expect([...liveState(coordinator).paymentSagas.unsettled]).toEqual([]);
  });
});
