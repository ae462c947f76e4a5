import type { Clock } from "../../src/actors/clock.ts";
import type { Engine } from "../../src/actors/engine.ts";
import { startEngine, type EngineOptions } from "../../src/actors/start-engine.ts";
import type { ActorRuntime } from "../../src/actors/runtime.ts";
import type { Result } from "../../src/engine/decider.ts";
import type { EngineEvent, EngineState } from "../../src/engine/engine-state.ts";
import type { PaymentReceipt } from "../../src/engine/receipts.ts";
import type { Reservation } from "../../src/engine/schedule.ts";
import { liveTokenOfUser } from "../../src/engine/waiting-room/index.ts";
import { openJournalReader, type StoredEvent } from "../../src/persistence/journal.ts";
import { testEngineOptions } from "../support/test-engine.ts";

/**
 * What the actor and recovery tests share: engines on real journal files, a fixed start time for
 * simulated clocks, and reads of their state and journal.
 */

/** Where simulated clocks start: a fixed instant, so every run journals the same times. */
export const T0_MS = Date.UTC(2030, 0, 1);
export const HOLD_TTL_MS = 60_000;
export const SEAT_PRICE_WON = 10_000;

/** Engines on a journal file, with a simulated clock and this suite's hold TTL. */
export function startTestEngine(
  databasePath: string,
  clock: Clock,
  overrides: Partial<EngineOptions> = {},
): Promise<Engine> {
  return startEngine(testEngineOptions(databasePath, clock, { holdTtlMs: HOLD_TTL_MS, ...overrides }));
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
export function runtimeOf(engine: Engine): ActorRuntime {
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
  return unwrap(await engine.seatMap(scheduleId)).seats.map((seat) => seat.status);
}

/**
 * Requests as fans of one concert make them: each with the user's live queue token, issued on first
 * use (and again after a payment spent it). A user who already has a live token posts synchronously,
 * so concurrent requests reach their actors in the order the test made them.
 */
export class Fans {
  constructor(
    private readonly engine: Engine,
    readonly concertId: string,
  ) {}

  /** Issues a token to each user now, so that their later requests keep their order. */
  async admit(userIds: readonly string[]): Promise<void> {
    for (const userId of userIds) {
      await this.issue(userId);
    }
  }

  hold(
    userId: string,
    scheduleId: string,
    seatNumbers: readonly number[],
    idempotencyKey?: string,
  ): Promise<Result<Reservation>> {
    return this.withToken(userId, (token) =>
      this.engine.holdSeats(token, scheduleId, seatNumbers, idempotencyKey),
    );
  }

  pay(userId: string, reservationId: string, idempotencyKey?: string): Promise<Result<PaymentReceipt>> {
    return this.withToken(userId, (token) => this.engine.pay(token, reservationId, idempotencyKey));
  }

  cancel(userId: string, reservationId: string): Promise<Result<Reservation>> {
    return this.withToken(userId, (token) => this.engine.cancelReservation(token, reservationId));
  }

  private withToken<R>(userId: string, request: (token: string) => Promise<R>): Promise<R> {
    const room = liveState(this.engine).waitingRooms.get(this.concertId);
    const live =
      room === undefined ? undefined : liveTokenOfUser(room, userId, runtimeOf(this.engine).clock.nowMs());
    return live === undefined ? this.issue(userId).then(request) : request(live);
  }

  private async issue(userId: string): Promise<string> {
    return unwrap(await this.engine.issueToken(userId, this.concertId)).token.token;
  }
}
