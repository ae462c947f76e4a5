import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import { startEngine } from "../../src/actors/start-engine.ts";
import { checkEngineInvariants } from "../../src/engine/engine-invariants.ts";
import {
  evolveEngine,
  initialEngineState,
  streamOf,
  type EngineEvent,
  type EngineState,
} from "../../src/engine/engine-state.ts";
import { decodeEvent, encodeEvent, encodeState } from "../../src/persistence/codec.ts";
import {
  JournalCorruptError,
  JournalSchemaError,
  openJournal,
  openJournalReader,
} from "../../src/persistence/journal.ts";
import { runJournalTool, type ReplayModel } from "../../src/persistence/journal-tool.ts";
import { JOURNAL_SCHEMA_VERSION } from "../../src/persistence/limits.ts";
import { upcastEvent } from "../../src/persistence/migrations.ts";
import { recoverEngineState } from "../../src/persistence/recovery.ts";
import { runToExit, spawnTsx, watchChild } from "../../support/child-process.ts";
import { ADMIN_TOKEN, startEngineApp, T0_MS, type EngineApp } from "../support/app-harness.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { testEngineOptions, WRITERS } from "../support/test-engine.ts";

/**
 * A journal written by a build of schema version 1 (before the epoch-ms fields of the waiting-room
 * events were renamed to end in `Ms`), built row by row with better-sqlite3 and the real codec, then
 * opened by this build: the engine migrates it, the journal tool reads it as it is.
 */

const TTL_MS = 600_000;
const SALE_MS = T0_MS + 3_600_000;
/** The on-sale time an operator moved the presale concert to. */
const MOVED_SALE_MS = T0_MS + 7_200_000;
/** When the engine starts on the old file: every token's expiry is still ahead. */
const NOW_MS = T0_MS + 10_000;

const OPEN = "open-concert";
const PRESALE = "presale-concert";

/** A version-1 event as it was stored: a plain object with the field names of that version. */
type StoredEvent = { readonly type: string; readonly concertId: string } & Record<string, unknown>;

function token(concertId: string, seq: number, user: string): string {
  return [concertId, seq.toString(36), `${user}-secret`.padEnd(24, "x")].join(".");
}

const ALICE = token(OPEN, 0, "alice");
const BOB = token(OPEN, 1, "bob");
const CAROL = token(OPEN, 2, "carol");
const DAVE = token(PRESALE, 0, "dave");

function roomSettings(maxActive: number, onSaleAt: number | null): Record<string, number | null> {
  return {
    maxActive,
    admitBatch: 100,
    admitIntervalMs: 1_000,
    activeTtlMs: TTL_MS,
    waitIdleTtlMs: 300_000,
    onSaleAt,
  };
}

function concertCreated(concertId: string, onSaleAtMs: number | null, atMs: number): StoredEvent {
  return {
    type: "ConcertCreated",
    concertId,
    title: concertId,
    onSaleAtMs,
    schedules: [
      { scheduleId: `${concertId}-schedule`, startsAtMs: T0_MS + 86_400_000, seatCount: 10, price: 1_000 },
    ],
    atMs,
  };
}

/**
 * What a version-1 build journaled: an open concert where alice and bob were ACTIVE at once, carol
 * waited, bob left and carol was admitted; and a presale concert whose on-sale time an operator moved,
 * with dave in its pre-queue.
 */
