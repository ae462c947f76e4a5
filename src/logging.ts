import { pino, type DestinationStream, type Level, type LevelWithSilent, type Logger } from "pino";
import type { Config } from "./config.ts";
import type { JournalUnavailableError } from "./persistence/journal.ts";
import type { ReplayProgress } from "./persistence/recovery.ts";

export type { Logger } from "pino";

/**
 * Log lines waiting for stdout beyond this many bytes are dropped (and counted) rather than queued
 * without bound, should whatever reads stdout stop reading.
 */
export const LOG_BUFFER_BYTES_MAX = 16 * 1024 * 1024;
/** Lines are written to stdout once this many bytes are waiting, or every LOG_FLUSH_INTERVAL_MS. */
export const LOG_WRITE_BYTES_MIN = 4096;
/** The longest a line waits in the buffer for others to go out with it. */
export const LOG_FLUSH_INTERVAL_MS = 100;
/** How long an exiting process waits for its last lines to reach stdout before it exits anyway. */
export const LOG_FLUSH_TIMEOUT_MS = 2_000;

/**
 * The server's logger: one JSON object per line on stdout, with the level as its name ("info"), the
 * time in epoch ms, pid and hostname.
 *
 * The destination is pino's own (sonic-boom), asynchronous and batched. Asynchronous: the lines go
 * out in writes on libuv's thread pool. A synchronous destination makes every request pay a write(2)
 * on the event loop, and stalls the whole server as soon as whatever reads stdout stops reading (a
 * full pipe blocks the write). Batched: a write waits for LOG_WRITE_BYTES_MIN bytes of lines (about
 * 15 request lines) or LOG_FLUSH_INTERVAL_MS, whichever comes first. Measured on the event loop
 * of this project's 2-core machine, on top of about 2 µs to build a line: a write per line cost
 * 7-9 µs a line, a synchronous write 9-12 µs, batched writes 4-5 µs.
 *
 * The destination holds bytes (sonic-boom's `contentMode: "buffer"`), and each line is encoded once
 * as it is logged. Holding text, sonic-boom measures the whole batch (`Buffer.byteLength`) at every
 * line, and converts the whole pending text to bytes again at every write; when the reader of stdout
 * is slow the pipe takes part of a write at a time, and that conversion is repeated for the rest:
 * 4 to 29 µs a request on the event loop under `npm run bench:profile`, against about 0.3 µs to encode
 * a line. A line that does not fit in LOG_BUFFER_BYTES_MAX is still dropped and counted.
 *
 * The price is that lines still in the buffer are lost if the process ends without flushing:
 * `exitAfterFlush` waits for the write under way, and pino writes the rest synchronously on `exit`
 * (which also covers a crash, but cannot wait for a write already on the thread pool). A SIGKILL
 * loses at most the last LOG_FLUSH_INTERVAL_MS of lines.
 */
export function createLogger(level: LevelWithSilent): Logger {
  // pino.destination registers the flush on exit for this stream, whoever writes to it.
  const destination = pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_WRITE_BYTES_MIN,
    periodicFlush: LOG_FLUSH_INTERVAL_MS,
    maxLength: LOG_BUFFER_BYTES_MAX,
    contentMode: "buffer",
  });
  // In buffer mode sonic-boom's `write` takes bytes; its types only know text.
  const writeBytes = destination.write.bind(destination) as unknown as (bytes: Buffer) => boolean;
  const stream = {
    write: (line: string): boolean => writeBytes(Buffer.from(line, "utf8")),
    flush: (done: (error?: Error) => void): void => destination.flush(done),
  };
  const logger = pino({ level, formatters: { level: (label) => ({ level: label }) } }, stream);
  let dropped = 0;
  destination.on("drop", () => {
    dropped += 1;
  });
  destination.on("drain", () => {
    if (dropped > 0) {
      const lines = dropped;
      dropped = 0;
      logger.warn({ droppedLines: lines }, `${lines} log lines were dropped while stdout was not read`);
    }
  });
  return logger;
}

/** The parts of a pino logger a request's line is built from, under pino's published `pino.symbols`. */
interface PinoParts {
  readonly [pino.symbols.streamSym]: DestinationStream & {
    readonly [pino.symbols.needsMetadataGsym]?: boolean;
  };
  /** `{"level":"info"` by level number: the level as createLogger formats it. */
  readonly [pino.symbols.lsCacheSym]: Readonly<Record<number, string>>;
  /** `,"time":1700000000000`. */
  readonly [pino.symbols.timeSym]: () => string;
  /** `,"pid":…,"hostname":"…"` and any child bindings. */
  readonly [pino.symbols.chindingsSym]: string;
}

