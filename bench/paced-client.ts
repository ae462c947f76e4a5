/**
 * The open-loop load generator (bench/load-paced.ts runs it as a process of its own, so nothing else
 * shares its event loop). It sends pre-encoded requests at a constant rate, evenly spaced: request k
 * is due at start + k / rate, on whichever keep-alive connection is free (HTTP/1.1, one request in
 * flight per connection). Each latency runs from the time the request was due, not the time it went
 * out, so a server that stalls is charged for every request that waited behind the stall: that is the
 * coordinated-omission correction, by construction (as wrk2 does it).
 *
 * autocannon's `overallRate` is not this: it gives each connection a budget per second and spends it
 * at full speed when the second starts, so its "open loop" is a closed-loop burst once a second.
 *
 * Prints its {@link PacedReport} as JSON after REPORT_MARKER and exits 0; a wrong command line exits 2.
 */
import { connect } from "node:net";
import type { Socket } from "node:net";
import { performance } from "node:perf_hooks";

import { parseCommandLine } from "../support/cli.ts";
import { LatencyRecorder } from "../support/stats.ts";
import { REPORT_MARKER } from "./load.ts";
import { readStaticRequestFile } from "./pre-encode.ts";
import { BENCH_HOST } from "./server-process.ts";

/** What the client prints, for bench/load-paced.ts. */
export interface PacedReport {
  /** From the first due time to the last answer, in seconds. */
  durationS: number;
  sent: number;
  statuses: Record<string, number>;
  errors: number;
  timeouts: number;
  /** Due time to answer, in ms: {@link LatencyRecorder.encode}'s text. */
  latency: string;
  /** Due time to send, in ms: the client's own lateness, p99 and max. */
  sendLagMs: { p99: number; max: number };
}

const USAGE = `usage: node --import tsx bench/paced-client.ts --port <n> --requests <file> --rate <per s> --duration <s> --connections <n> --timeout <s>
  Sends the static requests of <file> (bench/pre-encode.ts writeRequestFile) to ${BENCH_HOST}:<port> at <rate> per second.`;

/** The loop sleeps on a timer while the next send is further off than this (Node's timers fire up to ~1 ms late). */
const TIMER_LATE_MS_MAX = 2;
/**
 * Closer to a send, it blocks for slices this short between turns of the event loop: a response
 * waits at most this long to be read, and the loop wakes a few thousand times a second, not millions.
 */
const FINE_SLEEP_MS = 0.1;
const TIMEOUT_CHECK_INTERVAL_MS = 100;
const HEADER_END = Buffer.from("\r\n\r\n");
const STATUS_CODE_OFFSET = "HTTP/1.1 ".length;
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

interface Connection {
  socket: Socket;
  busy: boolean;
  /** When its request in flight was due and when it went out, in performance.now() ms. */
  dueMs: number;
  sentMs: number;
  /** Bytes of a response that has not arrived whole yet. */
  pending: Buffer | undefined;
}

/** The status and length of the response at the start of `bytes`, or undefined while it is incomplete. */
function parseResponse(bytes: Buffer): { status: number; length: number } | undefined {
  const headerEnd = bytes.indexOf(HEADER_END);
  if (headerEnd === -1) {
    return undefined;
  }
  const head = bytes.toString("latin1", 0, headerEnd);
  const contentLength = CONTENT_LENGTH.exec(head)?.[1];
  if (contentLength === undefined) {
    // Every server under test sends a length; chunked replies are not worth a parser here.
    throw new Error(`a response without Content-Length: ${head.slice(0, 200)}`);
  }
  const length = headerEnd + HEADER_END.length + Number(contentLength);
  const status = Number(head.slice(STATUS_CODE_OFFSET, STATUS_CODE_OFFSET + 3));
  return bytes.length < length ? undefined : { status, length };
}

