/**
 * Timed rounds, and the alternation bare Hono, engine, raw node:http, bare Hono, engine, raw
 * node:http that turns noisy absolute figures into ratios measured in the same run. Each round is
 * driven by the generator that suits its requests (see bench/load.ts): wrk for static request lists
 * and chains declared as data, autocannon for requests built by closures, the paced client for an
 * open loop at a fixed rate.
 */
import { LatencyRecorder, type Summary } from "../support/stats.ts";
import { runAutocannon, stopEarly } from "./load-autocannon.ts";
import type { EarlyStop } from "./load-autocannon.ts";
import { runPaced } from "./load-paced.ts";
import { runWrk } from "./load-wrk.ts";
import { REQUEST_TIMEOUT_S } from "./load.ts";
import type { Generator, LoadResult } from "./load.ts";
import { encodeForFile, encoderFor, isChainStep, isClosure, isStatic } from "./pre-encode.ts";
import type { BenchRequest } from "./pre-encode.ts";
import type { ServerProcess } from "./server-process.ts";

/** The engine and its two ceilings: the bare Hono app on the same stack, and raw node:http. */
export type Side = "baseline" | "engine" | "raw";

/** How a side is named in logs and reports. */
export const SIDE_NAMES: Readonly<Record<Side, string>> = {
  baseline: "bare Hono",
  engine: "engine",
  raw: "raw node:http",
};

export const ROUNDS_PER_SIDE = 2;

/** What a workload's request closures may use while a round runs. */
export interface ClientContext {
  side: Side;
  /** 0..connections-1: each connection gets its own request list. */
  client: number;
  connections: number;
  /** Named counters (e.g. "booked") that onResponse closures increment. */
  tally: Record<string, number>;
  /** Ends the round early, e.g. when a pool of pre-made tokens is used up. */
  stop: (reason: string) => void;
}

export interface Workload {
  /**
   * The request list of one connection, which it sends in order, over and over, encoded before the
   * round. Static requests and chain steps (see ChainStep in bench/pre-encode.ts) are sent by wrk;
   * a list with closures (setupRequest, onResponse) by autocannon.
   */
  requestsFor(context: ClientContext): BenchRequest[];
  /** Every status each side may answer (both ceilings answer alike); anything else fails the run. */
  expected: { engine: readonly number[]; ceiling: readonly number[] };
  /** The throughput that counts: "responses" (every response), or the name of one tally (e.g. "held"). */
  throughputOf: string;
}

export interface RoundResult extends LoadResult {
  side: Side;
  responses: number;
  tally: Record<string, number>;
  stoppedEarly: string | undefined;
}

export interface RoundOptions {
  durationS: number;
  connections: number;
  /** Open loop: requests per second over all connections, evenly spaced (the paced client). */
  ratePerS?: number;
}

/**
 * One connection list after another, step by step (connection 0's first request, connection 1's
 * first, …, connection 0's second, …): the order the connections would send them in together.
 */
function interleave(lists: readonly BenchRequest[][]): BenchRequest[] {
  const steps = Math.max(...lists.map((list) => list.length));
  const order: BenchRequest[] = [];
  for (let step = 0; step < steps; step++) {
    for (const list of lists) {
      const request = list[step];
      if (request !== undefined) {
        order.push(request);
      }
    }
  }
  return order;
}

/** Which generator drives a round of these request lists. */
function generatorFor(lists: readonly BenchRequest[][], options: RoundOptions): Generator {
  const requests = lists.flat();
  const closures = requests.some(isClosure);
  if (closures && requests.some(isChainStep)) {
    throw new Error("a workload declares chain steps or closures, not both");
  }
  if (options.ratePerS !== undefined) {
    if (closures) {
      throw new Error("the paced client sends static requests only, not closures");
    }
    return "paced";
  }
  return closures ? "autocannon" : "wrk";
}

