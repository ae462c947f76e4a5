/**
 * Timed rounds with autocannon's programmatic API, and the alternation baseline, engine,
 * baseline, engine that turns noisy absolute figures into ratios measured in the same run.
 */
import autocannon from "autocannon";
import type { Client, Request as CannonRequest, Result as CannonResult } from "autocannon";

import { LatencyRecorder, type Summary } from "../support/stats.ts";
import { encoderFor, preEncode, usePreEncoded } from "./pre-encode.ts";
import type { ServerProcess } from "./server-process.ts";

export type Side = "baseline" | "engine";

/** autocannon's per-request timeout, in seconds; a timeout fails the run. */
export const REQUEST_TIMEOUT_S = 5;
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
   * The request list of one connection, which it sends in order, over and over. Static requests
   * (no setupRequest) are encoded before the round starts and cost nothing per request while timed.
   */
  requestsFor(context: ClientContext): CannonRequest[];
  /** Every status this side may answer; anything else fails the run. */
  expected: Record<Side, readonly number[]>;
  /** The throughput that counts: "responses" (every response), or the name of one tally (e.g. "held"). */
  throughputOf: string;
}

export interface RoundResult {
  side: Side;
  durationS: number;
  responses: number;
  statuses: Record<string, number>;
  tally: Record<string, number>;
  errors: number;
  timeouts: number;
  /** autocannon's own latency percentiles: whole milliseconds, coordinated-omission corrected under a rate. */
  autocannonLatencyMs: { p50: number; p99: number; p99_9: number };
  stoppedEarly: string | undefined;
  /** Every response time in ms (to three significant digits); not written to JSON. */
  latency: LatencyRecorder;
}

export interface RoundOptions {
  durationS: number;
  connections: number;
  /** Open loop: requests per second over all connections (autocannon `overallRate`). */
  overallRate?: number;
}

/**
 * The coordinated-omission interval under a rate: the time between two sends of one connection.
 * autocannon corrects its own histogram with Math.ceil(1 / rate) = 1 ms whatever the rate (its
 * rate is per second, so that reads as a unit slip), which turns one 100 ms stall at 30 requests
 * per second per connection into 99 phantom samples; we use 1000 / rate ms. autocannon's own
 * figures are kept beside ours in the results (autocannonLatencyMs).
 */
function correctionIntervalMs(overallRate: number, connections: number): number {
  return (1000 * connections) / overallRate;
}

