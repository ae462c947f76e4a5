/**
 * The journal tool, generic over the events and the state they fold into (`ReplayModel`; the engine's
 * is in engine-journal-model.ts, and journal-cli.ts runs it): verify, inspect, stats, snapshot and
 * backup. Results go to stdout; progress, notes and failures to stderr, a failure as one line.
 */
import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import Database from "better-sqlite3";
import { readCommandLine, UsageError, type CommandLine } from "../../support/cli.ts";
import { formatNumber } from "../../support/format.ts";
import { openJournalDatabase, readLastSeq } from "./database.ts";
import type { Journal, JournalEvent } from "./journal.ts";
import { JournalLockedError, openJournal, openJournalReader } from "./journal.ts";
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

/** How far a model's recovery has got (the engine's recovery reports it every few seconds). */
export interface FoldProgress {
  readonly eventsFolded: number;
  readonly eventsToFold: number;
  readonly elapsedMs: number;
}

/**
 * For every event type, the fields that hold a secret (a queue token, which is what a fan buys with),
 * which `inspect` hides unless given `--show-secrets`. A mapped type over every event type, so a model
 * cannot leave a type out: a new event type must say which of its fields are secret, even if none.
 */
export type SecretFields<E extends JournalEvent> = {
  readonly [T in E["type"]]: readonly (keyof Extract<E, { readonly type: T }> & string)[];
};

/** What the tool needs to know about the state a journal folds into; the engine provides it. */
export interface ReplayModel<E extends JournalEvent, S> {
  /**
   * The application's own recovery, so that the tool checks the very code a start-up runs: from the
   * newest snapshot (or, with `useSnapshot: false`, from an empty state) through `toSeq`. Two
   * recoveries of one journal must come out equal, snapshot or not. `onProgress`, when the model
   * calls it, is shown to the operator during a long recovery.
   */
  readonly recover: (
    path: string,
    options: {
      readonly useSnapshot: boolean;
      readonly toSeq: number;
      readonly onProgress?: (progress: FoldProgress) => void;
    },
  ) => ModelRecovery<S>;
  /** Throws when the folded state breaks an invariant. */
  readonly checkInvariants: (state: S) => void;
  readonly streamOf: (event: E) => string;
  /** What a snapshot stores of a state, when that is not the state itself (the engine leaves out its lookups). */
  readonly snapshotOf?: (state: S) => unknown;
  /** The secret fields of every event type; undefined when the events hold no secrets at all. */
  readonly secretFields?: SecretFields<E>;
}

/** Where the tool writes: one call per line, without the newline. */
export type Print = (line: string) => void;

/** What `inspect` prints in place of a secret. */
export const REDACTED = "[redacted]";

/** A long pass tells the operator how far it has got at most this often. */
const PROGRESS_INTERVAL_MS = 2_000;
/** Pages `backup` copies per step by default: 4 MiB of 4 KiB pages, a few milliseconds of work. */
const BACKUP_STEP_PAGES_DEFAULT = 1_024;
const BACKUP_STEP_PAGES_MAX = 1_000_000;
/** `verify` says that it is checking the file's integrity (one SQLite call, silent) past this size. */
const INTEGRITY_ANNOUNCE_BYTES_MIN = 64 * 1024 * 1024;

/** A failure the tool reports as it is, in one line, exit code 1. */
class ToolFailure extends Error {
  override readonly name = "ToolFailure";
}

const DB_OPTION = { db: { type: "string" } } as const;
const DB_USAGE = "  --db path   the journal (default: $DATABASE_PATH, else ./data/journal.db)";

interface CommandContext<E extends JournalEvent, S> {
  readonly db: string;
  readonly model: ReplayModel<E, S>;
  readonly out: Print;
  /** Writes a progress line or a note to stderr, prefixed with the command. */
  readonly progress: Print;
}

type Options = Record<string, { type: "string" | "boolean" }>;

interface CommandSpec<O extends Options> {
  readonly summary: string;
  /** What `--help` on the command prints. */
  readonly usage: string;
  /** The command's options; every command also takes `--db` and `--help`. */
  readonly options: O;
  readonly run: <E extends JournalEvent, S>(
    line: CommandLine<O & typeof DB_OPTION>,
    context: CommandContext<E, S>,
  ) => number | Promise<number>;
}

