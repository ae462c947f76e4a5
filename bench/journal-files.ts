/** What the engine and snapshot benchmarks do with journal files and the heap between timed steps. */
import fs from "node:fs";

/** Deletes a journal and the WAL and shared-memory files SQLite keeps beside it. */
export function removeJournal(journalPath: string): void {
  for (const suffix of ["", "-wal", "-shm"]) {
    fs.rmSync(`${journalPath}${suffix}`, { force: true });
  }
}

/** Copies a closed journal (and its WAL, if one is left) to `target`, replacing what was there. */
export function copyJournal(journalPath: string, target: string): void {
  removeJournal(target);
  for (const suffix of ["", "-wal"]) {
    if (fs.existsSync(`${journalPath}${suffix}`)) {
      fs.copyFileSync(`${journalPath}${suffix}`, `${target}${suffix}`);
    }
  }
}

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * A full collection, when `--expose-gc` allows one: before a timed step, so that it does not pay for
 * collecting what the steps before it left (a fresh process has none). False without `--expose-gc`.
 */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    return false;
  }
  gc();
  gc();
  return true;
}
