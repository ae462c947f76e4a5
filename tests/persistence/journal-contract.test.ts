import path from "node:path";
import { describe, expect, it } from "vitest";
import type { Journal, OpenJournalOptions } from "../../src/persistence/journal.ts";
import {
  JournalLockedError,
  JournalUnavailableError,
  openJournal,
  openJournalReader,
} from "../../src/persistence/journal.ts";
import { openSnapshotConnection } from "../../src/persistence/database.ts";
import { encodeState } from "../../src/persistence/codec.ts";
import { JOURNAL_BATCH_EVENTS_MAX, SNAPSHOTS_KEPT } from "../../src/persistence/limits.ts";
import type { OpenSnapshotMaker, SnapshotMaker } from "../../src/persistence/snapshot-thread.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";
import { held, nextTurn, streamOf, type TestEvent } from "./helpers.ts";

const T0 = 1_700_000_000_000;

function readAll(
  file: string,
): { seq: number; stream: string; type: string; recordedAtMs: number; event: TestEvent }[] {
  const reader = openJournalReader<TestEvent>(file);
  try {
    return [...reader.events(0)];
  } finally {
    reader.close();
  }
}

describe.each(WRITERS)("the journal with the %s writer", (writer) => {
  const dir = useTempDir("persistence-test-");
  const file = (): string => path.join(dir(), "journal.db");
  const open = (extra: Partial<OpenJournalOptions<TestEvent>> = {}): Promise<Journal<TestEvent>> =>
    openJournal<TestEvent>({ path: file(), writer, streamOf, ...extra });

  describe("appending", () => {
    it("assigns consecutive seqs when append is called, starting at 1 in a new file", async () => {
      const journal = await open();
      expect(journal.lastAppendedSeq).toBe(0);
      const first = journal.append([held(1)], T0);
      expect(journal.lastAppendedSeq).toBe(1);
      const second = journal.append([held(2), held(3)], T0);
      expect(journal.lastAppendedSeq).toBe(3);
      expect(journal.lastDurableSeq).toBe(0);
      expect(await first).toBe(1);
      expect(await second).toBe(3);
      expect(journal.lastDurableSeq).toBe(3);
      await journal.close();
    });

    it("resolves appends in the order they were made", async () => {
      const journal = await open();
      const resolved: number[] = [];
      const appends: Promise<void>[] = [];
      for (let i = 0; i < 50; i++) {
        appends.push(journal.append([held(i)], T0).then((seq) => void resolved.push(seq)));
        if (i % 10 === 0) {
          await nextTurn();
        }
      }
      await Promise.all(appends);
      expect(resolved).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      await journal.close();
    });

    it("continues after the last seq in the file when reopened", async () => {
      const first = await open();
      await first.append([held(1), held(2)], T0);
      await first.close();
      const second = await open();
      expect(second.lastAppendedSeq).toBe(2);
      expect(second.lastDurableSeq).toBe(2);
      expect(await second.append([held(3)], T0)).toBe(3);
      await second.close();
      expect(readAll(file()).map((stored) => stored.seq)).toEqual([1, 2, 3]);
    });

    it("refuses a malformed entry synchronously and appends nothing", async () => {
      const journal = await open();
      const bad: unknown[] = [
        { type: "" },
        { type: 5 },
        { type: "X", at: new Date(0) },
        { type: "X", seats: new Map([[1, 2]]) },
        { type: "X", big: 1n },
        JSON.parse('{"type":"X","__proto__":{"polluted":true}}'),
      ];
      for (const event of bad) {
        expect(() => journal.append([held(1), event as TestEvent], T0)).toThrow(TypeError);
      }
      expect(() => journal.append([], T0)).toThrow(RangeError);
      expect(() => journal.append([held(1)], -1)).toThrow(RangeError);
      expect(() => journal.append([held(1)], 1.5)).toThrow(RangeError);
      expect(() => journal.append([{ ...held(1), stream: "" }], T0)).toThrow(TypeError);
      expect(journal.lastAppendedSeq).toBe(0);
      expect(await journal.append([held(1)], T0)).toBe(1);
      await journal.close();
      expect(readAll(file())).toHaveLength(1);
    });
  });

  describe("group commit", () => {
    it("commits every entry appended in one turn of the event loop in one transaction", async () => {
      const journal = await open();
      const appends = Array.from({ length: 500 }, (_, i) => journal.append([held(i), held(i)], T0));
      await Promise.all(appends);
      expect(journal.stats).toEqual({ commits: 1, entries: 500, events: 1000, snapshots: 0 });
      await journal.close();
    });

    it("caps a transaction at JOURNAL_BATCH_EVENTS_MAX events and never splits an entry", async () => {
      const journal = await open();
      const entryEvents = 1000;
      const entries = Math.floor(JOURNAL_BATCH_EVENTS_MAX / entryEvents) + 1;
      const appends = Array.from({ length: entries }, (_, e) =>
        journal.append(
          Array.from({ length: entryEvents }, (_, i) => held(e * entryEvents + i)),
          T0,
        ),
      );
      await Promise.all(appends);
      expect(journal.stats.commits).toBe(2);
      expect(journal.stats.events).toBe(entries * entryEvents);
      await journal.close();
    });

    it("batches many concurrent appenders instead of committing once per append", async () => {
      const journal = await open();
      const appenders = 200;
      const appendsEach = 20;
      await Promise.all(
        Array.from({ length: appenders }, async (_, a) => {
          for (let i = 0; i < appendsEach; i++) {
            await journal.append([held(a * appendsEach + i)], T0);
          }
        }),
      );
      expect(journal.stats.entries).toBe(appenders * appendsEach);
      expect(journal.stats.commits).toBeLessThanOrEqual((appenders * appendsEach) / 10);
      await journal.close();
    });
  });

  describe("durability", () => {
    it("reads back every event with its seq, stream, type and time after closing and reopening", async () => {
      const journal = await open();
      const events: TestEvent[] = [
        held(1, "schedule:a"),
        { type: "HoldExpired", stream: "schedule:b", n: 2, note: "ünïcødé 🎫" },
        held(3, "wallet:u1"),
      ];
      await journal.append(events.slice(0, 2), T0);
      await journal.append(events.slice(2), T0 + 5);
      await journal.close();
      expect(readAll(file())).toEqual([
        { seq: 1, stream: "schedule:a", type: "SeatsHeld", recordedAtMs: T0, event: events[0] },
        { seq: 2, stream: "schedule:b", type: "HoldExpired", recordedAtMs: T0, event: events[1] },
        { seq: 3, stream: "wallet:u1", type: "SeatsHeld", recordedAtMs: T0 + 5, event: events[2] },
      ]);
    });

    it("commits what is pending when closed", async () => {
      const journal = await open();
      const pending = Array.from({ length: 10 }, (_, i) => journal.append([held(i)], T0));
      await journal.close();
      expect(await Promise.all(pending)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
      expect(readAll(file())).toHaveLength(10);
    });

    it("whenDurable resolves once everything appended so far is durable", async () => {
      const journal = await open();
      await journal.whenDurable();
      void journal.append([held(1)], T0);
      await nextTurn();
      void journal.append([held(2)], T0);
      await journal.whenDurable();
      expect(journal.lastDurableSeq).toBe(2);
      await journal.close();
    });

    it("refuses writes after it is closed", async () => {
      const journal = await open();
      await journal.close();
      await expect(journal.append([held(1)], T0)).rejects.toThrow(JournalUnavailableError);
      await expect(journal.whenDurable()).rejects.toThrow(JournalUnavailableError);
      await expect(journal.writeSnapshot({})).rejects.toThrow(JournalUnavailableError);
    });
  });

  describe("snapshots", () => {
    it("covers the seqs appended before it, encoded at the call, and reads back exactly", async () => {
      const journal = await open();
      void journal.append([held(1), held(2)], T0);
      const state = {
        seats: new Map([[1, { status: "HELD" }]]),
        sold: new Uint8Array([1, 0, 1]),
        version: 2,
      };
      const snapshot = journal.writeSnapshot(state);
      state.version = 3;
      void journal.append([held(3)], T0);
      expect(await snapshot).toBe(2);
      await journal.close();
      const reader = openJournalReader<TestEvent>(file());
      expect(reader.newestSnapshot()).toEqual({
        seq: 2,
        state: { seats: new Map([[1, { status: "HELD" }]]), sold: new Uint8Array([1, 0, 1]), version: 2 },
      });
      expect([...reader.events(2)].map((stored) => stored.seq)).toEqual([3]);
      reader.close();
    });

    it("keeps only the newest SNAPSHOTS_KEPT snapshots", async () => {
      const journal = await open();
      for (let i = 1; i <= SNAPSHOTS_KEPT + 2; i++) {
        void journal.append([held(i)], T0);
        await journal.writeSnapshot({ i });
      }
      expect(journal.stats.snapshots).toBe(SNAPSHOTS_KEPT + 2);
      await journal.close();
      const reader = openJournalReader<TestEvent>(file());
      const kept = reader.snapshots().map((info) => info.seq);
      expect(kept).toEqual([SNAPSHOTS_KEPT + 2, SNAPSHOTS_KEPT + 1].slice(0, SNAPSHOTS_KEPT));
      expect(reader.newestSnapshot()).toEqual({ seq: SNAPSHOTS_KEPT + 2, state: { i: SNAPSHOTS_KEPT + 2 } });
      reader.close();
    });

    it("writes a snapshot of an empty journal at seq 0", async () => {
      const journal = await open();
      expect(await journal.writeSnapshot({ empty: true })).toBe(0);
      await journal.close();
      const reader = openJournalReader<TestEvent>(file());
      expect(reader.newestSnapshot()).toEqual({ seq: 0, state: { empty: true } });
      reader.close();
    });
  });

  describe("snapshots taken off the event loop (takeSnapshot)", () => {
    /**
     * A snapshot maker on the main thread that writes `{ seq }` as the state and records, in order, what
     * it was asked and what the journal did meanwhile. `write` takes a few turns of the event loop, as
     * the snapshot thread's does, so appends can arrive while it runs.
     */
    function recordingMaker(opened: { journal?: Journal<TestEvent> }, log: string[]) {
      let makers = 0;
      const failures = { prepare: false, die: false };
      const openMaker: OpenSnapshotMaker = (path) => {
        makers += 1;
        const connection = openSnapshotConnection(path);
        let prepared: number | undefined;
        const maker: SnapshotMaker & { usable: boolean } = {
          usable: true,
          prepare(seq) {
            log.push(`prepare ${seq}, durable through ${opened.journal?.lastDurableSeq}`);
            if (failures.prepare || failures.die) {
              maker.usable = !failures.die;
              return Promise.reject(new Error("the snapshot could not be prepared"));
            }
            prepared = seq;
            return Promise.resolve(8);
          },
          async write() {
            log.push("write starts");
            await nextTurn();
            await nextTurn();
            const seq = prepared ?? -1;
            connection.write({ seq, createdAtMs: T0, payload: Buffer.from(encodeState({ seq })) });
            log.push("write ends");
          },
          close() {
            connection.close();
            log.push("closed");
            return Promise.resolve();
          },
        };
        return Promise.resolve(maker);
      };
      return { openMaker, failures, makers: () => makers };
    }

    it("covers the seq appended before the call, prepared once durable, and commits nothing while it writes", async () => {
      const log: string[] = [];
      const opened: { journal?: Journal<TestEvent> } = {};
      const { openMaker } = recordingMaker(opened, log);
      const journal = await open({ openSnapshotMaker: openMaker });
      opened.journal = journal;
      void journal.append([held(1), held(2)], T0).then(() => log.push("seq 2 durable"));
      const snapshot = journal.takeSnapshot();
      void journal.append([held(3)], T0).then(() => log.push("seq 3 durable"));
      // Appended while the snapshot is being written: it waits for the snapshot's write to end.
      const during = new Promise<void>((resolve) => {
        const appendWhenWriting = (): void => {
          if (log.includes("write starts")) {
            void journal.append([held(4)], T0).then(() => void log.push("seq 4 durable"));
            resolve();
          } else {
            setImmediate(appendWhenWriting);
          }
        };
        appendWhenWriting();
      });
      expect(await snapshot).toBe(2);
      await during;
      await journal.whenDurable();
      expect(journal.stats.snapshots).toBe(1);
      await journal.close();
      expect(log.indexOf("prepare 2, durable through 3")).toBeGreaterThanOrEqual(0);
      expect(log.indexOf("write ends")).toBeLessThan(log.indexOf("seq 4 durable"));
      expect(log.at(-1)).toBe("closed");
      const reader = openJournalReader<TestEvent>(file());
      expect(reader.newestSnapshot()).toEqual({ seq: 2, state: { seq: 2 } });
      expect([...reader.events(2)].map((stored) => stored.seq)).toEqual([3, 4]);
      reader.close();
    });

    it("rejects when the snapshot fails, changing nothing, and replaces a maker that died", async () => {
      const log: string[] = [];
      const opened: { journal?: Journal<TestEvent> } = {};
      const maker = recordingMaker(opened, log);
      const journal = await open({ openSnapshotMaker: maker.openMaker });
      opened.journal = journal;
      await journal.append([held(1)], T0);
      maker.failures.prepare = true;
      await expect(journal.takeSnapshot()).rejects.toThrow(/could not be prepared/);
      maker.failures.prepare = false;
      maker.failures.die = true;
      await expect(journal.takeSnapshot()).rejects.toThrow(/could not be prepared/);
      maker.failures.die = false;
      expect(await journal.append([held(2)], T0)).toBe(2);
      expect(await journal.takeSnapshot()).toBe(2);
      expect(maker.makers()).toBe(2);
      expect(journal.stats.snapshots).toBe(1);
      await journal.close();
      const reader = openJournalReader<TestEvent>(file());
      expect(reader.snapshots().map((info) => info.seq)).toEqual([2]);
      reader.close();
    });

    it("finishes a snapshot under way before it closes, and refuses one after", async () => {
      const log: string[] = [];
      const opened: { journal?: Journal<TestEvent> } = {};
      const { openMaker } = recordingMaker(opened, log);
      const journal = await open({ openSnapshotMaker: openMaker });
      opened.journal = journal;
      void journal.append([held(1)], T0);
      const snapshot = journal.takeSnapshot();
      await journal.close();
      expect(await snapshot).toBe(1);
      expect(log.slice(-2)).toEqual(["write ends", "closed"]);
      await expect(journal.takeSnapshot()).rejects.toThrow(JournalUnavailableError);
    });
  });

  describe("when a commit fails", () => {
    it("rejects every pending write, records the failure and refuses all later writes at once", async () => {
      const journal = await open({ faultInjection: { failCommitAt: 2 } });
      expect(await journal.append([held(1)], T0)).toBe(1);
      const pending = [journal.append([held(2), held(3)], T0), journal.append([held(4)], T0)];
      const snapshot = journal.writeSnapshot({ at: 4 });
      for (const write of [...pending, snapshot]) {
        await expect(write).rejects.toThrow(JournalUnavailableError);
      }
      expect(journal.failure).toBeInstanceOf(JournalUnavailableError);
      expect(journal.failure?.message).toMatch(/injected failure/);
      expect(journal.lastDurableSeq).toBe(1);
      await expect(journal.append([held(5)], T0)).rejects.toBe(journal.failure);
      await expect(journal.whenDurable()).rejects.toBe(journal.failure);
      await expect(journal.writeSnapshot({})).rejects.toBe(journal.failure);
      await journal.close();
      // The failed transaction rolled back as a whole: nothing of it is in the file.
      expect(readAll(file()).map((stored) => stored.seq)).toEqual([1]);
    });

    it("also rejects the batches queued behind the failed one", async () => {
      const journal = await open({ faultInjection: { failCommitAt: 1 } });
      const appends = Array.from({ length: JOURNAL_BATCH_EVENTS_MAX + 1 }, (_, i) =>
        journal.append([held(i)], T0),
      );
      const outcomes = await Promise.allSettled(appends);
      expect(outcomes.every((outcome) => outcome.status === "rejected")).toBe(true);
      await journal.close();
      expect(readAll(file())).toEqual([]);
    });

    it("fails with SQLite's own error when the file cannot grow, keeping what was acknowledged", async () => {
      // max_page_count makes SQLite itself answer SQLITE_FULL, as a full disk would.
      const journal = await open({ faultInjection: { pageCountMax: 40 } });
      const acknowledged: number[] = [];
      let failure: unknown;
      for (let i = 0; i < 1000 && failure === undefined; i++) {
        await journal.append([{ ...held(i), note: "x".repeat(2000) }], T0).then(
          (seq) => void acknowledged.push(seq),
          (error: unknown) => void (failure = error),
        );
      }
      expect(failure).toBeInstanceOf(JournalUnavailableError);
      expect((failure as Error).message).toMatch(/SQLITE_FULL|full/);
      await journal.close();
      expect(acknowledged.length).toBeGreaterThan(0);
      const stored = new Set(readAll(file()).map((event) => event.seq));
      expect(acknowledged.filter((seq) => !stored.has(seq))).toEqual([]);
    });

    it("refuses a second writer on the same file instead of letting two writers interleave", async () => {
      const first = await open();
      await first.append([held(1)], T0);
      await expect(open()).rejects.toThrow(JournalLockedError);
      expect(await first.append([held(2)], T0)).toBe(2);
      await first.close();
      expect(readAll(file()).map((stored) => stored.event.n)).toEqual([1, 2]);
    });
  });
});
