/**
 * The journal could not make a write durable, or is closed. Once a write has failed the journal
 * refuses every later write with this error: the engine must not go on serving state that is not on
 * disk.
 */
export class JournalUnavailableError extends Error {
  override readonly name = "JournalUnavailableError";
  readonly code = "JOURNAL_UNAVAILABLE";
}

/**
 * The journal file, or one entry or snapshot in it, could not be read back. Start-up stops on it; an
 * entry is never skipped. `seq` is the entry or snapshot that failed, when one can be named.
 */
export class JournalCorruptError extends Error {
  override readonly name = "JournalCorruptError";
  readonly code = "JOURNAL_CORRUPT";
  readonly path: string;
  readonly seq: number | undefined;

  constructor(path: string, seq: number | undefined, message: string, options?: ErrorOptions) {
    super(message, options);
    this.path = path;
    this.seq = seq;
  }
}

/** The file is not a journal, or was written with a schema version this build does not read. */
export class JournalSchemaError extends Error {
  override readonly name = "JournalSchemaError";
  readonly code = "JOURNAL_SCHEMA_UNSUPPORTED";
  readonly path: string;

  constructor(path: string, message: string) {
    super(message);
    this.path = path;
  }
}

/**
 * The journal is open for writing elsewhere: by another process, or by another journal in this one.
 * A journal has one writer at a time (`journal-lock.ts`), so no key is ever served by two processes.
 * `ownerPid` is the owner's pid when it has recorded it.
 */
export class JournalLockedError extends Error {
  override readonly name = "JournalLockedError";
  readonly code = "JOURNAL_LOCKED";
  readonly path: string;
  readonly ownerPid: number | undefined;

  constructor(path: string, ownerPid: number | undefined, message: string) {
    super(message);
    this.path = path;
    this.ownerPid = ownerPid;
  }
}
