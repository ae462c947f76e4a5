/**
 * The ceiling the journal benchmarks compare against: pre-encoded rows inserted in plain SQLite
 * transactions, with the journal's own file settings and schema (WAL, synchronous = FULL, ...) and none
 * of its machinery (no group commit, no encoding, no promises, no writer thread). Shared by
 * bench/journal.ts and bench/engine.ts so both measure the same ceiling the same way.
 */
import { performance } from "node:perf_hooks";
import { openJournalDatabase } from "../src/persistence/database.ts";

/** One journal row as it is stored, minus its seq and time, which the run assigns. */
export interface RawRow {
  readonly stream: string;
  readonly type: string;
  readonly payload: Uint8Array;
}

export interface RawInsertOptions {
  /** Rows per transaction, i.e. per fsync of the WAL. */
  readonly batchEvents: number;
  /** The run stops at whichever comes first. */
  readonly rowsMax: number;
  readonly durationMs: number;
}

/**
 * Inserts `rows` (cycling through them) into a new journal file at `path`, `batchEvents` per
 * transaction, and returns the rows inserted per second. The file is opened exactly as the journal
 * opens it, so its settings are the journal's, not a copy of them that could drift.
 */
export function rawInsertsPerSecond(
  path: string,
  rows: readonly RawRow[],
  options: RawInsertOptions,
): number {
  if (rows.length === 0) {
    throw new Error("the raw ceiling needs at least one row to insert");
  }
  const db = openJournalDatabase(path, "create");
  try {
    const insert = db.prepare(
      "INSERT INTO journal (seq, stream, type, recorded_at, payload) VALUES (?, ?, ?, ?, ?)",
    );
    let seq = 0;
    const commit = db.transaction((count: number) => {
      for (let i = 0; i < count; i++) {
        const row = rows[seq % rows.length] as RawRow;
        seq += 1;
        insert.run(seq, row.stream, row.type, 1_700_000_000_000 + seq, row.payload);
      }
    });
    const startMs = performance.now();
    const deadline = startMs + options.durationMs;
    while (seq < options.rowsMax && performance.now() < deadline) {
      // IMMEDIATE, as the journal's own commits: the write lock is taken at BEGIN.
      commit.immediate(Math.min(options.batchEvents, options.rowsMax - seq));
    }
    return (seq / (performance.now() - startMs)) * 1000;
  } finally {
    db.close();
  }
}