/** A command, ready to read its command line and run. */
interface Command {
  readonly summary: string;
  readonly usage: string;
  /** Reads `args` (throwing UsageError when they are wrong), then prints the usage or runs. */
  readonly execute: <E extends JournalEvent, S>(
    args: readonly string[],
    context: Omit<CommandContext<E, S>, "db"> & { readonly defaultDb: string },
    fail: (message: string) => never,
  ) => number | Promise<number>;
}

/** Declares a command; its `run` gets its own command line, typed by its options. */
function command<const O extends Options>(spec: CommandSpec<O>): Command {
  const { summary, usage } = spec;
  return {
    summary,
    usage,
    execute: (args, { defaultDb, ...context }, fail) => {
      const line = readCommandLine({ usage, options: { ...spec.options, ...DB_OPTION } }, args, fail);
      if (line.help) {
        context.out(usage);
        return 0;
      }
      const db = (line.values as { readonly db?: string }).db ?? defaultDb;
      return spec.run(line, { ...context, db });
    },
  };
}

const INSPECT_OPTIONS = {
  from: { type: "string" },
  to: { type: "string" },
  stream: { type: "string" },
  type: { type: "string" },
  limit: { type: "string" },
  "show-secrets": { type: "boolean" },
} as const;

const BACKUP_OPTIONS = {
  to: { type: "string" },
  force: { type: "boolean" },
  "step-pages": { type: "string" },
} as const;

const COMMANDS = {
  verify: command({
    summary: "rebuild the state from the events, check every invariant and the newest snapshot",
    usage: `usage: npm run journal -- verify [--db path]
  Rebuilds the state from an empty start (ignoring snapshots), checks every invariant, and checks that
  it equals the state recovered from the newest snapshot. Prints events/s; a long run prints its
  progress on stderr every few seconds. Reads only; exit code 1 when a check fails.
${DB_USAGE}`,
    options: {},
    run: (_line, context) => verify(context),
  }),
  inspect: command({
    summary: "print events as JSON lines, token secrets redacted",
    usage: `usage: npm run journal -- inspect [--db path] [--from seq] [--to seq] [--stream id] [--type name] [--limit n] [--show-secrets]
  Prints events as JSON lines. Queue-token secrets (what a fan buys with) are printed as "${REDACTED}"
  unless --show-secrets is given. Reads only.
${DB_USAGE}
  --from seq        first seq (default 1)
  --to seq          last seq (default: the end)
  --stream id       only this stream, e.g. schedule:<id>, wallet:<userId>, waiting-room:<concertId>
  --type name       only events of this type, e.g. TokenIssued
  --limit n         print at most n events
  --show-secrets    print token secrets as they are`,
    options: INSPECT_OPTIONS,
    run: (line, context) => inspect(line, context),
  }),
  stats: command({
    summary: "count events by type and size, list the snapshots",
    usage: `usage: npm run journal -- stats [--db path]
  Counts events by type and size and lists the snapshots. Reads only.
${DB_USAGE}`,
    options: {},
    run: (_line, context) => stats(context),
  }),
  snapshot: command({
    summary: "take a snapshot now (the only command that writes to the journal)",
    usage: `usage: npm run journal -- snapshot [--db path]
  Folds the journal and writes a snapshot of the state into it, as the server does every
  SNAPSHOT_EVERY_EVENTS events. The only command that writes to the journal, so, like a server, it
  needs the journal to itself: it is refused while a server has the journal open.
${DB_USAGE}`,
    options: {},
    run: (_line, context) => snapshot(context),
  }),
  backup: command({
    summary: "copy a journal, even one a running server writes to, into a new file",
    usage: `usage: npm run journal -- backup [--db path] --to copy.db [--force]
  Copies the journal as it was when the backup started, with SQLite's online backup, while a server
  may go on writing to it: every write acknowledged before the start is in the copy. The copy is
  written beside its destination and moved into place once complete and on disk. Progress goes to
  stderr every few seconds. Then \`npm run journal -- verify --db copy.db\` checks the copy.
${DB_USAGE}
  --to path         the copy; an existing file is refused unless --force is given
  --force           replace an existing copy (and delete its stale -wal and -shm files)
  --step-pages n    pages copied per step (default ${BACKUP_STEP_PAGES_DEFAULT})`,
    options: BACKUP_OPTIONS,
    run: (line, context) => backup(line, context),
  }),
};

