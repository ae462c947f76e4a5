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
} from "./limits.ts";

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

/** The rows of one transaction being gathered, and the promise its appenders wait on. */
/** Told of every committed transaction: how many events it held and how long the commit took. */
export type CommitObserver = (events: number, durationMs: number) => void;

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

/**
 * The journal's bookkeeping, the same for both writers: seq assignment, batching per turn of the
 * event loop, one batch in flight while the next accumulates, and failing everything pending when a
 * commit fails.
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

  constructor(
    path: string,
    streamOf: (event: E) => string,
    lastSeq: number,
    backend: CommitBackend,
    onCommit?: CommitObserver,
  ) {
    this.#path = path;
    this.#streamOf = streamOf;
    this.#lastAppendedSeq = lastSeq;
    this.#lastDurableSeq = lastSeq;
    this.#backend = backend;
    this.#onCommit = onCommit;
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
    const pending = [this.#inFlight, ...this.#sealed, this.#open];
    this.#inFlight = undefined;
    this.#sealed = [];
    this.#open = undefined;
    this.#newestWithRows = undefined;
    for (const batch of pending) {
      batch?.reject(error);
    }
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
      while (this.#inFlight === undefined && this.#failure === undefined) {
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
    const last =
      this.#open !== undefined && !this.#open.isEmpty ? this.#open : (this.#sealed.at(-1) ?? this.#inFlight);
    this.#pump();
    if (last !== undefined) {
      // A failed last commit is reported through the appends it rejects and through `failure`.
      await last.durable.catch(() => undefined);
    }
    await this.#backend.close();
  }
}
