/**
 * Closed-loop rounds driven by autocannon's programmatic API, for requests that JavaScript closures
 * build or read as they go (setupRequest, onResponse): full-flow's, which take each booking from a
 * pool shared by all connections and end the round when it runs dry. Static requests are encoded
 * before the round (bench/pre-encode.ts). It costs about 60 µs of CPU per request on this machine
 * (wrk: 16 to 27), so the scenarios that use it prove it holds up there: it drives raw node:http
 * well past the engine in the same run.
 */
import autocannon from "autocannon";
import type { Client, Request as CannonRequest, Result as CannonResult } from "autocannon";

import { LatencyRecorder } from "../support/stats.ts";
import { loopbackTarget, REQUEST_TIMEOUT_S, responsesMax } from "./load.ts";
import type { LoadResult, RoundLoad } from "./load.ts";
import { encoderFor, preEncode, usePreEncoded } from "./pre-encode.ts";

/**
 * How a round ends before its time: the workload asks (e.g. its pool of pre-made tokens is used up).
 * autocannon only notices a stop at its next sample tick; what answers in between is not counted.
 */
export interface EarlyStop {
  reason?: string;
  atMs?: number;
  /** Set by the generator while a round runs. */
  onStop?: () => void;
}

/** Ends a round early, once: later reasons are ignored. */
export function stopEarly(early: EarlyStop, reason: string): void {
  if (early.reason === undefined) {
    early.reason = reason;
    early.atMs = Date.now();
    early.onStop?.();
  }
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs autocannon for one round: connection c sends `lists[c]` in order, over and over. */
export async function runAutocannon(
  baseUrl: string,
  lists: readonly CannonRequest[][],
  load: RoundLoad,
  early: EarlyStop,
): Promise<LoadResult> {
  const target = loopbackTarget(baseUrl);
  const statuses: Record<string, number> = {};
  const latency = new LatencyRecorder();
  const encode = encoderFor(target.origin);
  const encoded = lists.map((list) => preEncode(list, encode));
  const countMax = responsesMax(load.durationS);
  let responses = 0;
  let nextClient = 0;
  const startedMs = Date.now();
  const result = await new Promise<CannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: target.origin,
        connections: load.connections,
        pipelining: 1,
        duration: load.durationS,
        timeout: REQUEST_TIMEOUT_S,
        setupClient: (client: Client) => usePreEncoded(client, encoded[nextClient++] ?? []),
      },
      (error: unknown, done: CannonResult) => (error ? reject(toError(error)) : resolve(done)),
    );
    early.onStop = () => instance.stop();
    instance.on("response", (_client, statusCode, _bytes, responseTimeMs) => {
      if (early.atMs !== undefined) {
        return;
      }
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
      latency.record(responseTimeMs);
      responses += 1;
      if (responses >= countMax) {
        stopEarly(early, `${countMax} responses, the most a round may take`);
      }
    });
  });
  early.onStop = undefined;
  return {
    generator: "autocannon",
    durationS: early.atMs === undefined ? result.duration : (early.atMs - startedMs) / 1000,
    statuses,
    // autocannon counts its timeouts among its errors.
    errors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    latency,
  };
}
