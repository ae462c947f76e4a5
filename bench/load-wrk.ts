/**
 * Closed-loop rounds driven by wrk (Debian's `wrk` package; `.ci/run` installs it) with a Lua script,
 * bench/load-wrk.lua, that sends pre-encoded request lists (chains among them) and counts the statuses.
 *
 * Why wrk and not autocannon for static request lists, measured on this project's 2-core machine
 * against raw node:http (POST, 50 connections, 5 s, three runs each): wrk took 15 to 19 µs of CPU per
 * request (17 to 19 with the status-counting script), autocannon 58 to 68 µs. With the generator and
 * the server sharing two cores, that CPU comes out of the server's figure.
 */
import { spawn } from "node:child_process";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

import { LatencyRecorder } from "../support/stats.ts";
import {
  GENERATOR_GRACE_MS,
  generatorReport,
  loopbackTarget,
  REQUEST_TIMEOUT_S,
  responsesMax,
} from "./load.ts";
import type { LoadResult, RoundLoad } from "./load.ts";
import { withRequestFiles } from "./pre-encode.ts";
import type { EncodedRequest } from "./pre-encode.ts";

const WRK_COMMAND = "wrk";
const WRK_SCRIPT = fileURLToPath(new URL("load-wrk.lua", import.meta.url));
/** The script names quantiles in thousandths of a percent: 99,900 is p99.9. */
const QUANTILE_UNITS_PER_WHOLE = 100_000;
const MICROSECONDS_PER_MS = 1_000;

/** What bench/load-wrk.lua prints. */
interface WrkReport {
  durationUs: number;
  requests: number;
  errors: { connect: number; read: number; write: number; timeout: number };
  statuses: Record<string, number>;
  tally: Record<string, number>;
  /** [quantile in thousandths of a percent, latency in µs], ascending. */
  latencyUs: [number, number][];
}

/**
 * wrk's latencies at fixed quantiles, as a recorder: each quantile's value stands for the responses
 * between it and the quantile before, so percentiles at the script's quantiles come out exact.
 */
function latencyOf(report: WrkReport): LatencyRecorder {
  const recorder = new LatencyRecorder();
  let rankBefore = 0;
  for (const [quantile, valueUs] of report.latencyUs) {
    const rank = Math.round((quantile / QUANTILE_UNITS_PER_WHOLE) * report.requests);
    if (rank > rankBefore) {
      recorder.record(valueUs / MICROSECONDS_PER_MS, rank - rankBefore);
      rankBefore = rank;
    }
  }
  return recorder;
}

/**
 * Runs wrk for one round. One list: one thread sends it in turn over all the connections (static
 * requests only). One list per connection: a thread per connection, so each chain runs on its own
 * connection, where a capture belongs to the answer before it; that costs wrk about 27 µs of CPU per
 * request on this machine, against 16 µs for one thread and 60 µs for autocannon.
 */
export async function runWrk(
  baseUrl: string,
  lists: readonly (readonly EncodedRequest[])[],
  load: RoundLoad,
): Promise<LoadResult> {
  const target = loopbackTarget(baseUrl);
  const threads = lists.length;
  if (threads !== 1 && threads !== load.connections) {
    throw new Error(
      `wrk takes one request list, or one per connection; not ${threads} for ${load.connections}`,
    );
  }
  if (threads === 1 && lists[0]?.some((request) => request.step !== undefined)) {
    throw new Error("a chain needs a connection of its own: one request list per connection");
  }
  // wrk takes whole seconds only.
  const durationS = Math.max(1, Math.ceil(load.durationS));
  const report = await withRequestFiles(lists, async ([first = ""]) => {
    const args = [
      ["--threads", String(threads)],
      ["--connections", String(load.connections)],
      ["--duration", `${durationS}s`],
      ["--timeout", `${REQUEST_TIMEOUT_S}s`],
      ["--script", WRK_SCRIPT],
      // The script finds thread i's file next to the first one, named i.
      [target.origin, "--", dirname(first), String(Math.ceil(responsesMax(durationS) / threads))],
    ].flat();
    const child = spawn(WRK_COMMAND, args, { stdio: ["ignore", "pipe", "pipe"] });
    try {
      return await generatorReport<WrkReport>("wrk", child, durationS * 1_000 + GENERATOR_GRACE_MS);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === "ENOENT";
      throw missing ? new Error("wrk is not installed: apt-get install -y wrk (.ci/run does)") : error;
    }
  });
  const { connect, read, write, timeout } = report.errors;
  return {
    generator: "wrk",
    durationS: report.durationUs / 1e6,
    statuses: report.statuses,
    tally: report.tally,
    errors: connect + read + write,
    timeouts: timeout,
    latency: latencyOf(report),
  };
}
