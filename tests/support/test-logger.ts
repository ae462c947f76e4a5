import { pino, type Logger } from "pino";

/** One parsed log line, as the server writes it (`src/logging.ts`: the level by name). */
export interface LogEntry {
  readonly level: string;
  readonly msg: string;
  readonly time: number;
  readonly [field: string]: unknown;
}

export interface RecordingLogger {
  readonly logger: Logger;
  /** Every line written, in order. */
  readonly entries: LogEntry[];
}

/**
 * A pino logger with the server's formatting whose lines are parsed and kept in memory, and each line
 * at error level or above is also handed to `onError`: the test harnesses' record of server errors.
 */
export function recordingLogger(
  onError: (entry: LogEntry) => void = () => undefined,
  level: pino.LevelWithSilent = "debug",
): RecordingLogger {
  const entries: LogEntry[] = [];
  const logger = pino(
    { level, formatters: { level: (label) => ({ level: label }) } },
    {
      write(line: string) {
        const entry = JSON.parse(line) as LogEntry;
        entries.push(entry);
        if (entry.level === "error" || entry.level === "fatal") {
          onError(entry);
        }
      },
    },
  );
  return { logger, entries };
}

/** Parses the JSON lines of a server's output, skipping anything that is not one. */
export function logLines(output: string): LogEntry[] {
  return output.split("\n").flatMap((line) => {
    if (!line.startsWith("{")) {
      return [];
    }
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return [];
    }
  });
}
