import { pino, type LevelWithSilent, type Logger } from "pino";
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
 * The price is that lines still in the buffer are lost if the process ends without flushing:
 * `exitAfterFlush` waits for the write under way, and pino writes the rest synchronously on `exit`
 * (which also covers a crash, but cannot wait for a write already on the thread pool). A SIGKILL
 * loses at most the last LOG_FLUSH_INTERVAL_MS of lines.
 */
export function createLogger(level: LevelWithSilent): Logger {
  const destination = pino.destination({
    dest: 1,
    sync: false,
    minLength: LOG_WRITE_BYTES_MIN,
    periodicFlush: LOG_FLUSH_INTERVAL_MS,
    maxLength: LOG_BUFFER_BYTES_MAX,
  });
  const logger = pino({ level, formatters: { level: (label) => ({ level: label }) } }, destination);
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