/** Runs one timed round of a workload against a server. */
export async function runRound(
  server: ServerProcess,
  side: Side,
  workload: Workload,
  options: RoundOptions,
): Promise<RoundResult> {
  const statuses: Record<string, number> = {};
  const tally: Record<string, number> = {};
  const latency = new LatencyRecorder();
  let stoppedEarly: string | undefined;
  let stoppedAtMs: number | undefined;
  let nextClient = 0;
  let instance: autocannon.Instance | undefined;
  // autocannon only notices a stop at its next sample tick; what answers in between is not counted.
  const stop = (reason: string): void => {
    if (stoppedEarly === undefined) {
      stoppedEarly = reason;
      stoppedAtMs = Date.now();
      instance?.stop();
    }
  };
  const startedMs = Date.now();
  const rated = options.overallRate !== undefined;
  const intervalMs = correctionIntervalMs(options.overallRate ?? 1, options.connections);
  const encode = encoderFor(server.baseUrl);
  const lists = Array.from({ length: options.connections }, (_, client) =>
    preEncode(workload.requestsFor({ side, client, connections: options.connections, tally, stop }), encode),
  );
  const result = await new Promise<CannonResult>((resolve, reject) => {
    instance = autocannon(
      {
        url: server.baseUrl,
        connections: options.connections,
        pipelining: 1,
        duration: options.durationS,
        timeout: REQUEST_TIMEOUT_S,
        ...(rated ? { overallRate: options.overallRate } : {}),
        setupClient: (client: Client) => usePreEncoded(client, lists[nextClient++] ?? []),
      },
      (error: unknown, done: CannonResult) => (error ? reject(toError(error)) : resolve(done)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      if (stoppedAtMs !== undefined) {
        return;
      }
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      if (rated) {
        latency.recordCorrected(responseTimeMs, intervalMs);
      } else {
        latency.record(responseTimeMs);
      }
    });
  });
  const responses = Object.values(statuses).reduce((sum, count) => sum + count, 0);
  return {
    side,
    durationS: stoppedAtMs === undefined ? result.duration : (stoppedAtMs - startedMs) / 1000,
    responses,
    statuses,
    tally,
    errors: result.errors,
    timeouts: result.timeouts,
    autocannonLatencyMs: { p50: result.latency.p50, p99: result.latency.p99, p99_9: result.latency.p99_9 },
    stoppedEarly,
    latency,
  };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** The problems of one round: statuses the workload does not expect, errors, timeouts. */
export function roundProblems(round: RoundResult, workload: Workload): string[] {
  const problems: string[] = [];
  const expected = new Set(workload.expected[round.side]);
  for (const [status, count] of Object.entries(round.statuses)) {
    if (!expected.has(Number(status))) {
      problems.push(`${round.side} answered ${count} × HTTP ${status} (expected ${[...expected].join("/")})`);
    }
  }
  if (round.errors > round.timeouts) {
    problems.push(`${round.side}: ${round.errors - round.timeouts} connection errors`);
  }
  if (round.timeouts > 0) {
    problems.push(`${round.side}: ${round.timeouts} requests timed out after ${REQUEST_TIMEOUT_S} s`);
  }
  if (round.responses === 0) {
    problems.push(`${round.side}: no response at all`);
  }
  return problems;
}

/** The rounds of one side of one case, merged. */
export interface SideSummary {
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
  autocannonLatencyMs: { p50: number; p99: number; p99_9: number };
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
  const worst = (pick: (round: RoundResult) => number): number => Math.max(...rounds.map(pick));
  return {
    durationS,
    responses,
    rps: perSecond(responses),
    throughput: perSecond(throughputOf(workload, responses, tally)),
    statuses,
    ratesPerS: Object.fromEntries(Object.entries(tally).map(([key, count]) => [key, perSecond(count)])),
    tally,
    latencyMs: latency.summary(),
    autocannonLatencyMs: {
      p50: worst((round) => round.autocannonLatencyMs.p50),
      p99: worst((round) => round.autocannonLatencyMs.p99),
      p99_9: worst((round) => round.autocannonLatencyMs.p99_9),
    },
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

/** One engine case measured against the baseline. */
export interface Comparison {
  name: string;
  baseline: SideSummary;
  engine: SideSummary;
  /** engine / baseline: above 1 is better for throughput, worse for latency. */
  ratio: { throughput: number; p50: number; p99: number };
}

export interface EngineCase {
  name: string;
  workload: Workload;
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
 * Baseline, engine cases, baseline, engine cases: the same duration, connections and requests on
 * both sides, the idle side stopped with SIGSTOP so it takes no CPU from the measured one. A short
 * warm-up on each side comes first; it is checked like any round but not counted.
 */
export async function alternate(
  baseline: ServerProcess,
  baselineWorkload: Workload,
  engine: ServerProcess,
  cases: readonly EngineCase[],
  options: AlternateOptions,
): Promise<Comparison[]> {
  const measure = async (
    side: Side,
    workload: Workload,
    durationS: number,
    label: string,
  ): Promise<RoundResult> => {
    const [active, idle] = side === "baseline" ? [baseline, engine] : [engine, baseline];
    idle.pause();
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
      options.log(
        `  ${label.padEnd(34)} ${(round.responses / round.durationS).toFixed(0).padStart(7)} req/s` +
          `  ${JSON.stringify(round.statuses)}${round.stoppedEarly === undefined ? "" : `  (stopped early: ${round.stoppedEarly})`}`,
      );
      return round;
    } finally {
      idle.resume();
    }
  };

  // Every case runs the same engine code, so one warm-up round per side is enough for the JIT. It
  // uses the last case: a request cut off by the end of the warm-up (a hold never released) then
  // has all the other cases' rounds to expire before that case is timed.
  const warmupCase = cases[cases.length - 1];
  if (options.warmupS > 0 && warmupCase !== undefined) {
    await measure("baseline", baselineWorkload, options.warmupS, "warm-up baseline");
    await measure("engine", warmupCase.workload, options.warmupS, `warm-up engine ${warmupCase.name}`);
  }
  const baselineRounds: RoundResult[] = [];
  const engineRounds = cases.map((): RoundResult[] => []);
  for (let round = 1; round <= ROUNDS_PER_SIDE; round++) {
    baselineRounds.push(
      await measure("baseline", baselineWorkload, options.durationS, `round ${round} baseline`),
    );
    for (const [index, engineCase] of cases.entries()) {
      const label = `round ${round} engine ${engineCase.name}`;
      engineRounds[index]?.push(await measure("engine", engineCase.workload, options.durationS, label));
    }
  }
  const baselineSummary = summarise(baselineRounds, baselineWorkload);
  return cases.map((engineCase, index) => {
    const engineSummary = summarise(engineRounds[index] ?? [], engineCase.workload);
    return {
      name: engineCase.name,
      baseline: baselineSummary,
      engine: engineSummary,
      ratio: {
        throughput: engineSummary.throughput / baselineSummary.throughput,
        p50: engineSummary.latencyMs.p50 / baselineSummary.latencyMs.p50,
        p99: engineSummary.latencyMs.p99 / baselineSummary.latencyMs.p99,
      },
    };
  });
}
