/**
 * Who may write a journal: one owner at a time, across processes and within one. The owner holds an
 * exclusive lock on a small SQLite file beside the journal (`<journal>.lock`), taken before the
 * journal is opened for writing and held until it is closed. The kernel drops the lock when the
 * process dies, even by SIGKILL, so a supervisor can restart a killed process on the same file at
 * once: no pid is ever guessed stale. The journal itself is not locked, so readers (the journal
 * tool's `verify`, `inspect`, `stats` and `backup`) go on reading a live journal.
 */
import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { JournalLockedError } from "./errors.ts";

/**
 * How long a contender waits for the lock before it is refused. A held lock is never given up, so
 * this only settles a race: two processes that start at the same instant both take SQLite's shared
 * lock on the way to the exclusive one, and with no wait at all both could be refused.
 */
export const JOURNAL_LOCK_WAIT_MS = 100;

/** The ownership of one journal for writing, from `lockJournal` until `release`. */
export interface JournalLock {
  /** The lock file, `<journal>.lock`. */
  readonly lockPath: string;
  /** Gives up the ownership: another process may then open the journal for writing. Idempotent. */
  release(): void;
}

/** The lock file of a journal. A symbolic link to the journal is resolved, so both names share one lock. */
export function journalLockPath(journalPath: string): string {
  return `${canonicalPath(journalPath)}.lock`;
}

/**
 * The owner's pid, as text, beside the lock: for the refusal's message only (the lock decides). It
 * cannot live in the lock file itself: a reader could not open that while it is locked, and reading
 * it with `fs` in the owner's own process would drop the owner's lock (closing any descriptor of a
 * file drops the POSIX locks the process holds on it; see SQLite's "How To Corrupt" §2.2).
 */
export function journalOwnerPath(journalPath: string): string {
  return `${canonicalPath(journalPath)}.owner`;
}

/**
 * Takes the ownership of the journal at `journalPath` for writing, or throws JournalLockedError
 * naming the owner's pid when another process, or another journal in this process, has it. Any other
 * failure (a directory that does not exist, a lock file this user may not write) throws an Error
 * naming the journal. Nothing in this process may open the lock file but through SQLite (see
 * `journalOwnerPath`).
 */
export function lockJournal(journalPath: string): JournalLock {
  const lockPath = journalLockPath(journalPath);
  const ownerPath = journalOwnerPath(journalPath);
  const cannot = (reason: string, cause?: unknown): Error =>
    new Error(`cannot lock journal ${journalPath} for writing: ${reason}`, { cause });
  if (fs.existsSync(lockPath)) {
    try {
      fs.accessSync(lockPath, fs.constants.W_OK);
    } catch (error) {
      // SQLite would open it read-only without a word, and a read-only file cannot be locked for writing.
      throw cannot(`its lock file ${lockPath} is not writable: ${String(error)}`, error);
    }
  }
  let db: Database.Database;
  try {
    db = new Database(lockPath, { timeout: JOURNAL_LOCK_WAIT_MS });
  } catch (error) {
    throw cannot(`cannot open its lock file ${lockPath}: ${String(error)}`, error);
  }
  try {
    takeExclusiveLock(db);
  } catch (error) {
    db.close();
    if (error instanceof Database.SqliteError && error.code.startsWith("SQLITE_BUSY")) {
      throw lockedError(journalPath, ownerPath);
    }
    throw cannot(`its lock file ${lockPath} could not be locked: ${String(error)}`, error);
  }
  try {
    writeOwner(ownerPath);
  } catch (error) {
    db.close();
    throw cannot(`could not record its owner in ${ownerPath}: ${String(error)}`, error);
  }
  let released = false;
  return {
    lockPath,
    release() {
      if (released) {
        return;
      }
      released = true;
      // The owner file goes first, while the lock is still held: once the lock is given up, a new
      // owner may write its own, which must not be deleted.
      try {
        fs.rmSync(ownerPath, { force: true });
      } catch {
        // One left behind misleads no one: it is read only while the lock is held, and the next
        // owner replaces it.
      }
      db.close();
    },
  };
}

/**
 * Takes SQLite's EXCLUSIVE lock on the lock file and keeps it until the connection closes. The
 * connection contends in the NORMAL locking mode, in which a refused attempt gives up its shared lock
 * at once, so that racing contenders cannot hold each other off; it turns to the EXCLUSIVE mode inside
 * its transaction, so that the commit keeps the lock instead of releasing it. The transaction writes
 * the owner's pid (as `user_version`), since SQLite takes the lock for good only on a write.
 */
function takeExclusiveLock(db: Database.Database): void {
  db.pragma("synchronous = FULL");
  db.exec("BEGIN EXCLUSIVE");
  try {
    db.pragma("locking_mode = EXCLUSIVE");
    db.pragma(`user_version = ${process.pid}`);
    db.exec("COMMIT");
  } catch (error) {
    if (db.inTransaction) {
      db.exec("ROLLBACK");
    }
    throw error;
  }
  const mode: unknown = db.pragma("locking_mode", { simple: true });
  if (mode !== "exclusive") {
    throw new Error(`the lock file stayed in ${String(mode)} locking mode`);
  }
}

/** Writes the owner's pid beside the lock, replacing whatever a previous owner left there. */
function writeOwner(ownerPath: string): void {
  const partial = `${ownerPath}.partial-${process.pid}`;
  fs.writeFileSync(partial, `${process.pid}\n`);
  fs.renameSync(partial, ownerPath);
}

/** The pid in the owner file, when it holds one. */
function readOwnerPid(ownerPath: string): number | undefined {
  let text: string;
  try {
    text = fs.readFileSync(ownerPath, "utf8");
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function lockedError(journalPath: string, ownerPath: string): JournalLockedError {
  // The owner writes its pid just after it takes the lock; in that instant the file may be missing
  // (or, after a crash, hold the previous owner's pid).
  const pid = readOwnerPid(ownerPath);
  const who =
    pid === undefined
      ? "another process (its pid is not recorded yet)"
      : pid === process.pid
        ? `another journal in this process (pid ${pid})`
        : `another process (pid ${pid})`;
  return new JournalLockedError(
    journalPath,
    pid,
    `journal ${journalPath} is open for writing by ${who}; a journal has one writer at a time`,
  );
}

/**
 * The journal's path with its directory's links resolved, and the file's own link when there is
 * one, so that every name of one journal leads to one lock. A journal that does not exist yet is
 * named through its directory; a missing directory is left to the caller's open to report.
 */
function canonicalPath(journalPath: string): string {
  try {
    return fs.realpathSync(journalPath);
  } catch {
    // Not there yet (or a dangling link): fall through to the directory.
  }
  const resolved = path.resolve(journalPath);
  try {
    return path.join(fs.realpathSync(path.dirname(resolved)), path.basename(resolved));
  } catch {
    return resolved;
  }
}
