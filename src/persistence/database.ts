import { accessSync, constants } from "node:fs";
import Database from "better-sqlite3";
import { JournalCorruptError, JournalSchemaError } from "./errors.ts";
import { migrateJournal, readSchemaVersion } from "./migrations.ts";
import {
  JOURNAL_BUSY_TIMEOUT_MS,
  JOURNAL_PAGE_CACHE_KIB,
  JOURNAL_SCHEMA_VERSION,
  JOURNAL_SCHEMA_VERSION_MIGRATED_MIN,
  JOURNAL_WAL_AUTOCHECKPOINT_PAGES,
  JOURNAL_WAL_SIZE_BYTES_MAX,
  SNAPSHOTS_KEPT,
} from "./limits.ts";

/** A better-sqlite3 connection. */
export type Connection = Database.Database;

/** Test hooks that make commits fail on purpose. Plain data, so they reach the writer thread too. */
export interface FaultInjection {
  /** Fails the n-th commit (1-based) after its rows are inserted, as an I/O error would; it rolls back. */
  readonly failCommitAt?: number;
  /** Sets `PRAGMA max_page_count`, so SQLite itself fails with SQLITE_FULL once the file would grow past it. */
  readonly pageCountMax?: number;
}

/** One snapshot row, written after the rows of the batch that carries it. */
export interface SnapshotRow {
  readonly seq: number;
  readonly createdAtMs: number;
  readonly payload: Uint8Array;
}

/**
 * The rows of one commit, as parallel columns: seqs run from `firstSeq` without a gap. The same shape
 * is committed on the main thread and, after a trip through `batch-wire.ts`, on the writer thread.
 */
export interface CommitBatch {
  readonly firstSeq: number;
  readonly streams: readonly string[];
  readonly types: readonly string[];
  readonly recordedAtMs: readonly number[];
  readonly payloads: readonly Uint8Array[];
  readonly snapshot: SnapshotRow | undefined;
}

const SCHEMA_SQL = `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value ANY NOT NULL
  ) STRICT;
  CREATE TABLE journal (
    seq INTEGER PRIMARY KEY CHECK (seq > 0),
    stream TEXT NOT NULL,
    type TEXT NOT NULL,
    recorded_at INTEGER NOT NULL,
    payload BLOB NOT NULL
  ) STRICT;
  CREATE TABLE snapshots (
    seq INTEGER PRIMARY KEY CHECK (seq >= 0),
    created_at INTEGER NOT NULL,
    payload BLOB NOT NULL
  ) STRICT;
`;

/** True when SQLite reported the file itself as damaged (not, say, busy or full). */
function isDamageError(error: unknown): boolean {
  return (
    error instanceof Database.SqliteError &&
    (error.code.startsWith("SQLITE_CORRUPT") || error.code === "SQLITE_NOTADB")
  );
}

/** "create" opens for writing and creates the file and schema if missing; the others need a journal. */
export type DatabaseAccess = "create" | "read-write" | "read-only";

/**
 * Opens a journal file with every setting the journal relies on, and checks (or, for a writer on a
 * new file, creates) its schema. A writable connection migrates a file of an older version this build
 * still opens to the current version (migrations.ts); a read-only one leaves it as it is, and the
 * reader upcasts its events as it reads them. Throws JournalCorruptError when the file is not a
 * readable SQLite database and JournalSchemaError when it is not a journal of a version this build reads.
 */
export function openJournalDatabase(path: string, access: DatabaseAccess): Connection {
  let db: Connection;
  try {
    db = new Database(path, {
      readonly: access === "read-only",
      // Only a writer creates a file: for a reader a missing journal is an error, not an empty one.
      fileMustExist: access !== "create",
      timeout: JOURNAL_BUSY_TIMEOUT_MS,
    });
  } catch (error) {
    throw new Error(`cannot open journal ${path}: ${String(error)}`, { cause: error });
  }
  try {
    if (access !== "read-only") {
      refuseReadOnlyFile(path);
    }
    configure(db, access === "read-only");
    if (access === "create") {
      createSchemaIfEmpty(db);
    }
    const version = checkSchema(db, path);
    if (version !== JOURNAL_SCHEMA_VERSION && access !== "read-only") {
      migrateJournal(db, path);
    }
    return db;
  } catch (error) {
    db.close();
    throw namingTheFile(path, asCorruptIfDamaged(path, error));
  }
}

