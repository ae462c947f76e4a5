/**
 * Open-loop rounds: the paced client (bench/paced-client.ts) in a process of its own, sending a static
 * request list at a constant rate, evenly spaced, with latency taken from each request's due time.
 */
import { spawnTsx } from "../support/child-process.ts";
import { LatencyRecorder } from "../support/stats.ts";
import {
  GENERATOR_GRACE_MS,
  generatorReport,
  loopbackTarget,
  REQUEST_TIMEOUT_S,
  RESPONSES_PER_S_MAX,
} from "./load.ts";
import type { LoadResult, RoundLoad } from "./load.ts";
import type { PacedReport } from "./paced-client.ts";
import { withRequestFiles } from "./pre-encode.ts";
import type { EncodedRequest } from "./pre-encode.ts";

const PACED_CLIENT = "bench/paced-client.ts";

export interface PacedLoad extends RoundLoad {
  /** Requests per second over all connections. */
  ratePerS: number;
}

/** Runs the paced client for one round: `requests` sent in turn at `load.ratePerS`. */
export async function runPaced(
  baseUrl: string,
  requests: readonly EncodedRequest[],
  load: PacedLoad,
): Promise<LoadResult> {
  const target = loopbackTarget(baseUrl);
  // The client sends rate × duration requests and no more: bounded in count by construction.
  if (load.ratePerS > RESPONSES_PER_S_MAX) {
    throw new Error(`${load.ratePerS} requests per second is above the bound of every round`);
  }
  if (requests.some((request) => request.step !== undefined)) {
    throw new Error("the paced client sends static requests only, not chains");
  }
  const report = await withRequestFiles([requests], ([file = ""]) => {
    const child = spawnTsx(PACED_CLIENT, {
      args: [
        ["--port", target.port],
        ["--requests", file],
        ["--rate", String(load.ratePerS)],
        ["--duration", String(load.durationS)],
        ["--connections", String(load.connections)],
        ["--timeout", String(REQUEST_TIMEOUT_S)],
      ].flat(),
    });
    const timeLimitMs = (load.durationS + REQUEST_TIMEOUT_S) * 1_000 + GENERATOR_GRACE_MS;
    return generatorReport<PacedReport>("the paced client", child, timeLimitMs);
  });
  return {
    generator: "paced",
    durationS: report.durationS,
    statuses: report.statuses,
    errors: report.errors,
    timeouts: report.timeouts,
    latency: LatencyRecorder.decode(report.latency),
    sendLagP99Ms: report.sendLagMs.p99,
  };
}
