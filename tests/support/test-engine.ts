import type { Clock } from "../../src/actors/clock.ts";
import { newId } from "../../src/actors/ids.ts";
import type { EngineOptions } from "../../src/actors/start-engine.ts";
import type { JournalWriter } from "../../src/persistence/journal.ts";

/**
 * Engines as the tests start them: one set of options every suite starts from, changing what its
 * test is about. Kept free of the HTTP layer, so a child process can start an engine quickly.
 */

/** Every journal writer: suites about durability run once per writer. */
export const WRITERS: readonly JournalWriter[] = ["inline", "worker"];

/** Waiting-room settings roomy enough that admission never stands in a test's way. */
export const TEST_WAITING_ROOM: EngineOptions["waitingRoom"] = Object.freeze({
  maxActive: 1_000,
  admitBatch: 100,
  admitIntervalMs: 1_000,
  activeTtlMs: 600_000,
  waitIdleTtlMs: 300_000,
});

/** Engine options for tests: the server's ids, the inline writer, 5-minute holds, no snapshot unless asked. */
export function testEngineOptions(
  databasePath: string,
  clock: Clock,
  overrides: Partial<EngineOptions> = {},
): EngineOptions {
  return {
    databasePath,
    clock,
    newId,
    holdTtlMs: 300_000,
    mailboxDepthMax: 10_000,
    snapshotEveryEvents: 1_000_000,
    waitingRoom: TEST_WAITING_ROOM,
    journalWriter: "inline",
    ...overrides,
  };
}
