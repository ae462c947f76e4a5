/**
 * What the three load generators share: the bounds every round keeps and what each reports.
 *  - wrk (bench/load-wrk.ts): closed loop over static request lists, and over chains declared as
 *    data (a hold, then the release of that hold). It is C: on this machine it spends a quarter to a
 *    half of autocannon's CPU per request, CPU the servers share on two cores.
 *  - autocannon (bench/load-autocannon.ts): closed loop over requests that closures build as they
 *    go (full-flow's pool of one-use users); it proves it holds up where it is used.
 *  - the paced client (bench/load-paced.ts): open loop at a fixed rate, evenly spaced, with latency
 *    taken from each request's intended send time.
 */
import type { ChildProcess } from "node:child_process";

import { runToExit, watchChild } from "../support/child-process.ts";
import type { LatencyRecorder } from "../support/stats.ts";
import { BENCH_HOST } from "./server-process.ts";

export type Generator = "wrk" | "autocannon" | "paced";

/** A request unanswered after this long fails the round. */
export const REQUEST_TIMEOUT_S = 5;
/**
 * A bound on the count of every round: far above what this stack answers (tens of thousands per
 * second), so it only stops a generator gone wrong.
 */
export const RESPONSES_PER_S_MAX = 200_000;
/** How long a generator process may outlive its round (start-up, draining, its report) before it is killed. */
export const GENERATOR_GRACE_MS = 30_000;
/**
 * A generator process prints its JSON report on one line after this (bench/load-wrk.lua spells it
 * out, as Lua cannot import it).
 */
export const REPORT_MARKER = "LOAD_REPORT ";

export interface RoundLoad {
  durationS: number;
  connections: number;
}

/** What a generator reports of one round. */
export interface LoadResult {
  generator: Generator;
  /** How long the load ran, in seconds. */
  durationS: number;
  /** Responses by HTTP status. */
  statuses: Record<string, number>;
  /** Counts that chain steps declared (see ChainStep in bench/pre-encode.ts), by name. */
  tally?: Record<string, number>;
  /** Connection errors (refused, reset, failed reads and writes); timeouts are counted apart. */
  errors: number;
  timeouts: number;
  /** Every response time, in ms. */
  latency: LatencyRecorder;
  /** Open loop only: how late the paced client sent, p99 of due time to send, in ms. */
  sendLagP99Ms?: number;
}

/** The most responses a round of `durationS` seconds may take before its generator stops. */
export function responsesMax(durationS: number): number {
  return Math.ceil(durationS * RESPONSES_PER_S_MAX);
}

/** Load goes to loopback only: a URL elsewhere is refused before anything is sent. */
export function loopbackTarget(baseUrl: string): URL {
  const url = new URL(baseUrl);
  if (url.hostname !== BENCH_HOST || url.protocol !== "http:") {
    throw new Error(`load generators only target http://${BENCH_HOST}, not ${baseUrl}`);
  }
  return url;
}

/**
 * Waits for a generator process to end (SIGKILL once `timeLimitMs` has passed) and parses its report;
 * an exit other than 0, or no report, is an error that carries what it printed.
 */
export async function generatorReport<T>(name: string, child: ChildProcess, timeLimitMs: number): Promise<T> {
  const result = await runToExit(watchChild(child), timeLimitMs);
  const line = result.stdout.split("\n").find((each) => each.startsWith(REPORT_MARKER));
  if (result.code !== 0 || line === undefined) {
    const exit = result.signal ?? `code ${String(result.code)}`;
    throw new Error(`${name} exited with ${exit} and no report:\n${result.stdout}${result.stderr}`);
  }
  return JSON.parse(line.slice(REPORT_MARKER.length)) as T;
}
