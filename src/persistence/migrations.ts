/**
 * The migrations of the journal format, one per schema version, and the upcasts they are made of.
 *
 * A migration rewrites the events of the version before it, type by type; an event of a type it does not
 * name is stored the same way in both versions. A writer that opens an older file migrates it in one
 * transaction (`migrateJournal`): every event it upcasts is re-encoded in place, the snapshots are
 * deleted (they hold the state in its old shape; recovery then replays the whole journal, and the engine
 * takes new snapshots as usual), and `schema_version` is set, all or nothing. A process killed halfway
 * leaves the old version, which migrates again at the next start. A read-only reader cannot rewrite the
 * file, so it upcasts each event as it reads it (`upcastEvent`) and ignores the old snapshots: an operator
 * can inspect an old backup without changing it.
 *
 * Version 2 renamed the fields that hold epoch milliseconds so that they end in `Ms`, like every other
 * time field: `expiresAt` became `expiresAtMs` in TokenIssued and TokensAdmitted, and `onSaleAt` became
 * `onSaleAtMs` in WaitingRoomConfigured and in the `settings` of WaitingRoomSettingsOverridden. The
 * state in snapshots had the same fields, and the waiting room's `stamp` and `admissionAt` became
 * `stampMs` and `admissionAtMs`.
 *
 * Version 3 changed only the snapshots: a schedule keeps its reservations as struct-of-arrays (its hold
 * table) instead of a map of records, and the engine's reservation indexes changed with it. No event
 * changed, so the migration rewrites none; like every migration it deletes the old snapshots.
 */
import { decodeEvent, encodeEvent, eventDefect } from "./codec.ts";
import type { Connection } from "./database.ts";
import { JournalCorruptError } from "./errors.ts";
import {
  JOURNAL_READ_PAGE_EVENTS,
  JOURNAL_SCHEMA_VERSION,
  JOURNAL_SCHEMA_VERSION_MIGRATED_MIN,
} from "./limits.ts";

/** A decoded event: a plain object with a string `type` (`decodeEvent` checked it). */
type StoredEvent = Record<string, unknown>;

/** Rewrites one decoded event of the version before a migration into the migration's version. */
type Upcast = (event: StoredEvent) => StoredEvent;

interface Migration {
  /** The version this migration produces, from the version just before it. */
  readonly toVersion: number;
  /** Per event type, how an event of the previous version becomes one of `toVersion`. */
  readonly upcasts: Readonly<Record<string, Upcast>>;
}

/** Every migration, oldest first; the last one produces `JOURNAL_SCHEMA_VERSION`. */
const MIGRATIONS: readonly Migration[] = [
  {
    toVersion: 2,
    upcasts: {
      TokenIssued: (event) => renameField(event, "expiresAt", "expiresAtMs"),
      TokensAdmitted: (event) => renameField(event, "expiresAt", "expiresAtMs"),
      WaitingRoomConfigured: (event) => renameField(event, "onSaleAt", "onSaleAtMs"),
      WaitingRoomSettingsOverridden: (event) => ({
        ...event,
        settings: renameField(plainObject(event["settings"], "settings"), "onSaleAt", "onSaleAtMs"),
      }),
    },
  },
  { toVersion: 3, upcasts: {} },
];

if (MIGRATIONS.at(-1)?.toVersion !== JOURNAL_SCHEMA_VERSION) {
  throw new Error("the last migration must produce the current schema version");
}
if (MIGRATIONS[0]?.toVersion !== JOURNAL_SCHEMA_VERSION_MIGRATED_MIN + 1) {
  throw new Error("the first migration must read the oldest version this build opens");
}

/**
 * `object` with the field `from` renamed to `to`, in the same place among the fields, so the result is
 * what the newer version writes. An object without `from` comes back as it is, so upcasting twice is
 * harmless. Throws when both names are present: such an object belongs to neither version.
 */
function renameField(object: StoredEvent, from: string, to: string): StoredEvent {
  if (!Object.hasOwn(object, from)) {
    return object;
  }
  if (Object.hasOwn(object, to)) {
    throw new Error(`the stored object has both \`${from}\` and \`${to}\``);
  }
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key === from ? to : key, value]));
}

function plainObject(value: unknown, name: string): StoredEvent {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`the stored \`${name}\` is not an object`);
  }
  return value as StoredEvent;
}

