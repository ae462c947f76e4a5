import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { encodeEvent } from "../../src/persistence/codec.ts";
import { openJournalDatabase } from "../../src/persistence/database.ts";
import {
  JournalCorruptError,
  JournalSchemaError,
  openJournal,
  openJournalReader,
} from "../../src/persistence/journal.ts";
import {
  JOURNAL_READ_PAGE_EVENTS,
  JOURNAL_READ_RUN_BYTES_MAX,
  JOURNAL_REPLAY_EVENT_BYTES_MAX,
  JOURNAL_REPLAY_PAGE_EVENTS,
  JOURNAL_SCHEMA_VERSION,
} from "../../src/persistence/limits.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";
import { held, streamOf, type TestEvent } from "./helpers.ts";

const T0 = 1_700_000_000_000;

describe("the journal file", () => {
  const dir = useTempDir("persistence-test-");
  const file = (): string => path.join(dir(), "journal.db");

  async function writeEvents(count: number, target = file()): Promise<void> {
    const journal = await openJournal<TestEvent>({ path: target, writer: "inline", streamOf });
    for (let i = 1; i <= count; i++) {
      void journal.append([held(i, `schedule:${i % 3}`)], T0 + i);
    }
    await journal.close();
  }

  /** Changes the file behind the journal's back, as a disk fault or an operator mistake would. */
  function tamper(sql: string, ...params: unknown[]): void {
    const db = new Database(file());
    db.prepare(sql).run(...params);
    db.close();
  }

  describe("settings and schema", () => {
    it("is opened in WAL mode with synchronous = FULL and the other settings set explicitly", () => {
      const db = openJournalDatabase(file(), "create");
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      // 2 is FULL: every commit is fsynced before it is acknowledged.
      expect(db.pragma("synchronous", { simple: true })).toBe(2);
      expect(db.pragma("busy_timeout", { simple: true })).toBeGreaterThan(0);
      expect(db.pragma("mmap_size", { simple: true })).toBe(0);
      expect(db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get()).toBe(
        JOURNAL_SCHEMA_VERSION,
      );
      db.close();
    });

    it.each(WRITERS)(
      "refuses a journal with a newer schema version, naming the file and both versions (%s writer)",
      async (writer) => {
        await writeEvents(1);
        tamper("UPDATE meta SET value = ? WHERE key = 'schema_version'", JOURNAL_SCHEMA_VERSION + 1);
        const expected = new RegExp(
          `${file()}.*schema version ${JOURNAL_SCHEMA_VERSION + 1}.*reads version ${JOURNAL_SCHEMA_VERSION}.*newer`,
        );
        await expect(openJournal<TestEvent>({ path: file(), writer, streamOf })).rejects.toThrow(expected);
        expect(() => openJournalReader(file())).toThrow(JournalSchemaError);
      },
    );

    it("refuses a SQLite file that is not a journal", () => {
      const db = new Database(file());
      db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY)");
      db.close();
      expect(() => openJournalReader(file())).toThrow(/is not a journal: it has no meta table/);
    });

    it("refuses to read a journal that does not exist, and does not create it", () => {
      expect(() => openJournalReader(file())).toThrow(file());
      expect(fs.existsSync(file())).toBe(false);
    });
  });

  describe("a damaged file", () => {
    it.each(WRITERS)("stops opening a file that is not a database, naming it (%s writer)", async (writer) => {
      fs.writeFileSync(file(), Buffer.alloc(8192, 0x5a));
      await expect(openJournal<TestEvent>({ path: file(), writer, streamOf })).rejects.toThrow(
        JournalCorruptError,
      );
      expect(() => openJournalReader(file())).toThrow(
        new RegExp(`${file()} is not a readable SQLite database`),
      );
    });

    it("stops reading a truncated file with an error naming the file", async () => {
      await writeEvents(3 * JOURNAL_READ_PAGE_EVENTS);
      const size = fs.statSync(file()).size;
      fs.truncateSync(file(), Math.floor(size / 2 / 4096) * 4096);
      const read = (): void => {
        const reader = openJournalReader<TestEvent>(file());
        try {
          for (const stored of reader.events(0)) {
            expect(stored.event.n).toBe(stored.seq);
          }
        } finally {
          reader.close();
        }
      };
      expect(read).toThrow(JournalCorruptError);
      expect(read).toThrow(file());
    });

    it("names the file and seq of an entry whose payload cannot be decoded, and never skips it", async () => {
      await writeEvents(10);
      tamper("UPDATE journal SET payload = ? WHERE seq = 7", Buffer.from([0xc1, 0xff, 0x00]));
      const reader = openJournalReader<TestEvent>(file());
      const seen: number[] = [];
      let error: unknown;
      try {
        for (const stored of reader.events(0)) {
          seen.push(stored.seq);
        }
      } catch (caught) {
        error = caught;
      }
      reader.close();
      expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
      expect(error).toBeInstanceOf(JournalCorruptError);
      expect(error).toMatchObject({ path: file(), seq: 7, code: "JOURNAL_CORRUPT" });
      expect((error as Error).message).toContain(
        `journal ${file()}: the entry at seq 7 could not be decoded`,
      );
    });

    it("refuses an entry whose payload is a valid event of another type", async () => {
      await writeEvents(3);
      tamper("UPDATE journal SET payload = ? WHERE seq = 2", encodeEvent({ type: "HoldExpired", n: 2 }));
      const reader = openJournalReader<TestEvent>(file());
      expect(() => [...reader.events(0)]).toThrow(/seq 2 could not be decoded.*differs from the stored type/);
      reader.close();
    });

    it("refuses a journal with a missing seq, naming it", async () => {
      await writeEvents(5);
      tamper("DELETE FROM journal WHERE seq = 3");
      const reader = openJournalReader<TestEvent>(file());
      expect(() => [...reader.events(0)]).toThrow(/the entry at seq 3 is missing \(the next one is seq 4\)/);
      reader.close();
    });

    it("names the seq of a snapshot that cannot be decoded", async () => {
      const journal = await openJournal<TestEvent>({ path: file(), writer: "inline", streamOf });
      void journal.append([held(1)], T0);
      await journal.writeSnapshot({ ok: true });
      await journal.close();
      tamper("UPDATE snapshots SET payload = ? WHERE seq = 1", Buffer.from([0xde, 0xff]));
      const reader = openJournalReader<TestEvent>(file());
      expect(() => reader.newestSnapshot()).toThrow(/the snapshot at seq 1 could not be decoded/);
      reader.close();
    });
  });

  describe("reading", () => {
    it("filters events by seq range, stream and type", async () => {
      const journal = await openJournal<TestEvent>({ path: file(), writer: "inline", streamOf });
      for (let i = 1; i <= 12; i++) {
        const event: TestEvent =
          i % 4 === 0
            ? { type: "HoldExpired", stream: "schedule:b", n: i }
            : held(i, i % 2 === 0 ? "schedule:b" : "schedule:a");
        void journal.append([event], T0 + i);
      }
      await journal.close();
      const reader = openJournalReader<TestEvent>(file());
      const seqs = (filter: Parameters<typeof reader.events>[1], after = 0): number[] =>
        [...reader.events(after, filter)].map((stored) => stored.seq);
      expect(seqs({}, 9)).toEqual([10, 11, 12]);
      expect(seqs({ toSeq: 3 })).toEqual([1, 2, 3]);
      expect(seqs({ stream: "schedule:a" })).toEqual([1, 3, 5, 7, 9, 11]);
      expect(seqs({ type: "HoldExpired" })).toEqual([4, 8, 12]);
      expect(seqs({ stream: "schedule:b", type: "SeatsHeld", toSeq: 10 })).toEqual([2, 6, 10]);
      expect(reader.lastSeq()).toBe(12);
      reader.close();
    });

    it("reads across many pages in order, and can be used again after stopping early", async () => {
      const count = 2 * JOURNAL_READ_PAGE_EVENTS + 5;
      await writeEvents(count);
      const reader = openJournalReader<TestEvent>(file());
      for (const stored of reader.events(0)) {
        if (stored.seq === 10) {
          break;
        }
      }
      let expected = 1;
      for (const stored of reader.events(0)) {
        expect(stored.seq).toBe(expected);
        expect(stored.event.n).toBe(expected);
        expected += 1;
      }
      expect(expected - 1).toBe(count);
      reader.close();
    });

    it("reads a page whose payloads exceed one run of JOURNAL_READ_RUN_BYTES_MAX bytes", async () => {
      const note = "n".repeat(1024 * 1024);
      const count = Math.ceil((2 * JOURNAL_READ_RUN_BYTES_MAX) / note.length) + 1;
      const journal = await openJournal<TestEvent>({ path: file(), writer: "inline", streamOf });
      for (let i = 1; i <= count; i++) {
        void journal.append([{ ...held(i), note: `${i}:${note}` }], T0);
      }
      await journal.close();
      const reader = openJournalReader<TestEvent>(file());
      const read = [...reader.events(0)];
      reader.close();
      expect(read.map((stored) => stored.seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
      expect(read.every((stored) => stored.event.note === `${stored.seq}:${note}`)).toBe(true);
    });

    it("replays the events `events()` reads, across pages and around an event too large for a page's blob", async () => {
      const count = 2 * JOURNAL_REPLAY_PAGE_EVENTS + 7;
      const large = JOURNAL_REPLAY_PAGE_EVENTS + 3;
      const journal = await openJournal<TestEvent>({ path: file(), writer: "inline", streamOf });
      for (let i = 1; i <= count; i++) {
        const note = i === large ? "x".repeat(JOURNAL_REPLAY_EVENT_BYTES_MAX) : undefined;
        void journal.append([note === undefined ? held(i) : { ...held(i), note }], T0);
      }
      await journal.close();
      const reader = openJournalReader<TestEvent>(file());
      const events = [...reader.events(0)].map((stored) => stored.event);
      expect([...reader.replay(0)]).toEqual(events);
      expect([...reader.replay(5, large + 2)]).toEqual(events.slice(5, large + 2));
      expect([...reader.replay(count)]).toEqual([]);
      reader.close();
      expect(events.map((event) => event.n)).toEqual(Array.from({ length: count }, (_, i) => i + 1));
    });

    it("replays nothing past a damaged or missing entry, and names its seq", async () => {
      await writeEvents(JOURNAL_REPLAY_PAGE_EVENTS + 10);
      const replayed = (): number[] => {
        const seen: number[] = [];
        const reader = openJournalReader<TestEvent>(file());
        try {
          for (const event of reader.replay(0)) {
            seen.push(event.n);
          }
        } finally {
          reader.close();
        }
        return seen;
      };
      const damaged = JOURNAL_REPLAY_PAGE_EVENTS + 4;
      tamper("UPDATE journal SET payload = ? WHERE seq = ?", Buffer.from([0xc1, 0xff, 0x00]), damaged);
      expect(replayed).toThrow(new RegExp(`the entry at seq ${damaged} could not be decoded`));
      // A payload that decodes but is no event: the page is read again row by row, which names it.
      tamper("UPDATE journal SET payload = ? WHERE seq = ?", encodeEvent({ n: damaged }), damaged);
      expect(replayed).toThrow(
        new RegExp(`the entry at seq ${damaged} could not be decoded.*differs from the stored type`),
      );
      tamper("DELETE FROM journal WHERE seq = ?", damaged);
      expect(replayed).toThrow(new RegExp(`the entry at seq ${damaged} is missing`));
      let error: unknown;
      try {
        replayed();
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ path: file(), seq: damaged, code: "JOURNAL_CORRUPT" });
    });

    it("reads a journal while its writer is appending, without changing the file", async () => {
      const journal = await openJournal<TestEvent>({ path: file(), writer: "worker", streamOf });
      await journal.append([held(1), held(2)], T0);
      const reader = openJournalReader<TestEvent>(file());
      expect([...reader.events(0)].map((stored) => stored.seq)).toEqual([1, 2]);
      await journal.append([held(3)], T0);
      expect(reader.lastSeq()).toBe(3);
      reader.close();
      await journal.close();

      // Reading a closed journal leaves its file exactly as it was.
      const before = fs.readFileSync(file());
      const again = openJournalReader<TestEvent>(file());
      expect([...again.events(0)]).toHaveLength(3);
      again.close();
      expect(fs.readFileSync(file()).equals(before)).toBe(true);
      expect(fs.existsSync(`${file()}-wal`) && fs.statSync(`${file()}-wal`).size > 0).toBe(false);
    });
  });
});