/**
 * Writes the line of a finished request, the same line as
 * `logger[level]({ requestId, method, route, status, durationMs }, "request")` writes with a logger
 * made by createLogger (no mixin, hooks, serializers or log formatter): pino's own prefixes for the
 * level, the time and the bindings, then the fields in that order and `"msg":"request"`, written to
 * the logger's own destination, so the batching, the drop on overflow and the flush on exit stay
 * pino's. Building it through pino's generic path cost about 2 µs a line, here about 0.4 µs. The
 * strings are escaped with JSON.stringify: a request id is any printable ASCII a client sent,
 * quotes and backslashes included. A destination that wants each line's metadata (a multistream)
 * gets the ordinary call.
 */
export function writeRequestLine(
  logger: Logger,
  level: Level,
  requestId: string,
  method: string,
  route: string,
  status: number,
  durationMs: number,
): void {
  const parts = logger as unknown as PinoParts;
  const stream = parts[pino.symbols.streamSym];
  if (stream[pino.symbols.needsMetadataGsym] === true) {
    logger[level]({ requestId, method, route, status, durationMs }, "request");
    return;
  }
  stream.write(
    `${parts[pino.symbols.lsCacheSym][logger.levels.values[level] as number]}${parts[pino.symbols.timeSym]()}` +
      `${parts[pino.symbols.chindingsSym]},"requestId":${JSON.stringify(requestId)},"method":${JSON.stringify(method)}` +
      `,"route":${JSON.stringify(route)},"status":${status},"durationMs":${durationMs},"msg":"request"}\n`,
  );
}

/**
 * Exits with `code` once the lines logged so far have reached stdout, or after LOG_FLUSH_TIMEOUT_MS
 * if stdout is not being read. pino's `flush` waits for the write under way; what is still buffered
 * then is written synchronously by pino's own `exit` handler.
 */
export function exitAfterFlush(logger: Logger, code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), LOG_FLUSH_TIMEOUT_MS).unref();
  logger.flush(() => process.exit(code));
}

/** What the server logs of its configuration at start-up: everything but the admin token. */
export function configSummary(config: Config): Record<string, unknown> {
  const { adminToken, ...rest } = config;
  return { ...rest, adminApi: adminToken === undefined ? "disabled" : "enabled" };
}

/** A line of a long start-up replay: how far, how fast, and when it should end. */
export function replayProgressLine(progress: ReplayProgress): {
  fields: Record<string, number>;
  msg: string;
} {
  const { eventsFolded, eventsToFold, elapsedMs } = progress;
  const eventsPerSecond = elapsedMs > 0 ? Math.round((eventsFolded / elapsedMs) * 1000) : 0;
  const remaining = Math.max(0, eventsToFold - eventsFolded);
  const remainingSeconds = eventsPerSecond > 0 ? Math.ceil(remaining / eventsPerSecond) : null;
  const percent = eventsToFold > 0 ? ((eventsFolded / eventsToFold) * 100).toFixed(1) : "100.0";
  const fields: Record<string, number> = {
    eventsFolded,
    eventsToFold,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond,
  };
  if (remainingSeconds !== null) {
    fields.remainingSeconds = remainingSeconds;
  }
  const eta = remainingSeconds === null ? "end unknown" : `about ${remainingSeconds} s to go`;
  return {
    fields,
    msg: `replaying the journal: ${eventsFolded} of ${eventsToFold} events (${percent} %), ${eventsPerSecond} events/s, ${eta}`,
  };
}

/**
 * The line of a failed journal: what SQLite said (message and code) and the file, at error level.
 * The journal is told once, so this is logged once.
 */
export function logJournalFailure(logger: Logger, path: string, error: JournalUnavailableError): void {
  const cause: unknown = error.cause;
  const sqlite =
    cause instanceof Error
      ? { message: cause.message, code: (cause as { code?: unknown }).code, stack: cause.stack }
      : { message: String(cause) };
  logger.error(
    { journal: path, cause: sqlite },
    `the journal failed and the engine refuses every request until restarted: ${error.message}`,
  );
}
