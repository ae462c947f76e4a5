import fs from "node:fs";
import { refuseReadOnlyFile, type FaultInjection } from "./database.ts";
import {
  JournalCorruptError,
  JournalLockedError,
  JournalSchemaError,
  JournalUnavailableError,
} from "./errors.ts";
import { GroupCommitJournal, type CommitBackend, type CommitObserver } from "./group-commit.ts";
import { openInlineWriter } from "./inline-writer.ts";
import { lockJournal, type JournalLock } from "./journal-lock.ts";
import { openSnapshotThread, type OpenSnapshotMaker } from "./snapshot-thread.ts";
import { openWorkerWriter } from "./worker-writer.ts";

export { JournalCorruptError, JournalLockedError, JournalSchemaError, JournalUnavailableError };
export { openJournalReader } from "./journal-reader.ts";
export type { EventFilter, JournalReader, SnapshotInfo, StoredEvent, TypeStats } from "./journal-reader.ts";
export type { FaultInjection } from "./database.ts";
export type { CommitObserver } from "./group-commit.ts";

/**
 * What the journal stores: a plain object with a string `type`, holding plain data only (objects,
 * arrays, strings, numbers, booleans, null, undefined, Uint8Array and the other typed arrays), which
 * round-trips exactly. A Map, Set, Date or class instance in an event is refused when it is appended.
 * Snapshot states may also hold Map and Set.
 */
export interface JournalEvent {
  readonly type: string;
}

export interface JournalOptions<E extends JournalEvent> {
  /** The SQLite file; created with the schema when it does not exist. */
  readonly path: string;
  /** The stream id stored in each row, e.g. "schedule:abc"; used by the journal tool's filters. */
  readonly streamOf: (event: E) => string;
  /** Told of every committed transaction (events in it, commit time in ms); for metrics. */
  readonly onCommit?: CommitObserver;
  /**
   * Told once, when the journal fails and starts refusing writes; the error's `cause` is what the
   * writer threw (SQLite's error, with its `code`). For the operator's log.
   */
  readonly onFailure?: (error: JournalUnavailableError) => void;
}

/** How `openJournal` commits: on the main thread, or on a worker thread that owns the connection. */
export type JournalWriter = "inline" | "worker";

export interface OpenJournalOptions<E extends JournalEvent> extends JournalOptions<E> {
  readonly writer: JournalWriter;
  /** Test hooks only: make commits fail on purpose. */
  readonly faultInjection?: FaultInjection;
  /**
   * What `takeSnapshot` builds its snapshots with: by default the snapshot thread, which folds the
   * journal with the engine's recovery (snapshot-worker.ts).
   */
  readonly openSnapshotMaker?: OpenSnapshotMaker;
}

/** Counters since the journal was opened; `commits` counts transactions, so tests can see batching. */
export interface JournalStats {
  readonly commits: number;
  readonly entries: number;
  readonly events: number;
  readonly snapshots: number;
}

/**
 * An append-only journal with group commit. Seqs are assigned when an entry is appended; everything
 * appended in one turn of the event loop is committed in one transaction (up to
 * JOURNAL_BATCH_EVENTS_MAX events), and while one transaction commits the next batch accumulates.
 */
