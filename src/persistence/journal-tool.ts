import fs from "node:fs";
import { isDeepStrictEqual, parseArgs } from "node:util";
import type { JournalEvent } from "./journal.ts";
import { openJournal, openJournalReader } from "./journal.ts";
import type { EventFilter, JournalReader } from "./journal-reader.ts";
import { JOURNAL_SCHEMA_VERSION } from "./limits.ts";

/** A state recovered by a model's own recovery, and where it started from. */
export interface ModelRecovery<S> {
  readonly state: S;
  /** The seq of the snapshot recovery started from; 0 when it started from an empty state. */
  readonly snapshotSeq: number;
  readonly eventsReplayed: number;
  readonly durationMs: number;
}

/** What the tool needs to know about the state a journal folds into; the engine provides it. */
export interface ReplayModel<E extends JournalEvent, S> {
  /**
   * The application's own recovery, so that the tool checks the very code a start-up runs: from the
   * newest snapshot (or, with `useSnapshot: false`, from an empty state) through `toSeq`. Two
   * recoveries of one journal must come out equal, snapshot or not.
   */
  readonly recover: (
    path: string,
    options: { readonly useSnapshot: boolean; readonly toSeq: number },
  ) => ModelRecovery<S>;
  /** Throws when the folded state breaks an invariant. */
  readonly checkInvariants: (state: S) => void;
  readonly streamOf: (event: E) => string;
  /** What a snapshot stores of a state, when that is not the state itself (the engine leaves out its lookups). */
  readonly snapshotOf?: (state: S) => unknown;
}

/** Where the tool writes: one call per line, without the newline. */
export type Print = (line: string) => void;

const USAGE = `usage: npm run journal -- <command> [--db path]
  verify     rebuild the state from an empty start (ignoring snapshots), check every invariant and
             that it equals the state recovered from the newest snapshot; prints events/s
  inspect    print events as JSON lines [--from seq] [--to seq] [--stream id] [--type name] [--limit n]
  stats      count events by type and size, list the snapshots
  snapshot   take a snapshot now (the only command that writes to the journal)`;

/**
 * Runs one journal tool command and returns the process exit code. Every command but `snapshot`
 * opens the journal read-only, so pointing the tool at a copy of a live journal never changes it.
 */
export async function runJournalTool<E extends JournalEvent, S>(
  argv: readonly string[],
  model: ReplayModel<E, S>,
  defaultDb: string,
  print: Print,
): Promise<number> {
  let parsed: ReturnType<typeof parseToolArgs>;
  try {
    parsed = parseToolArgs(argv);
  } catch (error) {
    print(`${String(error instanceof Error ? error.message : error)}\n${USAGE}`);
    return 2;
  }
  const { command, values } = parsed;
  const db = values.db ?? defaultDb;
  switch (command) {
    case "verify":
      return verify(db, model, print);
    case "inspect":
      return inspect(db, values, print);
    case "stats":
      return stats(db, print);
    case "snapshot":
      return snapshot(db, model, print);
    default:
      print(USAGE);
      return 2;
  }
}

function parseToolArgs(argv: readonly string[]) {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      db: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      stream: { type: "string" },
      type: { type: "string" },
      limit: { type: "string" },
    },
  });
  if (positionals.length !== 1) {
    throw new Error("give exactly one command");
  }
  return { command: positionals[0] ?? "", values };
}

function seqOption(name: string, text: string | undefined): number | undefined {
  if (text === undefined) {
    return undefined;
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`--${name} must be a whole number, not ${JSON.stringify(text)}`);
  }
  return value;
}

/** Tells the operator that an older file is read through upcasts, and how to migrate it. */
function printOlderSchema(reader: JournalReader<unknown>, db: string, print: Print): void {
  if (reader.schemaVersion !== JOURNAL_SCHEMA_VERSION) {
    print(
      `${db} has schema version ${reader.schemaVersion}: its events are read as version ${JOURNAL_SCHEMA_VERSION} and its snapshots are ignored; start the server on it once to migrate it`,
    );
  }
}

