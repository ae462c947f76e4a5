import { describe, expect, it } from "vitest";
import { accept } from "../../src/engine/decider.ts";
import { spendableBalance } from "../../src/engine/wallet.ts";
import {
  REAL_DECIDERS,
  reproduceCommand,
  runSimulation,
  SEED_VARIABLE,
  writesWithoutCrashes,
  type SideName,
  type SimDeciders,
  type SimResult,
} from "./payment-saga-sim.ts";

/**
 * The payment saga under a deterministic simulation (see payment-saga-sim.ts): thousands of seeded
 * schedules of clients, crashes, and a network that drops, duplicates and reorders, each checked for
 * the saga's guarantees once it has settled. A failure names its seed; `SAGA_SEED=<seed>` replays it.
 */

const RANDOM_SEEDS = 5_000;
/** Workloads whose every journal write, on both sides and in both phases, gets its own crashing run. */
const SYSTEMATIC_WORKLOADS = 20;

function explain(result: SimResult): string {
  return result.ok
    ? ""
    : `seed ${result.seed} failed: ${result.failure}\nreproduce: ${reproduceCommand(result.seed)}`;
}

function expectAllPass(seeds: Iterable<string>, deciders: SimDeciders = REAL_DECIDERS): SimResult[] {
  const results: SimResult[] = [];
  for (const seed of seeds) {
    const result = runSimulation(seed, deciders);
    if (!result.ok) {
      console.error(explain(result));
    }
    expect(result.ok, explain(result)).toBe(true);
    results.push(result);
  }
  return results;
}

function* range(from: number, count: number): Generator<string> {
  for (let n = from; n < from + count; n += 1) {
    yield String(n);
  }
}

const replay = process.env[SEED_VARIABLE];

describe.runIf(replay !== undefined)("one replayed seed", () => {
  it(`passes for ${SEED_VARIABLE}=${replay}`, () => {
    const result = runSimulation(replay as string);
    console.log(JSON.stringify(result, null, 2));
    expect(result.ok, explain(result)).toBe(true);
  });
});

describe.runIf(replay === undefined)("the payment saga under simulation", () => {
  it(`keeps its guarantees over ${RANDOM_SEEDS} seeds of random crashes, drops, duplicates and delays`, () => {
    const started = performance.now();
    const results = expectAllPass(range(0, RANDOM_SEEDS));
    const seconds = (performance.now() - started) / 1000;
    const total = (
      key: "crashes" | "payments" | "completed" | "aborted" | "dropped" | "duplicated",
    ): number => results.reduce((sum, result) => sum + result.stats[key], 0);
    console.log(
      `saga simulation: ${RANDOM_SEEDS} seeds in ${seconds.toFixed(1)} s (${Math.round(RANDOM_SEEDS / seconds)}/s); ` +
        `${total("payments")} payments (${total("completed")} completed, ${total("aborted")} aborted), ` +
        `${total("crashes")} crashes, ${total("dropped")} dropped, ${total("duplicated")} duplicated`,
    );
    // The runs exercise what they claim to: sales, aborts and crashes all happen.
    expect(total("completed")).toBeGreaterThan(RANDOM_SEEDS);
    expect(total("aborted")).toBeGreaterThan(RANDOM_SEEDS / 2);
    expect(total("crashes")).toBeGreaterThan(RANDOM_SEEDS);
  });

  it("keeps its guarantees with a crash at every journal write of either side, before and after it is durable", () => {
    let runs = 0;
    for (const base of range(100_000, SYSTEMATIC_WORKLOADS)) {
      const clean = writesWithoutCrashes(base);
      expect(clean.ok, explain(clean)).toBe(true);
      for (const side of ["coordinator", "wallet"] as const satisfies readonly SideName[]) {
        expect(clean.stats.writes[side]).toBeGreaterThan(10);
        const seeds: string[] = [];
        for (let write = 1; write <= clean.stats.writes[side]; write += 1) {
          seeds.push(`${base}@${side}:${write}:before`, `${base}@${side}:${write}:after`);
        }
        const results = expectAllPass(seeds);
        runs += results.length;
        // Each run crashed exactly once, where it was told to.
        expect(results.every((result) => result.stats.crashes === 1)).toBe(true);
      }
    }
    console.log(`saga simulation: ${runs} runs with one systematic crash each`);
  });

  it("replays a seed exactly", () => {
    expect(runSimulation("42")).toStrictEqual(runSimulation("42"));
    expect(runSimulation("7@wallet:5:after")).toStrictEqual(runSimulation("7@wallet:5:after"));
  });
});

