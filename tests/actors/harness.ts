import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { nanoid } from "nanoid";
import { afterEach, beforeEach, expect } from "vitest";
import type { Clock } from "../../src/actors/clock.ts";
import { startEngine, type Engine, type EngineOptions } from "../../src/actors/engine.ts";
import type { EngineRuntime } from "../../src/actors/runtime.ts";
import type { Result } from "../../src/engine/decider.ts";
import type { EngineEvent, EngineState } from "../../src/engine/engine-state.ts";
import { SEAT_AVAILABLE, SEAT_BOOKED, SEAT_HELD } from "../../src/engine/schedule.ts";
import { openJournalReader, type JournalWriter, type StoredEvent } from "../../src/persistence/journal.ts";

/**
 * What the actor and recovery tests share: engines on real journal files in temporary directories,
 * a fixed start time for simulated clocks, and the invariants every recovered state must keep.
 */

/** Where simulated clocks start: a fixed instant, so every run journals the same times. */
export const T0_MS = Date.UTC(2030, 0, 1);
export const HOLD_TTL_MS = 60_000;
export const SEAT_PRICE_WON = 10_000;
export const WRITERS: readonly JournalWriter[] = ["inline", "worker"];

/** A fresh temporary directory per test, removed after it. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-test-"));
  });
  afterEach(() => {
    if (dir !== undefined) {
      fs.rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    }
  });
  return () => {
    if (dir === undefined) {
      throw new Error("useTempDir() is only available inside a test");
    }
    return dir;
  };
}

/** Engine options for tests: a small hold TTL, no automatic snapshots unless asked, nanoid ids. */
export function engineOptions(
  databasePath: string,
  clock: Clock,
  overrides: Partial<EngineOptions> = {},
): EngineOptions {
  return {
    databasePath,
    clock,
    newId: () => nanoid(),
    holdTtlMs: HOLD_TTL_MS,
    mailboxDepthMax: 10_000,
    snapshotEveryEvents: 1_000_000,
    waitingRoom: {
      maxActive: 1_000,
      admitBatch: 100,
      admitIntervalMs: 1_000,
      activeTtlMs: 600_000,
      waitIdleTtlMs: 300_000,
    },
    journalWriter: "inline",
    ...overrides,
  };
}

export function startTestEngine(
  databasePath: string,
  clock: Clock,
  overrides: Partial<EngineOptions> = {},
): Promise<Engine> {
  return startEngine(engineOptions(databasePath, clock, overrides));
}

/** The value of a result the test expects to succeed; a rejection fails with its code. */
export function unwrap<T>(result: Result<T>): T {
  if (!result.ok) {
    throw new Error(`expected success, got ${result.rejection.code}: ${result.rejection.message}`);
  }
  return result.value;
}

/** The rejection code of a result, or "OK". */
export function codeOf(result: Result<unknown>): string {
  return result.ok ? "OK" : result.rejection.code;
}

export interface TestConcert {
  readonly concertId: string;
  readonly scheduleIds: readonly string[];
}

/** Creates a concert with one schedule per entry of `seatCounts`, every seat at SEAT_PRICE_WON. */
export async function createConcert(
  engine: Engine,
  seatCounts: readonly number[],
  price = SEAT_PRICE_WON,
): Promise<TestConcert> {
  const concert = unwrap(
    await engine.createConcert({
      title: "Test Concert",
      onSaleAtMs: null,
      schedules: seatCounts.map((seatCount, i) => ({
        startsAtMs: T0_MS + (30 + i) * 24 * 60 * 60 * 1000,
        seatCount,
        price,
      })),
    }),
  );
  return { concertId: concert.concertId, scheduleIds: concert.schedules.map((s) => s.scheduleId) };
}

/**
 * The engine's live state. Tests read it through the private runtime (TypeScript allows element
 * access to private members), so nothing in src exists only for them.
 */
export function runtimeOf(engine: Engine): EngineRuntime {
  return engine["runtime"];
}

export function liveState(engine: Engine): EngineState {
  return runtimeOf(engine).state;
}

/**
 * Waits until every message already in any mailbox has run and is durable, by sending each mailbox a
 * message that does nothing. A timer fired by a simulated clock only posts its message; stopping the
 * engine in the same breath would close the journal before that message runs.
 */
export async function quiesce(engine: Engine): Promise<void> {
  await Promise.all(
    engine.mailboxes().map((mailbox) => mailbox.post(() => ({ ok: true, events: [], value: undefined }))),
  );
}

/** Every event in a journal file, in seq order. */
export function readJournal(databasePath: string): StoredEvent<EngineEvent>[] {
  const reader = openJournalReader<EngineEvent>(databasePath);
  try {
    return [...reader.events(0)];
  } finally {
    reader.close();
  }
}

/** The seat statuses of a schedule, as the seat map reports them. */
export async function seatStatuses(engine: Engine, scheduleId: string): Promise<string[]> {
  return unwrap(await engine.booking.seatMap(scheduleId)).seats.map((seat) => seat.status);
}

/**
 * Checks the invariants every state must keep, live or recovered: seat conservation per schedule,
 * the seat bytes agree with the live reservations (no seat held or booked twice), every balance is
 * the sum of its ledger and never negative, and the money taken equals the price of the seats booked.
 */
export function expectInvariants(state: EngineState): void {
  let paidWon = 0;
  let bookedWon = 0;
  for (const schedule of state.schedules.values()) {
    const counts = [0, 0, 0];
    for (const seat of schedule.seats) {
      counts[seat] = (counts[seat] ?? 0) + 1;
    }
    expect(counts[SEAT_AVAILABLE]).toBe(schedule.availableCount);
    expect(counts[SEAT_HELD]).toBe(schedule.heldCount);
    expect(counts[SEAT_BOOKED]).toBe(schedule.bookedCount);
    expect(schedule.availableCount + schedule.heldCount + schedule.bookedCount).toBe(schedule.seatCount);

    // Each HELD or BOOKED seat belongs to exactly one reservation in the matching status.
    const owner = new Map<number, string>();
    for (const reservation of schedule.reservations.values()) {
      if (reservation.status !== "HELD" && reservation.status !== "CONFIRMED") {
        continue;
      }
      for (const seatNumber of reservation.seatNumbers) {
        expect(owner.get(seatNumber), `seat ${seatNumber} of ${schedule.scheduleId} taken twice`).toBe(
          undefined,
        );
        owner.set(seatNumber, reservation.reservationId);
        expect(schedule.seats[seatNumber - 1]).toBe(reservation.status === "HELD" ? SEAT_HELD : SEAT_BOOKED);
      }
      if (reservation.status === "CONFIRMED") {
        bookedWon += reservation.amount;
        expect(reservation.amount).toBe(reservation.seatNumbers.length * schedule.price);
      }
    }
    expect(owner.size).toBe(schedule.heldCount + schedule.bookedCount);
  }
  for (const wallet of state.wallets.values()) {
    let balance = 0;
    for (const transaction of wallet.transactions) {
      balance += transaction.type === "CHARGE" ? transaction.amount : -transaction.amount;
      expect(transaction.balanceAfter).toBe(balance);
      expect(balance).toBeGreaterThanOrEqual(0);
      if (transaction.type === "PAYMENT") {
        paidWon += transaction.amount;
      }
    }
    expect(wallet.balance).toBe(balance);
  }
  expect(paidWon).toBe(bookedWon);
}
