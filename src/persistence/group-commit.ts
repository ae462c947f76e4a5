import { encodeEvent, encodeState, eventDefect } from "./codec.ts";
import type { CommitBatch, SnapshotRow } from "./database.ts";
import { JournalUnavailableError } from "./errors.ts";
import type { Journal, JournalEvent, JournalStats } from "./journal.ts";
import {
  JOURNAL_BATCH_BYTES_MAX,
  JOURNAL_BATCH_EVENTS_MAX,
  JOURNAL_ENTRY_BYTES_MAX,
  JOURNAL_ENTRY_EVENTS_MAX,
  JOURNAL_EVENT_BYTES_MAX,
  JOURNAL_STREAM_LENGTH_MAX,
  SNAPSHOT_BYTES_MAX,
  SNAPSHOT_CLOSE_WAIT_MS,
} from "./limits.ts";
import type { OpenSnapshotMaker, SnapshotMaker } from "./snapshot-thread.ts";

/** Where batches are committed: the main thread's own connection, or a writer thread. */
export interface CommitBackend {
  /**
   * Starts committing one batch in one transaction and calls `done` exactly once, when it is durable
   * or has failed; `done` may be called before `commit` returns. Only one batch is in flight.
   */
  commit(batch: CommitBatch, done: (error: Error | undefined) => void): void;
  /** Closes the connection; called once, when no batch is in flight. */
  close(): Promise<void>;
}

/** Told of every committed transaction: how many events it held and how long the commit took. */
export type CommitObserver = (events: number, durationMs: number) => void;

/** The rows of one transaction being gathered, and the promise its appenders wait on. */
class Batch implements CommitBatch {
  readonly firstSeq: number;
  readonly streams: string[] = [];
  readonly types: string[] = [];
  readonly recordedAtMs: number[] = [];
  readonly payloads: Uint8Array[] = [];
  snapshot: SnapshotRow | undefined = undefined;
  bytes = 0;
  entries = 0;
  /** When its commit started (performance.now()), for the commit-latency observer. */
  commitStartedMs = 0;
  readonly durable: Promise<void>;
  resolve: () => void = () => undefined;
  reject: (error: Error) => void = () => undefined;

  constructor(firstSeq: number) {
    this.firstSeq = firstSeq;
    // Node 20 has no Promise.withResolvers.
    this.durable = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get isEmpty(): boolean {
    return this.payloads.length === 0 && this.snapshot === undefined;
  }

  get lastSeq(): number {
    return this.firstSeq + this.payloads.length - 1;
  }
}

/** A write of someone else's (the snapshot thread's) waiting for its turn between two commits. */
interface WriteTurn {
  readonly write: () => Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * The journal's bookkeeping, the same for both writers: seq assignment, batching per turn of the
 * event loop, one batch in flight while the next accumulates, and failing everything pending when a
 * commit fails. It also gives the snapshot thread its turn to write between two commits.
 */
export class GroupCommitJournal<E extends JournalEvent> implements Journal<E> {
  readonly #path: string;
  readonly #streamOf: (event: E) => string;
  readonly #backend: CommitBackend;
  #lastAppendedSeq: number;
  #lastDurableSeq: number;
  #failure: JournalUnavailableError | undefined = undefined;
  #closing: Promise<void> | undefined = undefined;
  /** The batch taking new entries; sealed (moved to #sealed) when full or when a snapshot joins it. */
  #open: Batch | undefined = undefined;
  #sealed: Batch[] = [];
  #inFlight: Batch | undefined = undefined;
  /** The batch holding `lastAppendedSeq` while it is not yet durable. */
  #newestWithRows: Batch | undefined = undefined;
  #flushScheduled = false;
  #pumping = false;
  #commits = 0;
  readonly #onCommit: CommitObserver | undefined;
  #entries = 0;
  #events = 0;
  #snapshots = 0;
  readonly #openSnapshotMaker: OpenSnapshotMaker | undefined;
  readonly #onFailure: ((error: JournalUnavailableError) => void) | undefined;
  /** Started by the first `takeSnapshot`, and again after its thread died. */
  #snapshotMaker: Promise<SnapshotMaker> | undefined = undefined;
  /** Settles when the snapshot under way (if any) has; snapshots are taken one at a time. */
  #snapshotTaking: Promise<unknown> = Promise.resolve();
  /** A write waiting for the turn, and whether one is running (no batch is committed meanwhile). */
  #turnWaiting: WriteTurn | undefined = undefined;
  #turnRunning = false;