/** Runs one timed round of a workload against a server. */
export async function runRound(
  server: ServerProcess,
  side: Side,
  workload: Workload,
  options: RoundOptions,
): Promise<RoundResult> {
  const tally: Record<string, number> = {};
  const early: EarlyStop = {};
  const stop = (reason: string): void => stopEarly(early, reason);
  const { connections, durationS } = options;
  const lists = Array.from({ length: connections }, (_, client) =>
    workload.requestsFor({ side, client, connections, tally, stop }),
  );
  const encode = encoderFor(server.baseUrl);
  let load: LoadResult;
  switch (generatorFor(lists, options)) {
    case "paced":
      load = await runPaced(server.baseUrl, encodeForFile(interleave(lists), encode), {
        durationS,
        connections,
        ratePerS: options.ratePerS ?? 0,
      });
      break;
    case "wrk":
      // Static lists go out in one list over all connections; chains need a connection each.
      load = await runWrk(
        server.baseUrl,
        lists.every((list) => list.every(isStatic))
          ? [encodeForFile(interleave(lists), encode)]
          : lists.map((list) => encodeForFile(list, encode)),
        { durationS, connections },
      );
      break;
    case "autocannon":
      load = await runAutocannon(server.baseUrl, lists, { durationS, connections }, early);
      break;
  }
  const responses = Object.values(load.statuses).reduce((sum, count) => sum + count, 0);
  return { ...load, side, responses, tally: { ...tally, ...load.tally }, stoppedEarly: early.reason };
}

