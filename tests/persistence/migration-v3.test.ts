import path from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import { findReservation, initialEngineState } from "../../src/engine/engine-state.ts";
import { encodeState } from "../../src/persistence/codec.ts";
import { JOURNAL_SCHEMA_VERSION } from "../../src/persistence/limits.ts";
import { recoverEngineState } from "../../src/persistence/recovery.ts";
import {
  createConcert,
  Fans,
  liveState,
  readJournal,
  startTestEngine,
  T0_MS,
  unwrap,
} from "../actors/harness.ts";
import { useTempDir } from "../support/temp-dir.ts";

const dir = useTempDir("migration-v3-");

/**
 * A state of the shape version 2 snapshotted: a schedule kept its reservations as a Map of records,
 * and the engine its reservation indexes as Maps. Decoded as today's shape, it would be garbage.
 */
function version2State(): unknown {
  const today = initialEngineState();
  return {
    catalog: today.catalog,
    schedules: new Map([
      [
        "schedule-of-version-2",
        { scheduleId: "schedule-of-version-2", reservations: new Map(), seatsByUser: new Map() },
      ],
    ]),
    wallets: today.wallets,
    idempotency: today.idempotency,
    reservationSchedules: new Map(),
    userReservations: new Map(),
    waitingRooms: today.waitingRooms,
    waitingRoomOverrides: today.waitingRoomOverrides,
  };
}

function fileRows(file: string): { version: unknown; snapshots: number } {
  const db = new Database(file, { readonly: true });
  try {
    return {
      version: db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").pluck().get(),
      snapshots: db.prepare("SELECT count(*) FROM snapshots").pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

describe("a journal of schema version 2", () => {
  it("never has its old snapshot decoded: read as it is, then migrated by dropping it, events untouched", async () => {
    const file = path.join(dir(), "journal.db");
    const clock = new SimulatedClock(T0_MS);
    const engine = await startTestEngine(file, clock);
    const concert = await createConcert(engine, [8]);
    const held = unwrap(
      await new Fans(engine, concert.concertId).hold("ana", concert.scheduleIds[0] ?? "", [1, 2]),
    );
    const live = liveState(engine);
    await engine.stop();
    const events = readJournal(file);

    // The file as a build of version 2 left it: its snapshot holds a state of that version's shape.
    const db = new Database(file);
    db.prepare("UPDATE meta SET value = 2 WHERE key = 'schema_version'").run();
    db.prepare("INSERT INTO snapshots (seq, created_at, payload) VALUES (?, ?, ?)").run(
      events.length,
      T0_MS,
      Buffer.from(encodeState(version2State())),
    );
    db.close();

    // Read without migrating: the old snapshot is ignored and every event replayed.
    const read = recoverEngineState(file, { resumeAtMs: clock.nowMs() });
    expect(read.snapshotSeq).toBe(0);
    expect(read.eventsReplayed).toBe(events.length);
    expect(findReservation(read.state, held.reservationId)).toStrictEqual(held);

    // A writer migrates it: the version is the current one, the old snapshot is gone, the events stay.
    const reopened = await startTestEngine(file, clock);
    expect(findReservation(liveState(reopened), held.reservationId)).toStrictEqual(held);
    await reopened.stop();
    expect(fileRows(file)).toStrictEqual({ version: JOURNAL_SCHEMA_VERSION, snapshots: 0 });
    expect(readJournal(file)).toStrictEqual(events);
    expect(liveState(reopened).reservations).toStrictEqual(live.reservations);
  });
});