const VERSION_1_EVENTS: readonly StoredEvent[] = [
  concertCreated(OPEN, null, T0_MS),
  { type: "WaitingRoomConfigured", concertId: OPEN, ...roomSettings(2, null), atMs: T0_MS },
  {
    type: "TokenIssued",
    concertId: OPEN,
    token: ALICE,
    seq: 0,
    userId: "alice",
    expiresAt: T0_MS + 1_000 + TTL_MS,
    atMs: T0_MS + 1_000,
  },
  {
    type: "TokenIssued",
    concertId: OPEN,
    token: BOB,
    seq: 1,
    userId: "bob",
    expiresAt: T0_MS + 2_000 + TTL_MS,
    atMs: T0_MS + 2_000,
  },
  {
    type: "TokenIssued",
    concertId: OPEN,
    token: CAROL,
    seq: 2,
    userId: "carol",
    expiresAt: null,
    atMs: T0_MS + 3_000,
  },
  { type: "TokenLeft", concertId: OPEN, seq: 1, atMs: T0_MS + 4_000 },
  {
    type: "TokensAdmitted",
    concertId: OPEN,
    count: 1,
    expiresAt: T0_MS + 5_000 + TTL_MS,
    atMs: T0_MS + 5_000,
  },
  concertCreated(PRESALE, SALE_MS, T0_MS + 6_000),
  { type: "WaitingRoomConfigured", concertId: PRESALE, ...roomSettings(1_000, SALE_MS), atMs: T0_MS + 6_000 },
  {
    type: "WaitingRoomConfigured",
    concertId: PRESALE,
    ...roomSettings(1_000, MOVED_SALE_MS),
    atMs: T0_MS + 7_000,
  },
  {
    type: "WaitingRoomSettingsOverridden",
    concertId: PRESALE,
    settings: { onSaleAt: MOVED_SALE_MS },
    atMs: T0_MS + 7_000,
  },
  {
    type: "TokenIssued",
    concertId: PRESALE,
    token: DAVE,
    seq: 0,
    userId: "dave",
    expiresAt: null,
    atMs: T0_MS + 8_000,
  },
];

/** `object` with `from` renamed to `to` in place, written out here rather than taken from the code under test. */
function renamed(object: Record<string, unknown>, from: string, to: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [key === from ? to : key, value]));
}

/** A version-1 event as version 2 stores it. */
function asVersion2(event: StoredEvent): Record<string, unknown> {
  switch (event.type) {
    case "TokenIssued":
    case "TokensAdmitted":
      return renamed(event, "expiresAt", "expiresAtMs");
    case "WaitingRoomConfigured":
      return renamed(event, "onSaleAt", "onSaleAtMs");
    case "WaitingRoomSettingsOverridden":
      return {
        ...event,
        settings: renamed(event["settings"] as Record<string, unknown>, "onSaleAt", "onSaleAtMs"),
      };
    default:
      return event;
  }
}

const VERSION_2_EVENTS = VERSION_1_EVENTS.map(asVersion2);

/** The state a version-1 build snapshotted: today's state with the field names of version 1. */
function version1State(events: readonly Record<string, unknown>[]): unknown {
  const state = events.reduce<EngineState>(
    (folded, event) => evolveEngine(folded, event as unknown as EngineEvent),
    initialEngineState(),
  );
  const rooms = new Map(
    [...state.waitingRooms].map(([concertId, room]) => {
      const { stampMs, admissionAtMs, settings, ...rest } = room;
      return [
        concertId,
        {
          ...rest,
          settings: renamed({ ...settings }, "onSaleAtMs", "onSaleAt"),
          stamp: stampMs,
          admissionAt: admissionAtMs,
        },
      ];
    }),
  );
  const overrides = new Map(
    [...state.waitingRoomOverrides].map(([concertId, settings]) => [
      concertId,
      renamed({ ...settings }, "onSaleAtMs", "onSaleAt"),
    ]),
  );
  return { ...state, waitingRooms: rooms, waitingRoomOverrides: overrides };
}

/** Where the version-1 snapshots are: one partway through, one covering every event. */
const SNAPSHOT_SEQS = [7, VERSION_1_EVENTS.length];

const OPEN_WRITER_FIXTURE = fileURLToPath(new URL("./fixtures/open-writer.ts", import.meta.url));

/**
 * Writes a journal file of schema version 1 with the schema of that version, row by row: the events
 * above, or `events` instead (without snapshots).
 */