function verify<E extends JournalEvent, S>(db: string, model: ReplayModel<E, S>, print: Print): number {
  const reader = openJournalReader<E>(db);
  try {
    printOlderSchema(reader, db, print);
    const problems = reader.integrityProblems();
    if (problems.length > 0) {
      print(`FAILED: SQLite finds ${db} damaged:\n  ${problems.join("\n  ")}`);
      return 1;
    }
    const lastSeq = reader.lastSeq();
    const replayed = model.recover(db, { useSnapshot: false, toSeq: lastSeq });
    const { state: full, eventsReplayed: count, durationMs: elapsedMs } = replayed;
    model.checkInvariants(full);
    const rate = elapsedMs > 0 ? Math.round((count / elapsedMs) * 1000) : count;
    print(
      `replayed ${count} events (seq 1..${lastSeq}) from an empty start in ${elapsedMs.toFixed(0)} ms: ${rate} events/s`,
    );
    print("every invariant holds");

    const recovered = model.recover(db, { useSnapshot: true, toSeq: lastSeq });
    model.checkInvariants(recovered.state);
    if (recovered.snapshotSeq === 0) {
      print("no snapshot to compare with");
    } else if (isDeepStrictEqual(recovered.state, full)) {
      print(
        `the snapshot at seq ${recovered.snapshotSeq} plus ${recovered.eventsReplayed} events equals the full replay`,
      );
    } else {
      print(
        `FAILED: the snapshot at seq ${recovered.snapshotSeq} plus ${recovered.eventsReplayed} events differs from the full replay`,
      );
      return 1;
    }
    print(`OK: ${db} verified`);
    return 0;
  } catch (error) {
    print(`FAILED: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    return 1;
  } finally {
    reader.close();
  }
}

function inspect(db: string, values: ReturnType<typeof parseToolArgs>["values"], print: Print): number {
  const from = seqOption("from", values.from) ?? 1;
  const toSeq = seqOption("to", values.to);
  const limit = seqOption("limit", values.limit) ?? Number.POSITIVE_INFINITY;
  const filter: EventFilter = { toSeq, stream: values.stream, type: values.type };
  const reader = openJournalReader<JournalEvent>(db);
  try {
    let printed = 0;
    for (const stored of reader.events(Math.max(0, from - 1), filter)) {
      if (printed >= limit) {
        break;
      }
      print(
        JSON.stringify(
          {
            seq: stored.seq,
            stream: stored.stream,
            type: stored.type,
            recordedAt: new Date(stored.recordedAtMs).toISOString(),
            event: stored.event,
          },
          jsonReplacer,
        ),
      );
      printed += 1;
    }
    return 0;
  } finally {
    reader.close();
  }
}

/** JSON has no typed arrays, Maps or Sets; print them as arrays so an operator can read them. */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as Uint8Array);
  }
  if (value instanceof Map || value instanceof Set) {
    return [...value];
  }
  return value;
}

function stats(db: string, print: Print): number {
  const reader = openJournalReader<JournalEvent>(db);
  try {
    printOlderSchema(reader, db, print);
    const types = reader.typeStats();
    const events = types.reduce((sum, type) => sum + type.events, 0);
    const bytes = types.reduce((sum, type) => sum + type.payloadBytes, 0);
    const fileBytes = [db, `${db}-wal`].reduce(
      (sum, file) => sum + (fs.existsSync(file) ? fs.statSync(file).size : 0),
      0,
    );
    print(
      `${db}: ${events} events, last seq ${reader.lastSeq()}, ${bytes} payload bytes, ${fileBytes} bytes on disk`,
    );
    print("type                              events   payload bytes   bytes/event");
    for (const type of types) {
      print(
        `${type.type.padEnd(32)} ${String(type.events).padStart(7)} ${String(type.payloadBytes).padStart(15)} ${(type.payloadBytes / type.events).toFixed(1).padStart(13)}`,
      );
    }
    for (const info of reader.snapshots()) {
      print(
        `snapshot at seq ${info.seq}: ${info.bytes} bytes, taken ${new Date(info.createdAtMs).toISOString()}`,
      );
    }
    return 0;
  } finally {
    reader.close();
  }
}

async function snapshot<E extends JournalEvent, S>(
  db: string,
  model: ReplayModel<E, S>,
  print: Print,
): Promise<number> {
  if (!fs.existsSync(db)) {
    print(`FAILED: there is no journal at ${db}`);
    return 1;
  }
  // The writer is opened first: the seq it would label a snapshot with is the last seq in the file
  // now, and the state is folded to exactly that seq, even if a live engine appends meanwhile.
  const journal = await openJournal<E>({
    path: db,
    writer: "inline",
    streamOf: (event) => model.streamOf(event),
  });
  try {
    const coveredSeq = journal.lastAppendedSeq;
    const { state } = model.recover(db, { useSnapshot: true, toSeq: coveredSeq });
    model.checkInvariants(state);
    const seq = await journal.writeSnapshot(model.snapshotOf === undefined ? state : model.snapshotOf(state));
    print(`took a snapshot at seq ${seq}`);
    return 0;
  } finally {
    await journal.close();
  }
}