/**
 * Broken variants of the deciders: each must make some seed fail, and that seed must fail again on
 * replay. This is what shows the checker can see the bugs it is there for.
 */
const BROKEN: Readonly<Record<string, SimDeciders>> = {
  "a wallet that reserves without checking the spendable balance": {
    ...REAL_DECIDERS,
    decideFunds: (wallet, command, ctx) => {
      if (command.type !== "ReserveFunds" || wallet.pendingFunds?.has(command.paymentId) === true) {
        return REAL_DECIDERS.decideFunds(wallet, command, ctx);
      }
      if (wallet.fundsOutcomes?.has(command.paymentId) === true) {
        return accept([]);
      }
      const spendable = spendableBalance(wallet);
      return accept([
        {
          type: "FundsReserved",
          userId: wallet.userId,
          paymentId: command.paymentId,
          reservationId: command.reservationId,
          amount: command.amount,
          spendableAfter: spendable - command.amount,
          atMs: ctx.nowMs,
        },
      ]);
    },
  },
  "a wallet that answers a void it has not journaled": {
    ...REAL_DECIDERS,
    decideFunds: (wallet, command, ctx) =>
      command.type === "VoidFunds" &&
      wallet.pendingFunds?.has(command.paymentId) !== true &&
      wallet.fundsOutcomes?.has(command.paymentId) !== true
        ? accept([])
        : REAL_DECIDERS.decideFunds(wallet, command, ctx),
    fundsAnswerOf: (wallet, paymentId) =>
      REAL_DECIDERS.fundsAnswerOf(wallet, paymentId) ?? { paymentId, status: "VOIDED" },
  },
  "a coordinator that sells after the hold's deadline (before the hold's expiry is journaled)": {
    ...REAL_DECIDERS,
    decidePaymentSaga: (sagas, schedule, room, command, ctx) => {
      const saga = command.type === "CompleteSale" ? sagas.sagas.get(command.paymentId) : undefined;
      // Decides the sale at the time the payment started, as if the hold were still live.
      const at = saga === undefined ? ctx : { ...ctx, nowMs: saga.startedAtMs };
      return REAL_DECIDERS.decidePaymentSaga(sagas, schedule, room, command, at);
    },
  },
  "a coordinator that completes the sale when the wallet refused": {
    ...REAL_DECIDERS,
    decidePaymentSaga: (sagas, schedule, room, command, ctx) =>
      REAL_DECIDERS.decidePaymentSaga(
        sagas,
        schedule,
        room,
        command.type === "AbortPayment" && command.fundsRefused
          ? { type: "CompleteSale", paymentId: command.paymentId, spendableAfter: 0 }
          : command,
        ctx,
      ),
  },
};

describe.runIf(replay === undefined)("the simulation's checker", () => {
  for (const [name, deciders] of Object.entries(BROKEN)) {
    it(`catches ${name}, with a seed that reproduces it`, () => {
      let failed: SimResult | undefined;
      for (const seed of range(0, 500)) {
        const result = runSimulation(seed, deciders);
        if (!result.ok) {
          failed = result;
          break;
        }
      }
      expect(failed, "some seed fails").toBeDefined();
      const again = runSimulation((failed as SimResult).seed, deciders);
      expect(again).toStrictEqual(failed);
      console.log(`${name}: ${explain(failed as SimResult).split("\n")[0]}`);
    });
  }
});