function writeVersion1Journal(file: string, events?: readonly StoredEvent[]): void {
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("encoding = 'UTF-8'");
    db.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value ANY NOT NULL) STRICT;
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
    `);
    db.prepare("INSERT INTO meta (key, value) VALUES ('schema_version', 1)").run();
    const insertEvent = db.prepare(
      "INSERT INTO journal (seq, stream, type, recorded_at, payload) VALUES (?, ?, ?, ?, ?)",
    );
    db.transaction(() => {
      (events ?? VERSION_1_EVENTS).forEach((event, i) => {
        const stream = streamOf(event as unknown as EngineEvent);
        insertEvent.run(i + 1, stream, event.type, event["atMs"], Buffer.from(encodeEvent(event)));
      });
    })();
    if (events !== undefined) {
      return;
    }
    const insertSnapshot = db.prepare("INSERT INTO snapshots (seq, created_at, payload) VALUES (?, ?, ?)");
    for (const seq of SNAPSHOT_SEQS) {
      const state = version1State(VERSION_2_EVENTS.slice(0, seq));
      insertSnapshot.run(seq, T0_MS + seq, Buffer.from(encodeState(state)));
    }
  } finally {
    db.close();
  }
}

interface StoredRows {
  readonly version: unknown;
  readonly events: { seq: number; type: string; payload: Buffer }[];
  readonly snapshotSeqs: number[];
}

/** The file's rows, read behind the journal's back. */
function readRows(file: string): StoredRows {
  const db = new Database(file, { readonly: true });
  try {
    return {
      version: db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(),
      events: db.prepare("SELECT seq, type, payload FROM journal ORDER BY seq").all() as StoredRows["events"],
      snapshotSeqs: db.prepare("SELECT seq FROM snapshots ORDER BY seq").pluck().all() as number[],
    };
  } finally {
    db.close();
  }
}

/** A digest of the version, every row and the snapshot seqs, to compare large files quickly. */
function rowsDigest(rows: StoredRows): string {
  const hash = createHash("sha256").update(JSON.stringify([rows.version, rows.snapshotSeqs]));
  for (const { seq, type, payload } of rows.events) {
    hash.update(`${seq} ${type} ${payload.length}\n`).update(payload);
  }
  return hash.digest("hex");
}

function setSchemaVersion(file: string, version: number): void {
  const db = new Database(file);
  db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(version);
  db.close();
}

/** A digest of the file and its WAL, to show that reading it changed neither. */
function fileDigest(file: string): string {
  const hash = createHash("sha256");
  for (const part of [file, `${file}-wal`]) {
    hash.update(fs.existsSync(part) ? fs.readFileSync(part) : Buffer.alloc(0));
  }
  return hash.digest("hex");
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

async function request(
  running: EngineApp,
  method: string,
  url: string,
  bearer: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { authorization: `Bearer ${bearer}` };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
  }
  const response = await running.app.request(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** The engine as `npm run journal` binds it (src/persistence/journal-cli.ts). */
const engineModel: ReplayModel<EngineEvent, EngineState> = {
  recover: (file, options) => recoverEngineState(file, { ...options, resumeAtMs: NOW_MS }),
  checkInvariants: checkEngineInvariants,
  streamOf,
};

async function journalTool(file: string, ...argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await runJournalTool([...argv, "--db", file], engineModel, file, (line) => lines.push(line));
  return { code, lines };
}

describe("a journal of schema version 1", () => {
  const dir = useTempDir("migration-test-");
  const file = (): string => path.join(dir(), "journal.db");

  /** Errors the app logged: a migrated journal must not make any answer a server error. */
  const errors: unknown[] = [];

  function startApp(clock: SimulatedClock, writer: (typeof WRITERS)[number]): Promise<EngineApp> {
    return startEngineApp(testEngineOptions(file(), clock, { journalWriter: writer }), {
      adminToken: ADMIN_TOKEN,
      logError: (error) => errors.push(error),
    });
  }

  /** The answers that depend on the renamed fields: token expiries and the on-sale time. */
  async function expectAnswersOfTheOldJournal(running: EngineApp): Promise<void> {
    const current = "/api/v1/queue/tokens/current";
    expect(await request(running, "GET", current, ALICE)).toMatchObject({
      status: 200,
      body: { status: "ACTIVE", position: 0, expiresAt: iso(T0_MS + 1_000 + TTL_MS), opensAt: null },
    });
    expect(await request(running, "GET", current, CAROL)).toMatchObject({
      status: 200,
      body: { status: "ACTIVE", position: 0, expiresAt: iso(T0_MS + 5_000 + TTL_MS), opensAt: null },
    });
    expect(await request(running, "GET", current, BOB)).toMatchObject({
      status: 401,
      body: { error: { code: "TOKEN_EXPIRED" } },
    });
    expect(await request(running, "GET", current, DAVE)).toMatchObject({
      status: 200,
      body: { status: "WAITING", position: null, expiresAt: null, opensAt: iso(MOVED_SALE_MS) },
    });
  }

  describe("opened by the engine", () => {
    it.each(WRITERS)(
      "is migrated to the current version on start and answers as before (%s writer)",
      async (writer) => {
        writeVersion1Journal(file());
        const clock = new SimulatedClock(NOW_MS);
        let running = await startApp(clock, writer);
        try {
          await expectAnswersOfTheOldJournal(running);
          expect(
            await request(running, "PATCH", `/api/v1/admin/concerts/${PRESALE}/waiting-room`, ADMIN_TOKEN, {
              maxActive: 5,
            }),
          ).toEqual({
            status: 200,
            body: {
              concertId: PRESALE,
              maxActive: 5,
              admitBatch: 100,
              admitIntervalMs: 1_000,
              activeTtlMs: TTL_MS,
              waitIdleTtlMs: 300_000,
              onSaleAt: iso(MOVED_SALE_MS),
            },
          });
        } finally {
          await running.engine.stop();
        }

        // The file is of the current version: every old event renamed in place, the old snapshots gone.
        const rows = readRows(file());
        expect(rows.version).toBe(JOURNAL_SCHEMA_VERSION);
        expect(rows.snapshotSeqs).toEqual([]);
        const migrated = rows.events
          .slice(0, VERSION_1_EVENTS.length)
          .map(({ type, payload }) => decodeEvent(payload, type) as Record<string, unknown>);
        expect(migrated).toStrictEqual(VERSION_2_EVENTS);
        expect(Object.keys(migrated[2]!)).toEqual(Object.keys(VERSION_2_EVENTS[2]!));
        for (const event of rows.events.map(({ type, payload }) => decodeEvent(payload, type))) {
          expect(JSON.stringify(event)).not.toMatch(/"(expiresAt|onSaleAt|opensAt)"/);
        }

        // The engine snapshots the state in its new shape, and starts from that snapshot as well.
        running = await startApp(clock, writer);
        try {
          expect(await running.engine.snapshot()).toBe(rows.events.length);
          await running.engine.stop();
          running = await startApp(clock, writer);
          expect(running.engine.recovery.snapshotSeq).toBe(rows.events.length);
          await expectAnswersOfTheOldJournal(running);
        } finally {
          await running.engine.stop();
        }
        expect(await journalTool(file(), "verify")).toMatchObject({ code: 0 });
        expect(errors).toEqual([]);
      },
    );

    it("migrates a file only once: opening it again changes no row", async () => {
      writeVersion1Journal(file());
      await (await openJournal({ path: file(), writer: "inline", streamOf })).close();
      const once = readRows(file());
      await (await openJournal({ path: file(), writer: "inline", streamOf })).close();
      expect(readRows(file())).toEqual(once);
      expect(once.version).toBe(JOURNAL_SCHEMA_VERSION);
    });

    it("migrates in one transaction: an entry that cannot be migrated leaves the whole file at version 1", async () => {
      writeVersion1Journal(file());
      const before = readRows(file());
      const last = VERSION_1_EVENTS.length;
      const db = new Database(file());
      const original = db.prepare("SELECT payload FROM journal WHERE seq = ?").pluck().get(last) as Buffer;
      db.prepare("UPDATE journal SET payload = ? WHERE seq = ?").run(Buffer.from([0xc1, 0xff, 0x00]), last);
      db.close();

      const failed = openJournal({ path: file(), writer: "inline", streamOf });
      await expect(failed).rejects.toThrow(JournalCorruptError);
      await expect(failed).rejects.toThrow(
        new RegExp(`seq ${last} could not be migrated from schema version 1`),
      );
      const after = readRows(file());
      expect(after.version).toBe(1);
      expect(after.snapshotSeqs).toEqual(SNAPSHOT_SEQS);
      expect(after.events.slice(0, last - 1)).toEqual(before.events.slice(0, last - 1));

      // Repaired, the file migrates at the next start, as after a crash halfway through.
      const repair = new Database(file());
      repair.prepare("UPDATE journal SET payload = ? WHERE seq = ?").run(original, last);
      repair.close();
      const engine = await startEngine(testEngineOptions(file(), new SimulatedClock(NOW_MS)));
      await engine.stop();
      expect(readRows(file()).version).toBe(JOURNAL_SCHEMA_VERSION);
    });
  });

  it("stays at version 1 when the process is killed during the migration, and migrates at the next start", async () => {
    // Enough tokens that the migration takes a while: the kill lands while its transaction is open.
    const tokens = 100_000;
    const many = Array.from({ length: tokens }, (_, seq) => ({
      type: "TokenIssued",
      concertId: OPEN,
      token: token(OPEN, seq, `fan${seq}`),
      seq,
      userId: `fan${seq}`,
      expiresAt: seq % 2 === 0 ? null : T0_MS + seq + TTL_MS,
      atMs: T0_MS + seq,
    }));
    writeVersion1Journal(file(), many);
    const before = readRows(file());

    // The migration holds the write lock from start to commit: while a probe cannot take it, it runs.
    const probe = new Database(file(), { timeout: 0 });
    const migrating = (): boolean => {
      try {
        probe.exec("BEGIN IMMEDIATE; ROLLBACK");
        return false;
      } catch (error) {
        if (error instanceof Database.SqliteError && error.code === "SQLITE_BUSY") {
          return true;
        }
        throw error;
      }
    };
    let busyPolls = 0;
    let poller: NodeJS.Timeout | undefined;
    const watched = watchChild(spawnTsx(OPEN_WRITER_FIXTURE, { args: [file()] }), {
      onLine: (line) => {
        if (line !== "opening") {
          return;
        }
        poller = setInterval(() => {
          // Twice in a row, so the brief lock of the schema check on open is not taken for it.
          busyPolls = migrating() ? busyPolls + 1 : 0;
          if (busyPolls >= 2) {
            clearInterval(poller);
            watched.child.kill("SIGKILL");
          }
        }, 2);
      },
    });
    let exit;
    try {
      exit = await runToExit(watched, 60_000);
    } finally {
      clearInterval(poller);
      probe.close();
    }
    expect(exit.signal).toBe("SIGKILL");
    expect(exit.stdout).not.toContain("opened");
    expect(rowsDigest(readRows(file()))).toBe(rowsDigest(before));

    await (await openJournal({ path: file(), writer: "inline", streamOf })).close();
    const migrated = readRows(file());
    expect(migrated.version).toBe(JOURNAL_SCHEMA_VERSION);
    expect(migrated.events).toHaveLength(tokens);
    // One comparison for the lot: an expect per row would take most of the test's time.
    const mismatch = migrated.events.findIndex(
      ({ type, payload }, i) => !isDeepStrictEqual(decodeEvent(payload, type), asVersion2(many[i]!)),
    );
    expect(mismatch).toBe(-1);
  });

  describe("read by the journal tool", () => {
    it("is verified, inspected and counted with its events upcast, without changing the file", async () => {
      writeVersion1Journal(file());
      const digest = fileDigest(file());
      const note = new RegExp(
        `schema version 1: its events are read as version ${JOURNAL_SCHEMA_VERSION} and its snapshots are ignored; start the server`,
      );

      const verified = await journalTool(file(), "verify");
      expect(verified.code).toBe(0);
      expect(verified.lines[0]).toMatch(note);
      expect(verified.lines).toContain("every invariant holds");
      expect(verified.lines).toContain("no snapshot to compare with");
      expect(verified.lines.at(-1)).toBe(`OK: ${file()} verified`);

      const inspected = await journalTool(file(), "inspect", "--type", "TokenIssued");
      expect(inspected.code).toBe(0);
      const issued = inspected.lines.map((line) => (JSON.parse(line) as { event: unknown }).event);
      expect(issued).toEqual(VERSION_2_EVENTS.filter((event) => event["type"] === "TokenIssued"));

      const counted = await journalTool(file(), "stats");
      expect(counted.code).toBe(0);
      expect(counted.lines[0]).toMatch(note);
      expect(counted.lines.join("\n")).not.toMatch(/snapshot at seq/);

      const reader = openJournalReader<EngineEvent>(file());
      try {
        expect(reader.schemaVersion).toBe(1);
        expect(reader.newestSnapshot()).toBeUndefined();
        expect([...reader.events(0)].map((stored) => stored.event)).toStrictEqual(VERSION_2_EVENTS);
      } finally {
        reader.close();
      }
      // The old snapshots stay in the file, unread: they hold the state in its old shape.
      expect(fileDigest(file())).toBe(digest);
      expect(readRows(file())).toMatchObject({ version: 1, snapshotSeqs: SNAPSHOT_SEQS });
    });
  });

  describe("upcasting one event", () => {
    it("renames the epoch-ms fields in place, and leaves other events and an event already upcast alone", () => {
      VERSION_1_EVENTS.forEach((event, i) => {
        const upcast = upcastEvent(event, event.type, 1);
        expect(upcast).toStrictEqual(VERSION_2_EVENTS[i]);
        expect(Object.keys(upcast as object)).toEqual(Object.keys(VERSION_2_EVENTS[i]!));
        expect(upcastEvent(upcast, event.type, 1)).toStrictEqual(VERSION_2_EVENTS[i]);
        expect(upcastEvent(VERSION_2_EVENTS[i], event.type, JOURNAL_SCHEMA_VERSION)).toBe(
          VERSION_2_EVENTS[i],
        );
      });
    });

    it("refuses an event that has both names, or no settings object where one belongs", () => {
      const both = { ...VERSION_1_EVENTS[2]!, expiresAtMs: 1 };
      expect(() => upcastEvent(both, "TokenIssued", 1)).toThrow(/both `expiresAt` and `expiresAtMs`/);
      const noSettings = { type: "WaitingRoomSettingsOverridden", concertId: PRESALE, settings: 5, atMs: 1 };
      expect(() => upcastEvent(noSettings, noSettings.type, 1)).toThrow(/settings/);
      expect(() => upcastEvent(VERSION_1_EVENTS[0], "ConcertCreated", 0)).toThrow(/no migration/);
    });
  });
});

describe("a journal of a schema version newer than this build's", () => {
  const dir = useTempDir("migration-test-");
  const file = (): string => path.join(dir(), "journal.db");

  it.each(WRITERS)(
    "is refused, naming the file and both versions, and left as it is (%s writer)",
    async (writer) => {
      writeVersion1Journal(file());
      setSchemaVersion(file(), JOURNAL_SCHEMA_VERSION + 1);
      const before = readRows(file());
      const expected = new RegExp(
        `${file()}.*schema version ${JOURNAL_SCHEMA_VERSION + 1}.*reads version ${JOURNAL_SCHEMA_VERSION}.*newer`,
      );
      const start = startEngine(
        testEngineOptions(file(), new SimulatedClock(NOW_MS), { journalWriter: writer }),
      );
      await expect(start).rejects.toThrow(JournalSchemaError);
      await expect(start).rejects.toThrow(expected);
      expect(() => openJournalReader(file())).toThrow(expected);
      // The journal tool says so in one line, with exit code 1.
      expect(await journalTool(file(), "verify")).toEqual({
        code: 1,
        lines: [expect.stringMatching(expected)],
      });
      expect(readRows(file())).toEqual(before);
    },
  );
});