  constructor(
    path: string,
    streamOf: (event: E) => string,
    lastSeq: number,
    backend: CommitBackend,
    onCommit?: CommitObserver,
    openSnapshotMaker?: OpenSnapshotMaker,
    onFailure?: (error: JournalUnavailableError) => void,
  ) {
    this.#path = path;
    this.#streamOf = streamOf;
    this.#lastAppendedSeq = lastSeq;
    this.#lastDurableSeq = lastSeq;
    this.#backend = backend;
    this.#onCommit = onCommit;
    this.#openSnapshotMaker = openSnapshotMaker;
    this.#onFailure = onFailure;
  }

  get lastAppendedSeq(): number {
    return this.#lastAppendedSeq;
  }

  get lastDurableSeq(): number {
    return this.#lastDurableSeq;
  }

  get failure(): JournalUnavailableError | undefined {
    return this.#failure;
  }

  get stats(): JournalStats {
    return {
      commits: this.#commits,
      entries: this.#entries,
      events: this.#events,
      snapshots: this.#snapshots,
    };
  }

  append(events: readonly E[], recordedAtMs: number): Promise<number> {
    const refusal = this.#refusal();
    if (refusal !== undefined) {
      return Promise.reject(refusal);
    }
    if (events.length === 0 || events.length > JOURNAL_ENTRY_EVENTS_MAX) {
      throw new RangeError(`an entry has 1 to ${JOURNAL_ENTRY_EVENTS_MAX} events, not ${events.length}`);
    }
    if (!Number.isSafeInteger(recordedAtMs) || recordedAtMs < 0) {
      throw new RangeError(`recordedAtMs must be epoch milliseconds, not ${recordedAtMs}`);
    }
    // Everything is checked and encoded before the batch is touched, so a bad event appends nothing.
    const streams: string[] = [];
    const payloads: Uint8Array[] = [];
    let bytes = 0;
    for (const event of events) {
      const defect = eventDefect(event);
      if (defect !== undefined) {
        throw new TypeError(`cannot journal event ${streams.length} of the entry: ${defect}`);
      }
      const stream = this.#streamOf(event);
      if (typeof stream !== "string" || stream.length === 0 || stream.length > JOURNAL_STREAM_LENGTH_MAX) {
        throw new TypeError(`a stream id is a string of 1 to ${JOURNAL_STREAM_LENGTH_MAX} characters`);
      }
      const encoded = encodeEvent(event);
      if (encoded.byteLength > JOURNAL_EVENT_BYTES_MAX) {
        throw new RangeError(
          `an encoded ${event.type} event is ${encoded.byteLength} bytes, over ${JOURNAL_EVENT_BYTES_MAX}`,
        );
      }
      // msgpackr reuses its output buffer, and the batch keeps the bytes until they are committed.
      payloads.push(Buffer.from(encoded));
      streams.push(stream);
      bytes += encoded.byteLength;
    }
    if (bytes > JOURNAL_ENTRY_BYTES_MAX) {
      throw new RangeError(`an encoded entry is ${bytes} bytes, over ${JOURNAL_ENTRY_BYTES_MAX}`);
    }

    const batch = this.#batchWithRoomFor(events.length, bytes);
    for (let i = 0; i < events.length; i++) {
      batch.streams.push(streams[i] as string);
      batch.types.push((events[i] as E).type);
      batch.recordedAtMs.push(recordedAtMs);
      batch.payloads.push(payloads[i] as Uint8Array);
    }
    batch.bytes += bytes;
    batch.entries += 1;
    this.#lastAppendedSeq += events.length;
    this.#newestWithRows = batch;
    this.#scheduleFlush();
    const seq = this.#lastAppendedSeq;
    return batch.durable.then(() => seq);
  }

  whenDurable(): Promise<void> {
    const refusal = this.#refusal();
    if (refusal !== undefined) {
      return Promise.reject(refusal);
    }
    if (this.#newestWithRows === undefined) {
      return Promise.resolve();
    }
    return this.#newestWithRows.durable;
  }