/** The problems of one round: statuses the workload does not expect, errors, timeouts. */
export function roundProblems(round: RoundResult, workload: Workload): string[] {
  const problems: string[] = [];
  const name = SIDE_NAMES[round.side];
  const expected = new Set(round.side === "engine" ? workload.expected.engine : workload.expected.ceiling);
  for (const [status, count] of Object.entries(round.statuses)) {
    if (!expected.has(Number(status))) {
      problems.push(`${name} answered ${count} × HTTP ${status} (expected ${[...expected].join("/")})`);
    }
  }
  if (round.errors > 0) {
    problems.push(`${name}: ${round.errors} connection errors`);
  }
  if (round.timeouts > 0) {
    problems.push(`${name}: ${round.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  }
  if (round.responses === 0) {
    problems.push(`${name}: no response at all`);
  }
  return problems;
}

/** The rounds of one side of one case, merged. */
export interface SideSummary {
  generator: Generator;
  durationS: number;
  responses: number;
  /** Responses per second. */
  rps: number;
  /** The throughput that counts for this workload (see {@link Workload.throughputOf}), per second. */
  throughput: number;
  statuses: Record<string, number>;
  /** Each tally, per second. */
  ratesPerS: Record<string, number>;
  tally: Record<string, number>;
  latencyMs: Summary;
  /** Open loop only: the paced client's own lateness, the worst round's p99, in ms. */
  sendLagP99Ms?: number;
  stoppedEarly: string[];
  rounds: { durationS: number; rps: number; throughput: number; p50: number; p99: number }[];
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, count] of Object.entries(from)) {
    into[key] = (into[key] ?? 0) + count;
  }
}

function throughputOf(workload: Workload, responses: number, tally: Record<string, number>): number {
  return workload.throughputOf === "responses" ? responses : (tally[workload.throughputOf] ?? 0);
}

export function summarise(rounds: readonly RoundResult[], workload: Workload): SideSummary {
  const statuses: Record<string, number> = {};
  const tally: Record<string, number> = {};
  let durationS = 0;
  let responses = 0;
  const latency = new LatencyRecorder();
  for (const round of rounds) {
    durationS += round.durationS;
    responses += round.responses;
    latency.add(round.latency);
    addCounts(statuses, round.statuses);
    addCounts(tally, round.tally);
  }
  const perSecond = (count: number): number => (durationS > 0 ? count / durationS : 0);
  const sendLags = rounds.flatMap((round) => (round.sendLagP99Ms === undefined ? [] : [round.sendLagP99Ms]));
  return {
    generator: rounds[0]?.generator ?? "wrk",
    durationS,
    responses,
    rps: perSecond(responses),
    throughput: perSecond(throughputOf(workload, responses, tally)),
    statuses,
    ratesPerS: Object.fromEntries(Object.entries(tally).map(([key, count]) => [key, perSecond(count)])),
    tally,
    latencyMs: latency.summary(),
    ...(sendLags.length === 0 ? {} : { sendLagP99Ms: Math.max(...sendLags) }),
    stoppedEarly: rounds.flatMap((round) => (round.stoppedEarly === undefined ? [] : [round.stoppedEarly])),
    rounds: rounds.map((round) => ({
      durationS: round.durationS,
      rps: round.responses / round.durationS,
      throughput: throughputOf(workload, round.responses, round.tally) / round.durationS,
      p50: round.latency.percentile(0.5),
      p99: round.latency.percentile(0.99),
    })),
  };
}

/** One engine case measured against both ceilings. */
export interface Comparison {
  name: string;
  baseline: SideSummary;
  engine: SideSummary;
  raw: SideSummary;
  /** engine / bare Hono: above 1 is better for throughput, worse for latency. */
  ratio: { throughput: number; p50: number; p99: number };
  /**
   * Raw node:http's responses per second over the engine's, driven by the same generator: how far
   * past the engine's figure the generator can go, so the engine's figure is not the generator's.
   */
  generatorHeadroom: number;
}

export interface EngineCase {
  name: string;
  workload: Workload;
}

export interface Ceilings {
  baseline: ServerProcess;
  raw: ServerProcess;
}

export interface AlternateOptions extends RoundOptions {
  warmupS: number;
  log: (line: string) => void;
}

/** Thrown when a round sees what its workload does not expect. */
export class BenchFailure extends Error {
  override name = "BenchFailure";
}

/**
 * Bare Hono, the engine's cases, raw node:http, and again: the same duration, connections and
 * requests on every side, the idle sides stopped with SIGSTOP so they take no CPU from the measured
 * one. A short warm-up on each side comes first; it is checked like any round but not counted.
 */
export async function alternate(
  ceilings: Ceilings,
  ceilingWorkload: Workload,
  engine: ServerProcess,
  cases: readonly EngineCase[],
  options: AlternateOptions,
): Promise<Comparison[]> {
  const servers: Record<Side, ServerProcess> = { ...ceilings, engine };
  const measure = async (
    side: Side,
    workload: Workload,
    durationS: number,
    label: string,
  ): Promise<RoundResult> => {
    const active = servers[side];
    for (const server of Object.values(servers)) {
      if (server !== active) {
        server.pause();
      }
    }
    active.resume();
    try {
      const round = await runRound(active, side, workload, { ...options, durationS });
      const problems = roundProblems(round, workload);
      if (active.exited) {
        problems.push(`${active.name} exited during the round`);
      }
      if (problems.length > 0) {
        throw new BenchFailure(`${label}: ${problems.join("; ")}`);
      }
      const lag =
        round.sendLagP99Ms === undefined ? "" : `  send lag p99 ${round.sendLagP99Ms.toFixed(2)} ms`;
      options.log(
        `  ${label.padEnd(40)} ${(round.responses / round.durationS).toFixed(0).padStart(7)} req/s` +
          `  p99 ${round.latency.percentile(0.99).toFixed(2)} ms  ${JSON.stringify(round.statuses)}  (${round.generator})${lag}` +
          `${round.stoppedEarly === undefined ? "" : `  (stopped early: ${round.stoppedEarly})`}`,
      );
      return round;
    } finally {
      for (const server of Object.values(servers)) {
        server.resume();
      }
    }
  };

  // Every case runs the same engine code, so one warm-up round per side is enough for the JIT. It
  // uses the last case: a request cut off by the end of the warm-up (a hold never released) then
  // has all the other cases' rounds to expire before that case is timed.
  const warmupCase = cases[cases.length - 1];
  if (options.warmupS > 0 && warmupCase !== undefined) {
    await measure("baseline", ceilingWorkload, options.warmupS, `warm-up ${SIDE_NAMES.baseline}`);
    await measure("engine", warmupCase.workload, options.warmupS, `warm-up engine ${warmupCase.name}`);
    await measure("raw", ceilingWorkload, options.warmupS, `warm-up ${SIDE_NAMES.raw}`);
  }
  const baselineRounds: RoundResult[] = [];
  const rawRounds: RoundResult[] = [];
  const engineRounds = cases.map((): RoundResult[] => []);
  for (let round = 1; round <= ROUNDS_PER_SIDE; round++) {
    baselineRounds.push(
      await measure("baseline", ceilingWorkload, options.durationS, `round ${round} ${SIDE_NAMES.baseline}`),
    );
    for (const [index, engineCase] of cases.entries()) {
      const label = `round ${round} engine ${engineCase.name}`;
      engineRounds[index]?.push(await measure("engine", engineCase.workload, options.durationS, label));
    }
    rawRounds.push(
      await measure("raw", ceilingWorkload, options.durationS, `round ${round} ${SIDE_NAMES.raw}`),
    );
  }
  const baseline = summarise(baselineRounds, ceilingWorkload);
  const raw = summarise(rawRounds, ceilingWorkload);
  return cases.map((engineCase, index) => {
    const engineSummary = summarise(engineRounds[index] ?? [], engineCase.workload);
    return {
      name: engineCase.name,
      baseline,
      engine: engineSummary,
      raw,
      ratio: {
        throughput: engineSummary.throughput / baseline.throughput,
        p50: engineSummary.latencyMs.p50 / baseline.latencyMs.p50,
        p99: engineSummary.latencyMs.p99 / baseline.latencyMs.p99,
      },
      generatorHeadroom: raw.rps / engineSummary.rps,
    };
  });
}
