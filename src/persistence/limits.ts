/**
 * Every limit and setting of the journal, named with its unit last. The relations between them are
 * asserted at the bottom, where they are defined.
 */

/**
 * The layout of the tables and of the payloads. Bump it, with a migration in migrations.ts, whenever
 * either changes. Version 2 renamed the epoch-ms fields of the waiting-room events to end in `Ms`;
 * version 3 stores a schedule's reservations as struct-of-arrays in snapshots.
 */
export const JOURNAL_SCHEMA_VERSION = 3;
/**
 * The oldest version this build opens: a writer migrates such a file to `JOURNAL_SCHEMA_VERSION` when
 * it opens it, and a read-only reader upcasts its events as it reads them (see migrations.ts).
 */
export const JOURNAL_SCHEMA_VERSION_MIGRATED_MIN = 1;

/**
 * Events in one commit (one SQLite transaction). It bounds how long one commit holds the writer and
 * how large one batch sent to the writer thread is; under load a commit takes whatever accumulated
 * while the previous one ran, up to this many.
 */
export const JOURNAL_BATCH_EVENTS_MAX = 4096;
/** Encoded payload bytes in one commit, for the same reason. */
export const JOURNAL_BATCH_BYTES_MAX = 16 * 1024 * 1024;

/** Events in one entry (the events of one command). An entry is never split across commits. */
export const JOURNAL_ENTRY_EVENTS_MAX = 1024;
/** Encoded payload bytes of one entry. */
export const JOURNAL_ENTRY_BYTES_MAX = 16 * 1024 * 1024;
/** Encoded payload bytes of one event. */
export const JOURNAL_EVENT_BYTES_MAX = 4 * 1024 * 1024;

/** Nesting of objects and arrays in one event; also what stops a cycle before the stack does. */
export const JOURNAL_EVENT_DEPTH_MAX = 32;
export const JOURNAL_STREAM_LENGTH_MAX = 256;
export const JOURNAL_EVENT_TYPE_LENGTH_MAX = 128;

/** Events read from SQLite per query while replaying; bounds the memory one page holds. */
export const JOURNAL_READ_PAGE_EVENTS = 4096;
/** Payload bytes fetched as one blob while replaying (a single larger event is fetched alone). */
export const JOURNAL_READ_RUN_BYTES_MAX = 16 * 1024 * 1024;
/**
 * Events recovery reads with one query, as one blob (`JournalReader.replay`). Larger pages gain
 * nothing measurable: the per-query cost is already below 1 % of a page of 1,024 events.
 */
export const JOURNAL_REPLAY_PAGE_EVENTS = 1024;
/**
 * The largest event a replay page takes into its blob, so that a page's blob stays within
 * JOURNAL_READ_RUN_BYTES_MAX; a page holding a larger event is read row by row instead, as `events()`
 * reads. Engine events are a few hundred bytes; the largest (an expiry of 10,000 queue tokens) is
 * about 50 KB.
 */
export const JOURNAL_REPLAY_EVENT_BYTES_MAX = JOURNAL_READ_RUN_BYTES_MAX / JOURNAL_REPLAY_PAGE_EVENTS;

/** Snapshots kept in the file; older ones are deleted in the transaction that writes a new one. */
export const SNAPSHOTS_KEPT = 2;
/** Encoded bytes of one snapshot; SQLite refuses blobs over 1,000,000,000 bytes by default anyway. */
export const SNAPSHOT_BYTES_MAX = 512 * 1024 * 1024;

/**
 * The nice value of the snapshot thread (0 normal, 19 lowest). A snapshot is background work: when
 * the event loop's thread and the snapshot thread share a core, the loop gets about 90 % of it, and
 * the snapshot takes longer instead.
 */
export const SNAPSHOT_THREAD_NICE = 10;
/**
 * How long closing the journal waits for a snapshot under way (its events are durable already). Past
 * it the snapshot is abandoned, which loses nothing: recovery starts from the previous one.
 */
export const SNAPSHOT_CLOSE_WAIT_MS = 30_000;

/** How long a write waits for a lock held by another connection (e.g. the journal tool) before failing. */
export const JOURNAL_BUSY_TIMEOUT_MS = 5_000;
/** WAL pages after which a commit also checkpoints the WAL into the database file (SQLite's default). */
export const JOURNAL_WAL_AUTOCHECKPOINT_PAGES = 1_000;
/** Size the WAL file is truncated back to after a checkpoint, so one burst does not keep a huge file. */
export const JOURNAL_WAL_SIZE_BYTES_MAX = 64 * 1024 * 1024;
/** Page cache per connection, in KiB (SQLite's `cache_size` takes negative values as KiB). */
export const JOURNAL_PAGE_CACHE_KIB = 16 * 1024;

/** How long opening a journal waits for the writer thread to start and open the database. */
export const JOURNAL_WORKER_START_TIMEOUT_MS = 30_000;
/** How long closing waits for the writer thread to commit what is pending and exit. */
export const JOURNAL_WORKER_CLOSE_TIMEOUT_MS = 30_000;

// An entry is never split, so the largest entry must fit in one batch.
if (JOURNAL_ENTRY_EVENTS_MAX > JOURNAL_BATCH_EVENTS_MAX) {
  throw new Error("the largest entry must fit in one batch (events)");
}
if (JOURNAL_ENTRY_BYTES_MAX > JOURNAL_BATCH_BYTES_MAX) {
  throw new Error("the largest entry must fit in one batch (bytes)");
}
if (JOURNAL_EVENT_BYTES_MAX > JOURNAL_ENTRY_BYTES_MAX) {
  throw new Error("the largest event must fit in one entry");
}
// SQLite's default SQLITE_MAX_LENGTH is 1,000,000,000 bytes per blob.
if (SNAPSHOT_BYTES_MAX > 1_000_000_000 || JOURNAL_EVENT_BYTES_MAX > 1_000_000_000) {
  throw new Error("a blob must fit within SQLite's default maximum length");
}
if (JOURNAL_SCHEMA_VERSION_MIGRATED_MIN < 1 || JOURNAL_SCHEMA_VERSION_MIGRATED_MIN > JOURNAL_SCHEMA_VERSION) {
  throw new Error("the oldest migrated schema version must be a version up to the current one");
}
if (JOURNAL_REPLAY_PAGE_EVENTS * JOURNAL_REPLAY_EVENT_BYTES_MAX > JOURNAL_READ_RUN_BYTES_MAX) {
  throw new Error("a replay page's blob must fit within the read run limit");
}
if (SNAPSHOTS_KEPT < 1) {
  throw new Error("recovery needs at least one snapshot kept");
}