  writeSnapshot(state: unknown): Promise<number> {
    const refusal = this.#refusal();
    if (refusal !== undefined) {
      return Promise.reject(refusal);
    }
    const encoded = encodeState(state);
    if (encoded.byteLength > SNAPSHOT_BYTES_MAX) {
      throw new RangeError(`an encoded snapshot is ${encoded.byteLength} bytes, over ${SNAPSHOT_BYTES_MAX}`);
    }
    const seq = this.#lastAppendedSeq;
    const batch = this.#open ?? new Batch(seq + 1);
    // A copy that fills its own buffer: msgpackr reuses its output, and the worker can take this one.
    // The snapshot is metadata for operators, so its creation time is the only clock read here.
    batch.snapshot = { seq, createdAtMs: Date.now(), payload: new Uint8Array(encoded) };
    // Entries appended after the snapshot must not join its batch: they are not in the state.
    this.#sealed.push(batch);
    this.#open = undefined;
    this.#scheduleFlush();
    return batch.durable.then(() => seq);
  }

  takeSnapshot(): Promise<number> {
    const refusal = this.#refusal();
    if (refusal !== undefined) {
      return Promise.reject(refusal);
    }
    // The seq is fixed now, so the snapshot covers everything appended before this call.
    const seq = this.#lastAppendedSeq;
    const taken = this.#snapshotTaking.then(() => this.#takeSnapshotAt(seq));
    this.#snapshotTaking = taken.catch(() => undefined);
    return taken;
  }

  /**
   * The snapshot thread folds the journal up to `seq` once that seq is durable, while the event loop
   * goes on; it then writes the snapshot in its own transaction, in a turn between two commits, so
   * that the two connections never wait on each other's lock (with the inline writer such a wait
   * would block the event loop).
   */
  async #takeSnapshotAt(seq: number): Promise<number> {
    await this.#durableThrough(seq);
    const maker = await this.#usableSnapshotMaker();
    await maker.prepare(seq);
    await this.#inWriteTurn(() => maker.write());
    this.#snapshots += 1;
    return seq;
  }

  /** Resolves once `seq` is durable; unlike `whenDurable` it still works while the journal closes. */
  #durableThrough(seq: number): Promise<void> {
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    if (seq <= this.#lastDurableSeq || this.#newestWithRows === undefined) {
      return Promise.resolve();
    }
    // The newest batch with rows holds `lastAppendedSeq`, which is at least `seq`; batches commit in order.
    return this.#newestWithRows.durable;
  }

  async #usableSnapshotMaker(): Promise<SnapshotMaker> {
    const open = this.#openSnapshotMaker;
    if (open === undefined) {
      throw new Error(`journal ${this.#path} was opened without a snapshot thread`);
    }
    const current = await this.#snapshotMaker?.catch(() => undefined);
    if (current?.usable === true) {
      return current;
    }
    // A maker whose thread died is let go, and the next snapshot starts afresh in a new one.
    void current?.close();
    const opening = open(this.#path);
    this.#snapshotMaker = opening;
    return opening;
  }