/**
 * SQLite opens a file it may not write read-only without a word, and the first commit would then fail.
 * A writer that cannot write is a configuration error, so it stops start-up instead.
 */
export function refuseReadOnlyFile(path: string): void {
  try {
    accessSync(path, constants.W_OK);
  } catch (error) {
    throw new Error(`journal ${path} is not writable: ${String(error)}`, { cause: error });
  }
}

/** Journal errors already name the file; any other error (SQLite's own, say) is given its name. */
function namingTheFile(path: string, error: unknown): unknown {
  if (
    error instanceof JournalCorruptError ||
    error instanceof JournalSchemaError ||
    (error instanceof Error && error.message.includes(path))
  ) {
    return error;
  }
  return new Error(`cannot open journal ${path}: ${String(error)}`, { cause: error });
}

/**
 * Turns SQLite's "the file is damaged" errors into a JournalCorruptError naming the file (and the seq
 * being read, when known); returns any other error as it is.
 */
export function asCorruptIfDamaged(path: string, error: unknown, seq?: number): unknown {
  if (!isDamageError(error)) {
    return error;
  }
  const where = seq === undefined ? "" : ` at seq ${seq}`;
  return new JournalCorruptError(
    path,
    seq,
    `journal ${path} is not a readable SQLite database${where} (truncated or corrupted?): ${String(error)}`,
    { cause: error },
  );
}

/** The write side of a journal file: one connection that commits batches. */
export interface WriterConnection {
  /** The newest seq in the file when it was opened; 0 for a new journal. */
  readonly lastSeq: number;
  readonly commit: (batch: CommitBatch) => void;
  readonly close: () => void;
}

/** Opens a journal file for writing (see `openJournalDatabase` for what it throws). */
export function openWriterConnection(path: string, faults: FaultInjection | undefined): WriterConnection {
  const db = openJournalDatabase(path, "create");
  try {
    const lastSeq = readLastSeq(db);
    const commit = createCommitter(db, faults);
    return { lastSeq, commit, close: () => db.close() };
  } catch (error) {
    db.close();
    throw asCorruptIfDamaged(path, error);
  }
}

function configure(db: Connection, readonly: boolean): void {
  // Safe integers off: seqs and epoch-ms times are far below 2^53, and plain numbers are faster.
  db.defaultSafeIntegers(false);
  db.pragma(`busy_timeout = ${JOURNAL_BUSY_TIMEOUT_MS}`);
  db.pragma(`cache_size = -${JOURNAL_PAGE_CACHE_KIB}`);
  // Memory-mapped I/O turns a disk error into SIGBUS, which kills the process without a message.
  db.pragma("mmap_size = 0");
  db.pragma("foreign_keys = OFF");
  db.pragma("temp_store = MEMORY");
  if (readonly) {
    // The WAL mode is a property of the file; a read-only connection cannot and need not set it.
    return;
  }
  const journalMode = db.pragma("journal_mode = WAL", { simple: true });
  if (journalMode !== "wal") {
    throw new Error(`journal ${db.name} could not switch to WAL mode (it is in ${String(journalMode)} mode)`);
  }
  // FULL fsyncs the WAL on every commit. NORMAL (better-sqlite3's WAL default) can lose acknowledged
  // commits on power loss, which would break the promise that an acknowledged write is durable.
  db.pragma("synchronous = FULL");
  db.pragma(`wal_autocheckpoint = ${JOURNAL_WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${JOURNAL_WAL_SIZE_BYTES_MAX}`);
}

function createSchemaIfEmpty(db: Connection): void {
  // IMMEDIATE takes the write lock first, so two processes opening a new file cannot both create it.
  db.transaction(() => {
    const tables = db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get();
    if (tables !== 0) {
      return;
    }
    // Replay cuts concatenated payloads apart by byte length, which relies on text being UTF-8.
    db.pragma("encoding = 'UTF-8'");
    db.exec(SCHEMA_SQL);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', ?)").run(JOURNAL_SCHEMA_VERSION);
  }).immediate();
}