async function main(): Promise<void> {
  const cli = parseCommandLine({
    usage: USAGE,
    options: {
      port: { type: "string" },
      requests: { type: "string" },
      rate: { type: "string" },
      duration: { type: "string" },
      connections: { type: "string" },
      timeout: { type: "string" },
    },
  });
  const port = cli.integer("port", { min: 1, max: 65_535 });
  const ratePerS = cli.number("rate", { min: 1, max: 1_000_000 });
  const durationS = cli.number("duration", { min: 0.1, max: 3_600 });
  const connectionCount = cli.integer("connections", { min: 1, max: 10_000 });
  const timeoutMs = cli.number("timeout", { min: 0.1, max: 600 }) * 1_000;
  const requests = await readStaticRequestFile(cli.values.requests ?? cli.fail("--requests is required"));
  if (requests.length === 0) {
    cli.fail("the request file holds no request");
  }

  const total = Math.max(1, Math.round(ratePerS * durationS));
  const intervalMs = 1_000 / ratePerS;
  const latency = new LatencyRecorder();
  const sendLag = new LatencyRecorder();
  const statuses: Record<string, number> = {};
  const free: Connection[] = [];
  const live = new Set<Connection>();
  const sleeper = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
  let errors = 0;
  let timeouts = 0;
  let next = 0;
  let inFlight = 0;
  let startMs = 0;
  let lastAnswerMs = 0;
  let pumpScheduled = false;
  let finished = false;
  let finish: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (finish = resolve));

  const settle = (connection: Connection): void => {
    connection.busy = false;
    connection.pending = undefined;
    inFlight -= 1;
    if (next >= total && inFlight === 0) {
      finish();
    }
  };

  const open = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const socket = connect({ host: BENCH_HOST, port, noDelay: true });
      const connection: Connection = { socket, busy: false, dueMs: 0, sentMs: 0, pending: undefined };
      socket.once("connect", () => {
        live.add(connection);
        free.push(connection);
        resolve();
        if (startMs > 0 && !pumpScheduled) {
          pump();
        }
      });
      socket.on("data", (chunk: Buffer) => {
        const bytes = connection.pending === undefined ? chunk : Buffer.concat([connection.pending, chunk]);
        const response = parseResponse(bytes);
        if (response === undefined) {
          connection.pending = bytes;
          return;
        }
        if (!connection.busy || response.length !== bytes.length) {
          // Bytes nobody asked for: the connection can no longer be trusted.
          errors += 1;
          socket.destroy();
          return;
        }
        lastAnswerMs = performance.now();
        latency.record(lastAnswerMs - connection.dueMs);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        settle(connection);
        free.push(connection);
        if (!pumpScheduled) {
          pump();
        }
      });
      socket.on("error", (error) => {
        if (!live.has(connection)) {
          reject(error);
        }
      });
      socket.on("close", () => {
        if (!live.delete(connection)) {
          return;
        }
        const index = free.indexOf(connection);
        if (index !== -1) {
          // An idle connection the server closed (keep-alive timeout): replace it, no harm done.
          free.splice(index, 1);
        } else if (connection.busy) {
          errors += 1;
          settle(connection);
        }
        if (!finished && next < total) {
          open().catch(() => {
            errors += 1;
          });
        }
      });
    });

  const send = (connection: Connection, dueMs: number, nowMs: number): void => {
    connection.busy = true;
    connection.dueMs = dueMs;
    connection.sentMs = nowMs;
    inFlight += 1;
    sendLag.record(nowMs - dueMs);
    connection.socket.write(requests[next % requests.length] as Buffer);
    next += 1;
  };

  /**
   * Sends every request that is due on the free connections, then sleeps until the next one is due:
   * on a timer when it is far off, in short blocking slices when it is near. With no connection free
   * it waits for an answer, which calls it again.
   */
  function pump(): void {
    pumpScheduled = false;
    if (finished) {
      return;
    }
    const nowMs = performance.now();
    while (next < total && free.length > 0) {
      const dueMs = startMs + next * intervalMs;
      if (dueMs > nowMs) {
        break;
      }
      send(free.shift() as Connection, dueMs, nowMs);
    }
    if (next >= total || free.length === 0) {
      return;
    }
    pumpScheduled = true;
    const waitMs = startMs + next * intervalMs - performance.now();
    if (waitMs > TIMER_LATE_MS_MAX) {
      setTimeout(pump, waitMs - TIMER_LATE_MS_MAX);
      return;
    }
    if (waitMs > 0) {
      Atomics.wait(sleeper, 0, 0, Math.min(FINE_SLEEP_MS, waitMs));
    }
    setImmediate(pump);
  }

  await Promise.all(Array.from({ length: connectionCount }, open));
  const timeoutCheck = setInterval(() => {
    const nowMs = performance.now();
    for (const connection of live) {
      if (connection.busy && nowMs - connection.sentMs > timeoutMs) {
        timeouts += 1;
        settle(connection);
        connection.socket.destroy();
      }
    }
  }, TIMEOUT_CHECK_INTERVAL_MS);
  startMs = performance.now();
  pump();
  // Bounded in time whatever the server does: every request is due by the end of the schedule and
  // answered or timed out at most `timeoutMs` later.
  const deadline = setTimeout(finish, durationS * 1_000 + timeoutMs + TIMEOUT_CHECK_INTERVAL_MS);
  await allDone;
  finished = true;
  timeouts += inFlight;
  clearTimeout(deadline);
  clearInterval(timeoutCheck);
  // Out of `live` first, so their close handlers neither count nor replace them.
  const connections = [...live];
  live.clear();
  for (const connection of connections) {
    connection.socket.destroy();
  }
  const report: PacedReport = {
    durationS: (Math.max(lastAnswerMs, startMs + total * intervalMs) - startMs) / 1_000,
    sent: next,
    statuses,
    errors,
    timeouts,
    latency: latency.encode(),
    sendLagMs: { p99: sendLag.percentile(0.99), max: sendLag.summary().max },
  };
  process.stdout.write(`${REPORT_MARKER}${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