/** The migrations that take a file of `fromVersion` to the current version, in order. */
function migrationsFrom(fromVersion: number): readonly Migration[] {
  if (
    !Number.isSafeInteger(fromVersion) ||
    fromVersion < JOURNAL_SCHEMA_VERSION_MIGRATED_MIN ||
    fromVersion > JOURNAL_SCHEMA_VERSION
  ) {
    throw new RangeError(`there is no migration from schema version ${fromVersion}`);
  }
  return MIGRATIONS.filter((migration) => migration.toVersion > fromVersion);
}

/**
 * A decoded event of schema version `fromVersion` (of type `type`, as `decodeEvent` checked) as the
 * current version stores it. Throws when the event does not have the shape its version gives it.
 */
export function upcastEvent(event: unknown, type: string, fromVersion: number): unknown {
  let upcast = plainObject(event, "event");
  for (const migration of migrationsFrom(fromVersion)) {
    const step = migration.upcasts[type];
    if (step !== undefined) {
      upcast = step(upcast);
    }
  }
  return upcast;
}

/** The event types whose stored form changed since `fromVersion`: the rows a migration rewrites. */
function typesChangedSince(fromVersion: number): string[] {
  return [...new Set(migrationsFrom(fromVersion).flatMap((migration) => Object.keys(migration.upcasts)))];
}

/** The file's schema version as its meta table stores it; undefined when it has none. */
export function readSchemaVersion(db: Connection): unknown {
  return db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get();
}

/**
 * Migrates the journal `db` (opened for writing, its version checked to be one this build opens) to
 * `JOURNAL_SCHEMA_VERSION` in one IMMEDIATE transaction: upcasts and re-encodes every event whose type
 * changed, deletes the snapshots and sets `schema_version`. The version is read again inside the
 * transaction, so when another process migrated the file first this does nothing. Throws
 * JournalCorruptError naming the seq of an event that cannot be decoded or upcast; nothing is changed then.
 */
export function migrateJournal(db: Connection, path: string): void {
  db.transaction(() => {
    const version = readSchemaVersion(db);
    if (version === JOURNAL_SCHEMA_VERSION) {
      return;
    }
    if (typeof version !== "number") {
      throw new Error(`journal ${path} has no numeric schema version to migrate from`);
    }
    const types = typesChangedSince(version);
    if (types.length > 0) {
      // Pages of rows, so that no read statement is open while the rows are updated.
      const selectPage = db
        .prepare(
          `SELECT seq, type, payload FROM journal WHERE seq > ? AND type IN (${types.map(() => "?").join(", ")}) ORDER BY seq LIMIT ?`,
        )
        .raw();
      const updatePayload = db.prepare("UPDATE journal SET payload = ? WHERE seq = ?");
      let after = 0;
      for (;;) {
        const page = selectPage.all(after, ...types, JOURNAL_READ_PAGE_EVENTS) as [
          number,
          string,
          Uint8Array,
        ][];
        for (const [seq, type, payload] of page) {
          updatePayload.run(migratedPayload(path, seq, type, payload, version), seq);
          after = seq;
        }
        if (page.length < JOURNAL_READ_PAGE_EVENTS) {
          break;
        }
      }
    }
    db.prepare("DELETE FROM snapshots").run();
    db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(JOURNAL_SCHEMA_VERSION);
  }).immediate();
}

/** One stored event of `fromVersion`, decoded, upcast, checked and encoded again. */
function migratedPayload(
  path: string,
  seq: number,
  type: string,
  payload: Uint8Array,
  fromVersion: number,
): Uint8Array {
  let event: unknown;
  try {
    event = upcastEvent(decodeEvent(payload, type), type, fromVersion);
  } catch (error) {
    throw new JournalCorruptError(
      path,
      seq,
      `journal ${path}: the entry at seq ${seq} could not be migrated from schema version ${fromVersion}: ${String(error)}`,
      { cause: error },
    );
  }
  const defect = eventDefect(event);
  if (defect !== undefined) {
    throw new JournalCorruptError(
      path,
      seq,
      `journal ${path}: the entry at seq ${seq} migrated from schema version ${fromVersion} is not an event: ${defect}`,
    );
  }
  return encodeEvent(event);
}