/** Checks that the file is a journal of a version this build opens, and returns that version. */
function checkSchema(db: Connection, path: string): number {
  const hasMeta = db
    .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'meta'")
    .pluck()
    .get();
  if (hasMeta === undefined) {
    throw new JournalSchemaError(path, `${path} is not a journal: it has no meta table`);
  }
  const encoding = db.pragma("encoding", { simple: true });
  if (encoding !== "UTF-8") {
    throw new JournalSchemaError(path, `journal ${path} is encoded in ${String(encoding)}, not UTF-8`);
  }
  const version = readSchemaVersion(db);
  if (version === undefined) {
    throw new JournalSchemaError(path, `${path} is not a journal: its meta table has no schema_version`);
  }
  const opened =
    typeof version === "number" &&
    Number.isSafeInteger(version) &&
    version >= JOURNAL_SCHEMA_VERSION_MIGRATED_MIN &&
    version <= JOURNAL_SCHEMA_VERSION;
  if (!opened) {
    const newer = typeof version === "number" && version > JOURNAL_SCHEMA_VERSION;
    const found =
      typeof version === "number" || typeof version === "string" ? JSON.stringify(version) : typeof version;
    throw new JournalSchemaError(
      path,
      `journal ${path} has schema version ${found}, but this build reads version ${JOURNAL_SCHEMA_VERSION} only` +
        (newer ? " (it was written by a newer build)" : ""),
    );
  }
  return version;
}

/** The seq of the newest journal row, or 0 for an empty journal. */
export function readLastSeq(db: Connection): number {
  const last = db.prepare("SELECT max(seq) FROM journal").pluck().get();
  return typeof last === "number" ? last : 0;
}

/**
 * Returns the function that stores one snapshot row and deletes all but the newest SNAPSHOTS_KEPT,
 * inside the caller's transaction.
 */
function createSnapshotStore(db: Connection): (snapshot: SnapshotRow) => void {
  const insertSnapshot = db.prepare(
    "INSERT OR REPLACE INTO snapshots (seq, created_at, payload) VALUES (?, ?, ?)",
  );
  const pruneSnapshots = db.prepare(
    "DELETE FROM snapshots WHERE seq NOT IN (SELECT seq FROM snapshots ORDER BY seq DESC LIMIT ?)",
  );
  return (snapshot) => {
    insertSnapshot.run(snapshot.seq, snapshot.createdAtMs, snapshot.payload);
    pruneSnapshots.run(SNAPSHOTS_KEPT);
  };
}

/** A connection of the snapshot thread that writes snapshot rows, each in a transaction of its own. */
export interface SnapshotConnection {
  /** Stores the snapshot and prunes the old ones in one transaction; durable when it returns. */
  readonly write: (snapshot: SnapshotRow) => void;
  readonly close: () => void;
}

/**
 * Opens a journal file (of the current version: the journal's writer opened it first) to write
 * snapshots beside the journal's own writer. The two never write at once: the journal holds its
 * commits while the snapshot thread writes (`GroupCommitJournal.takeSnapshot`).
 */
export function openSnapshotConnection(path: string): SnapshotConnection {
  const db = openJournalDatabase(path, "read-write");
  try {
    const store = createSnapshotStore(db);
    // IMMEDIATE, as for the journal's commits: the write lock is taken before anything is written.
    const write = db.transaction(store);
    return { write: (snapshot) => write.immediate(snapshot), close: () => db.close() };
  } catch (error) {
    db.close();
    throw asCorruptIfDamaged(path, error);
  }
}

/**
 * Returns the function that commits one batch in one transaction: its rows, then its snapshot (if
 * any) and the pruning of old snapshots. It throws whatever SQLite throws, after rolling back.
 */
function createCommitter(db: Connection, faults: FaultInjection | undefined): (batch: CommitBatch) => void {
  if (faults?.pageCountMax !== undefined) {
    db.pragma(`max_page_count = ${faults.pageCountMax}`);
  }
  const insertEvent = db.prepare(
    "INSERT INTO journal (seq, stream, type, recorded_at, payload) VALUES (?, ?, ?, ?, ?)",
  );
  const storeSnapshot = createSnapshotStore(db);
  let commits = 0;
  const commit = db.transaction((batch: CommitBatch) => {
    const { firstSeq, streams, types, recordedAtMs, payloads, snapshot } = batch;
    for (let i = 0; i < payloads.length; i++) {
      insertEvent.run(firstSeq + i, streams[i], types[i], recordedAtMs[i], payloads[i]);
    }
    if (snapshot !== undefined) {
      storeSnapshot(snapshot);
    }
    commits += 1;
    if (commits === faults?.failCommitAt) {
      throw new Database.SqliteError(`injected failure of commit ${commits}`, "SQLITE_IOERR");
    }
  });
  // IMMEDIATE: the write lock is taken at BEGIN, so a busy database fails (after the busy timeout)
  // before any row is written instead of at COMMIT.
  return (batch) => commit.immediate(batch);
}