  /** Runs `write` as soon as no batch is in flight, and commits no batch until it settles. */
  #inWriteTurn(write: () => Promise<void>): Promise<void> {
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    return new Promise<void>((resolve, reject) => {
      this.#turnWaiting = { write, resolve, reject };
      this.#pump();
    });
  }

  #runTurn(turn: WriteTurn): void {
    this.#turnRunning = true;
    const settle = (error?: Error): void => {
      this.#turnRunning = false;
      // Send what accumulated meanwhile before waking the turn's owner.
      this.#pump();
      if (error === undefined) {
        turn.resolve();
      } else {
        turn.reject(error);
      }
    };
    turn.write().then(
      () => settle(),
      (error: unknown) => settle(error instanceof Error ? error : new Error(String(error))),
    );
  }

  close(): Promise<void> {
    this.#closing ??= this.#flushAndClose();
    return this.#closing;
  }

  /** Marks the journal failed and rejects everything not yet durable. Also used by the backends. */
  fail(cause: unknown): void {
    if (this.#failure !== undefined) {
      return;
    }
    const code: unknown = cause instanceof Error ? (cause as { code?: unknown }).code : undefined;
    const reason =
      cause instanceof Error && typeof code === "string" && !cause.message.includes(code)
        ? `${cause.message} (${code})`
        : String(cause instanceof Error ? cause.message : cause);
    const error = new JournalUnavailableError(
      `journal ${this.#path} could not make a write durable, so it refuses all writes: ${reason}`,
      { cause },
    );
    this.#failure = error;
    this.#turnWaiting?.reject(error);
    this.#turnWaiting = undefined;
    const pending = [this.#inFlight, ...this.#sealed, this.#open];
    this.#inFlight = undefined;
    this.#sealed = [];
    this.#open = undefined;
    this.#newestWithRows = undefined;
    for (const batch of pending) {
      batch?.reject(error);
    }
    // Told once, after everything pending was refused: the first failure is the one that matters.
    this.#onFailure?.(error);
  }

  #refusal(): JournalUnavailableError | undefined {
    if (this.#failure !== undefined) {
      return this.#failure;
    }
    if (this.#closing !== undefined) {
      return new JournalUnavailableError(`journal ${this.#path} is closed`);
    }
    return undefined;
  }

  #batchWithRoomFor(events: number, bytes: number): Batch {
    const open = this.#open;
    if (open !== undefined) {
      const full =
        open.payloads.length + events > JOURNAL_BATCH_EVENTS_MAX ||
        open.bytes + bytes > JOURNAL_BATCH_BYTES_MAX;
      if (!full) {
        return open;
      }
      this.#sealed.push(open);
    }
    const batch = new Batch(this.#lastAppendedSeq + 1);
    this.#open = batch;
    return batch;
  }

  #scheduleFlush(): void {
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      // setImmediate runs after the I/O callbacks of this turn, so every entry appended by them
      // (all the commands handled in this turn) shares one transaction.
      setImmediate(this.#onFlush);
    }
  }

  readonly #onFlush = (): void => {
    this.#flushScheduled = false;
    this.#pump();
  };

  /** Sends batches to the backend, one at a time, until none is ready or one is in flight. */
  #pump(): void {
    // The inline backend finishes a batch inside `commit`, so `#settle` re-enters here; the loop
    // below already continues with the next batch.
    if (this.#pumping) {
      return;
    }
    this.#pumping = true;
    try {
      while (this.#inFlight === undefined && !this.#turnRunning && this.#failure === undefined) {
        const turn = this.#turnWaiting;
        if (turn !== undefined) {
          // The turn goes before the batches waiting: its seq is durable already, and they wait briefly.
          this.#turnWaiting = undefined;
          this.#runTurn(turn);
          break;
        }
        const batch = this.#sealed.shift() ?? this.#takeOpen();
        if (batch === undefined) {
          break;
        }
        this.#inFlight = batch;
        batch.commitStartedMs = performance.now();
        this.#backend.commit(batch, (error) => this.#settle(batch, error));
      }
    } finally {
      this.#pumping = false;
    }
  }

  #takeOpen(): Batch | undefined {
    const open = this.#open;
    if (open === undefined || open.isEmpty) {
      return undefined;
    }
    this.#open = undefined;
    return open;
  }

  #settle(batch: Batch, error: Error | undefined): void {
    if (this.#inFlight !== batch) {
      // The journal failed (and rejected this batch) while it was in flight.
      return;
    }
    if (error !== undefined) {
      this.fail(error);
      return;
    }
    this.#inFlight = undefined;
    if (batch.payloads.length > 0) {
      this.#lastDurableSeq = batch.lastSeq;
    }
    if (this.#newestWithRows === batch) {
      this.#newestWithRows = undefined;
    }
    this.#commits += 1;
    this.#entries += batch.entries;
    this.#events += batch.payloads.length;
    this.#snapshots += batch.snapshot === undefined ? 0 : 1;
    this.#onCommit?.(batch.payloads.length, performance.now() - batch.commitStartedMs);
    // Send what accumulated meanwhile before waking this batch's appenders.
    this.#pump();
    batch.resolve();
  }

  async #flushAndClose(): Promise<void> {
    // A snapshot under way is finished first (its turn needs the pump), unless it takes too long; a
    // failed or abandoned one changes nothing.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#snapshotTaking,
      new Promise((resolve) => {
        timer = setTimeout(resolve, SNAPSHOT_CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    const last =
      this.#open !== undefined && !this.#open.isEmpty ? this.#open : (this.#sealed.at(-1) ?? this.#inFlight);
    this.#pump();
    if (last !== undefined) {
      // A failed last commit is reported through the appends it rejects and through `failure`.
      await last.durable.catch(() => undefined);
    }
    await this.#backend.close();
    const maker = await this.#snapshotMaker?.catch(() => undefined);
    await maker?.close();
  }
}