export interface Journal<E extends JournalEvent> {
  /**
   * Appends one entry: its events are committed atomically in one transaction, never split. Seqs are
   * assigned synchronously, consecutively after the last seq in the file. Resolves with the seq of
   * the entry's last event once the transaction holding it has committed durably; rejects with
   * JournalUnavailableError if it could not be made durable. Throws synchronously (TypeError or
   * RangeError), appending nothing, when the entry breaks a limit or an event is not an event.
   */
  append(events: readonly E[], recordedAtMs: number): Promise<number>;
  /** Resolves once everything appended so far is durable; rejects if the journal failed. */
  whenDurable(): Promise<void>;
  /**
   * Encodes `state` synchronously now, so it covers exactly `lastAppendedSeq`, then writes it after
   * every entry appended before it has committed. Keeps the newest SNAPSHOTS_KEPT snapshots.
   * Resolves with the seq it covers. The encode blocks the caller for as long as it takes (half a
   * second for a million seats): for tools and tests; a running engine uses `takeSnapshot`.
   */
  writeSnapshot(state: unknown): Promise<number>;
  /**
   * Takes a snapshot of the state as of `lastAppendedSeq` without pausing the event loop: once that
   * seq is durable, the snapshot thread folds the journal itself up to it (as recovery would), encodes
   * the result and writes it in a transaction of its own, during which no batch is committed (appends
   * go on and wait for the next commit). One snapshot at a time; a second call waits for the first.
   * Keeps the newest SNAPSHOTS_KEPT snapshots. Resolves with the seq it covers; rejects when the
   * snapshot failed, which changes nothing in the journal.
   */
  takeSnapshot(): Promise<number>;
  readonly lastAppendedSeq: number;
  readonly lastDurableSeq: number;
  /** Set once a write failed; from then on every write rejects with it at once. */
  readonly failure: JournalUnavailableError | undefined;
  readonly stats: JournalStats;
  /**
   * Commits what is pending, then closes the database. It resolves even when that last commit fails
   * (the pending appends reject, and `failure` says why); later writes reject as unavailable.
   */
  close(): Promise<void>;
}

/**
 * Opens (or creates) a journal for writing, which makes this process its one writer until `close`
 * (journal-lock.ts). Throws JournalLockedError when another process, or another journal in this one,
 * has it open for writing; JournalCorruptError when the file is not a readable database; and
 * JournalSchemaError when it is not a journal this build reads.
 */
export async function openJournal<E extends JournalEvent>(
  options: OpenJournalOptions<E>,
): Promise<Journal<E>> {
  const { path, streamOf, writer, faultInjection, onCommit, onFailure } = options;
  const openSnapshotMaker = options.openSnapshotMaker ?? openSnapshotThread;
  if (fs.existsSync(path)) {
    // A file this process may not write is reported as such, before its lock is even tried.
    refuseReadOnlyFile(path);
  }
  // The lock comes before the file is opened: opening it for writing may create or migrate it.
  const lock = lockJournal(path);
  const journalOver = (backend: CommitBackend, lastSeq: number): OwnedJournal<E> =>
    new OwnedJournal<E>(lock, path, streamOf, lastSeq, backend, onCommit, openSnapshotMaker, onFailure);
  try {
    switch (writer) {
      case "inline": {
        const { backend, lastSeq } = openInlineWriter(path, faultInjection);
        return journalOver(backend, lastSeq);
      }
      case "worker": {
        // The writer thread can die at any time, and its death must fail the journal built around it.
        const built: { journal?: GroupCommitJournal<E> } = {};
        const { backend, lastSeq } = await openWorkerWriter(path, faultInjection, (error) =>
          built.journal?.fail(error),
        );
        built.journal = journalOver(backend, lastSeq);
        return built.journal;
      }
    }
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * A journal that owns its file's lock, and gives it up once closed: after the last commit, the
 * writer's connection (or thread) and the snapshot thread are all closed. The lock is held on the
 * main thread, also with the worker writer: if the writer thread dies, the journal fails but this
 * process keeps the file until it closes the journal (or exits), so no other process takes it over
 * while this one may still be serving what it holds in memory.
 */
class OwnedJournal<E extends JournalEvent> extends GroupCommitJournal<E> {
  readonly #lock: JournalLock;
  #closed: Promise<void> | undefined = undefined;

  constructor(lock: JournalLock, ...rest: ConstructorParameters<typeof GroupCommitJournal<E>>) {
    super(...rest);
    this.#lock = lock;
  }

  override close(): Promise<void> {
    this.#closed ??= super.close().finally(() => this.#lock.release());
    return this.#closed;
  }
}