type CommandName = keyof typeof COMMANDS;
const COMMAND_NAMES = Object.keys(COMMANDS) as CommandName[];

const USAGE = `usage: npm run journal -- <command> [--db path] [options]
${COMMAND_NAMES.map((name) => `  ${name.padEnd(10)} ${COMMANDS[name].summary}`).join("\n")}
Every command but snapshot only reads the journal. \`npm run journal -- <command> --help\` tells more.`;

function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

/** An error as one line: its message, and its name too when it is not a plain Error (a bug, say). */
function oneLine(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error).replace(/\s*\n\s*/g, " ");
  }
  const message = error.message.replace(/\s*\n\s*/g, " ");
  const plain = error instanceof ToolFailure || error instanceof UsageError || error.name === "Error";
  return plain ? message : `${error.name}: ${message}`;
}

/**
 * Runs one journal tool command and returns the process exit code: 0, 1 when the command failed, 2
 * for a wrong command line. Results go to `out`; progress, notes and every failure, as one line, go to
 * `err` (by default `out` as well). `--help`, on the tool or a command, prints its usage to `out`.
 * Every command but `snapshot` opens the journal read-only, so pointing the tool at a live journal or
 * at a copy never changes it.
 */
export async function runJournalTool<E extends JournalEvent, S>(
  argv: readonly string[],
  model: ReplayModel<E, S>,
  defaultDb: string,
  out: Print,
  err: Print = out,
): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    // `help <command>` is `<command> --help`.
    const about = name === "help" ? rest[0] : undefined;
    out(about !== undefined && isCommandName(about) ? COMMANDS[about].usage : USAGE);
    return 0;
  }
  if (name === undefined || !isCommandName(name)) {
    const what = name === undefined ? "no command given" : `unknown command ${JSON.stringify(name)}`;
    err(`journal: ${what}; the commands are ${COMMAND_NAMES.join(", ")} (npm run journal -- --help)`);
    return 2;
  }
  const progress: Print = (text) => err(`journal ${name}: ${text}`);
  const usageFailure = (message: string): never => {
    throw new UsageError(`${message} (npm run journal -- ${name} --help)`);
  };
  try {
    return await COMMANDS[name].execute(rest, { defaultDb, model, out, progress }, usageFailure);
  } catch (error) {
    err(`journal ${name}: ${oneLine(error)}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** The journal must exist: a reader never creates one, and a missing file is the operator's typo. */
function requireJournal(db: string): void {
  if (!fs.existsSync(db)) {
    throw new ToolFailure(`there is no journal at ${db}`);
  }
}

/** A whole-number option that may be absent. */
function optionalInteger(
  line: CommandLine<Options>,
  name: string,
  value: string | boolean | undefined,
): number | undefined {
  return value === undefined ? undefined : line.integer(name, { min: 0, max: Number.MAX_SAFE_INTEGER });
}

/** Tells the operator that an older file is read through upcasts, and how to migrate it. */
function printOlderSchema(reader: JournalReader<unknown>, db: string, note: Print): void {
  if (reader.schemaVersion !== JOURNAL_SCHEMA_VERSION) {
    note(
      `${db} has schema version ${reader.schemaVersion}: its events are read as version ${JOURNAL_SCHEMA_VERSION} and its snapshots are ignored; start the server on it once to migrate it`,
    );
  }
}

/**
 * One progress line: how much of how much, the rate, and when it should end, e.g.
 * `full replay: 1,200,000 of 4,000,000 events (30.0 %), 400,000 events/s, about 7 s left`.
 */
export function formatProgress(
  what: string,
  done: number,
  total: number,
  unit: string,
  elapsedMs: number,
): string {
  const share = total > 0 ? Math.min(1, done / total) : 1;
  const perSecond = elapsedMs > 0 ? (done / elapsedMs) * 1000 : Number.NaN;
  const leftS = perSecond > 0 ? Math.max(0, total - done) / perSecond : Number.NaN;
  const left =
    Number.isFinite(leftS) && done < total ? `, about ${formatNumber(Math.ceil(leftS))} s left` : "";
  const rate = Number.isFinite(perSecond) ? `, ${formatNumber(perSecond)} ${unit}/s` : "";
  return `${what}: ${formatNumber(done)} of ${formatNumber(total)} ${unit} (${formatNumber(share * 100, 1)} %)${rate}${left}`;
}

/** A model recovery's progress reporter, labelled with the pass it belongs to. */
function foldProgress(what: string, progress: Print): (p: FoldProgress) => void {
  return ({ eventsFolded, eventsToFold, elapsedMs }) =>
    progress(formatProgress(what, eventsFolded, eventsToFold, "events", elapsedMs));
}

function verify<E extends JournalEvent, S>({ db, model, out, progress }: CommandContext<E, S>): number {
  requireJournal(db);
  const reader = openJournalReader<E>(db);
  try {
    printOlderSchema(reader, db, progress);
    const fileBytes = fs.statSync(db).size;
    if (fileBytes >= INTEGRITY_ANNOUNCE_BYTES_MIN) {
      progress(
        `checking the integrity of ${db} (${formatNumber(fileBytes / 2 ** 20)} MiB), which reads it whole`,
      );
    }
    const problems = reader.integrityProblems();
    if (problems.length > 0) {
      throw new ToolFailure(`FAILED: SQLite finds ${db} damaged: ${problems.join("; ")}`);
    }
    const lastSeq = reader.lastSeq();
    const replayed = model.recover(db, {
      useSnapshot: false,
      toSeq: lastSeq,
      onProgress: foldProgress("full replay", progress),
    });
    const { state: full, eventsReplayed: count, durationMs: elapsedMs } = replayed;
    checkInvariants(model, full, "the full replay");
    const rate = elapsedMs > 0 ? Math.round((count / elapsedMs) * 1000) : count;
    out(
      `replayed ${count} events (seq 1..${lastSeq}) from an empty start in ${elapsedMs.toFixed(0)} ms: ${rate} events/s`,
    );
    out("every invariant holds");

    const recovered = model.recover(db, {
      useSnapshot: true,
      toSeq: lastSeq,
      onProgress: foldProgress("recovery from the snapshot", progress),
    });
    checkInvariants(model, recovered.state, "the recovery from the snapshot");
    if (recovered.snapshotSeq === 0) {
      out("no snapshot to compare with");
    } else if (isDeepStrictEqual(recovered.state, full)) {
      out(
        `the snapshot at seq ${recovered.snapshotSeq} plus ${recovered.eventsReplayed} events equals the full replay`,
      );
    } else {
      throw new ToolFailure(
        `FAILED: the snapshot at seq ${recovered.snapshotSeq} plus ${recovered.eventsReplayed} events differs from the full replay`,
      );
    }
    out(`OK: ${db} verified`);
    return 0;
  } finally {
    reader.close();
  }
}

/** A broken invariant fails verification with the invariant's message, naming the pass. */
function checkInvariants<E extends JournalEvent, S>(model: ReplayModel<E, S>, state: S, pass: string): void {
  try {
    model.checkInvariants(state);
  } catch (error) {
    throw new ToolFailure(`FAILED: ${pass} breaks an invariant: ${oneLine(error)}`, { cause: error });
  }
}

/**
 * The event as `inspect` prints it: each secret field of its type replaced with REDACTED. An event of
 * a type the model lists no secret fields for (a newer or unknown type) is hidden whole: a secret is
 * never printed by omission.
 */
export function redactEvent<E extends JournalEvent>(event: E, secretFields: SecretFields<E>): unknown {
  const fields = (secretFields as Readonly<Record<string, readonly string[] | undefined>>)[event.type];
  if (fields === undefined) {
    return { type: event.type, [REDACTED]: "an event type whose secret fields are not known" };
  }
  if (fields.length === 0) {
    return event;
  }
  const copy = { ...event } as Record<string, unknown>;
  for (const field of fields) {
    if (field in copy) {
      copy[field] = REDACTED;
    }
  }
  return copy;
}

function inspect<E extends JournalEvent, S>(
  line: CommandLine<typeof INSPECT_OPTIONS & typeof DB_OPTION>,
  { db, model, out }: CommandContext<E, S>,
): number {
  const { values } = line;
  const from = optionalInteger(line, "from", values.from) ?? 1;
  const toSeq = optionalInteger(line, "to", values.to);
  const limit = optionalInteger(line, "limit", values.limit) ?? Number.POSITIVE_INFINITY;
  const filter: EventFilter = { toSeq, stream: values.stream, type: values.type };
  const { secretFields } = model;
  const shown =
    values["show-secrets"] === true || secretFields === undefined
      ? (event: E): unknown => event
      : (event: E): unknown => redactEvent(event, secretFields);
  requireJournal(db);
  const reader = openJournalReader<E>(db);
  try {
    let printed = 0;
    for (const stored of reader.events(Math.max(0, from - 1), filter)) {
      if (printed >= limit) {
        break;
      }
      out(
        JSON.stringify(
          {
            seq: stored.seq,
            stream: stored.stream,
            type: stored.type,
            recordedAt: new Date(stored.recordedAtMs).toISOString(),
            event: shown(stored.event),
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

function stats<E extends JournalEvent, S>({ db, out, progress }: CommandContext<E, S>): number {
  requireJournal(db);
  const reader = openJournalReader<JournalEvent>(db);
  try {
    printOlderSchema(reader, db, progress);
    const types = reader.typeStats();
    const events = types.reduce((sum, type) => sum + type.events, 0);
    const bytes = types.reduce((sum, type) => sum + type.payloadBytes, 0);
    const fileBytes = [db, `${db}-wal`].reduce(
      (sum, file) => sum + (fs.existsSync(file) ? fs.statSync(file).size : 0),
      0,
    );
    out(
      `${db}: ${events} events, last seq ${reader.lastSeq()}, ${bytes} payload bytes, ${fileBytes} bytes on disk`,
    );
    out("type                              events   payload bytes   bytes/event");
    for (const type of types) {
      out(
        `${type.type.padEnd(32)} ${String(type.events).padStart(7)} ${String(type.payloadBytes).padStart(15)} ${(type.payloadBytes / type.events).toFixed(1).padStart(13)}`,
      );
    }
    for (const info of reader.snapshots()) {
      out(
        `snapshot at seq ${info.seq}: ${info.bytes} bytes, taken ${new Date(info.createdAtMs).toISOString()}`,
      );
    }
    return 0;
  } finally {
    reader.close();
  }
}

async function snapshot<E extends JournalEvent, S>({
  db,
  model,
  out,
}: CommandContext<E, S>): Promise<number> {
  requireJournal(db);
  // The writer is opened first, which makes this process the journal's one writer (a running server
  // has it, and refuses it): nothing is appended after the last seq it finds, which the snapshot
  // covers and the state is folded to.
  let journal: Journal<E>;
  try {
    journal = await openJournal<E>({
      path: db,
      writer: "inline",
      streamOf: (event) => model.streamOf(event),
    });
  } catch (error) {
    if (error instanceof JournalLockedError) {
      throw new ToolFailure(
        `${error.message}: stop that process to take a snapshot here, or let it take its own (every SNAPSHOT_EVERY_EVENTS events)`,
        { cause: error },
      );
    }
    throw error;
  }
  try {
    const coveredSeq = journal.lastAppendedSeq;
    const { state } = model.recover(db, { useSnapshot: true, toSeq: coveredSeq });
    model.checkInvariants(state);
    const seq = await journal.writeSnapshot(model.snapshotOf === undefined ? state : model.snapshotOf(state));
    out(`took a snapshot at seq ${seq}`);
    return 0;
  } finally {
    await journal.close();
  }
}

/** Makes a file's contents durable (or, for a directory, the names in it). */
function fsyncPath(file: string): void {
  const fd = fs.openSync(file, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Turns a copy of a WAL-mode journal into a single self-contained file (rollback-journal mode), so it
 * can be moved or copied on its own, and reading it leaves no -wal or -shm file beside it. A server
 * that opens it switches it back to WAL.
 */
function standalone(file: string): void {
  const db = new Database(file, { fileMustExist: true });
  try {
    const mode: unknown = db.pragma("journal_mode = DELETE", { simple: true });
    if (mode !== "delete") {
      throw new ToolFailure(`the copy ${file} stayed in ${String(mode)} mode`);
    }
  } finally {
    db.close();
  }
}

/**
 * Copies the journal with SQLite's online backup. The source connection holds one read transaction
 * from before the first page to after the last, so every page comes from the same snapshot of the
 * WAL: the copy is the journal as of that instant (every write acknowledged before it), and writes a
 * server commits meanwhile neither block it nor restart it (without the pinned snapshot, SQLite
 * restarts a backup whose source another process changed, which under steady writes may never end).
 */
async function backup<E extends JournalEvent, S>(
  line: CommandLine<typeof BACKUP_OPTIONS & typeof DB_OPTION>,
  { db, out, progress }: CommandContext<E, S>,
): Promise<number> {
  const to = line.values.to;
  if (to === undefined || to === "") {
    return line.fail("--to is required: the file to copy the journal to");
  }
  const stepPages = line.integer("step-pages", {
    min: 1,
    max: BACKUP_STEP_PAGES_MAX,
    fallback: BACKUP_STEP_PAGES_DEFAULT,
  });
  requireJournal(db);
  if (path.resolve(to) === path.resolve(db)) {
    throw new ToolFailure(`${to} is the journal itself; give the copy another name`);
  }
  const force = line.values.force === true;
  if (fs.existsSync(to) && !force) {
    throw new ToolFailure(`${to} exists; give --force to replace it`);
  }
  const directory = path.dirname(path.resolve(to));
  if (!fs.existsSync(directory)) {
    throw new ToolFailure(`the directory of ${to} does not exist`);
  }
  const partial = `${to}.partial-${process.pid}`;
  fs.rmSync(partial, { force: true });
  const startedMs = performance.now();
  const source = openJournalDatabase(db, "read-only");
  let lastSeq: number;
  let pages = 0;
  try {
    source.exec("BEGIN");
    // The first read starts the transaction, and with it the snapshot the whole copy comes from.
    lastSeq = readLastSeq(source);
    let reportedMs = startedMs;
    const result = await source.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        const nowMs = performance.now();
        if (nowMs - reportedMs >= PROGRESS_INTERVAL_MS) {
          reportedMs = nowMs;
          progress(
            formatProgress("copied", totalPages - remainingPages, totalPages, "pages", nowMs - startedMs),
          );
        }
        return stepPages;
      },
    });
    pages = result.totalPages;
    source.exec("COMMIT");
    standalone(partial);
    fsyncPath(partial);
    // The copy must read back as a journal ending where the snapshot did.
    const copy = openJournalReader<JournalEvent>(partial);
    try {
      if (copy.lastSeq() !== lastSeq) {
        throw new ToolFailure(`the copy ends at seq ${copy.lastSeq()}, not ${lastSeq}; it was not kept`);
      }
    } finally {
      copy.close();
    }
    if (force) {
      // A -wal file left from the file being replaced would be replayed onto the copy and corrupt it.
      fs.rmSync(`${to}-wal`, { force: true });
      fs.rmSync(`${to}-shm`, { force: true });
      fs.renameSync(partial, to);
    } else {
      // A link fails if the destination appeared meanwhile, so nothing is ever overwritten unasked.
      try {
        fs.linkSync(partial, to);
      } catch (error) {
        throw (error as NodeJS.ErrnoException).code === "EEXIST"
          ? new ToolFailure(`${to} exists; give --force to replace it`)
          : error;
      }
    }
    fsyncPath(directory);
  } finally {
    if (source.open) {
      if (source.inTransaction) {
        source.exec("ROLLBACK");
      }
      source.close();
    }
    fs.rmSync(partial, { force: true });
    fs.rmSync(`${partial}-journal`, { force: true });
  }
  const elapsedMs = performance.now() - startedMs;
  out(
    `copied ${db} through seq ${lastSeq} (${formatNumber(pages)} pages) to ${to} in ${elapsedMs.toFixed(0)} ms; check it with: npm run journal -- verify --db ${to}`,
  );
  return 0;
}
