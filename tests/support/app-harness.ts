import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, expect } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import type { Engine } from "../../src/actors/engine.ts";
import { startEngine, type EngineOptions } from "../../src/actors/start-engine.ts";
import { createApp, type App } from "../../src/http/app.ts";
import { registerEngineMetrics } from "../../src/http/engine-metrics.ts";
import { HttpMetrics } from "../../src/http/metrics.ts";
import { readResult, requestInit, type HttpResult, type RequestOptions } from "../../support/http.ts";
import { startClusterHarness } from "./cluster-harness.ts";
import { expectConforms } from "./contract-conformance.ts";
import { anyString, containingFields } from "./matchers.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { testEngineOptions, TEST_WAITING_ROOM } from "./test-engine.ts";
import { recordingLogger, type LogEntry } from "./test-logger.ts";

export type { HttpResult, RequestOptions } from "../../support/http.ts";

/**
 * The HTTP API as the contract suites drive it, on one of two targets: in process (the default), a
 * real engine on a temporary SQLite journal answered through `app.request()` without a socket; or,
 * with HARNESS_TARGET=cluster, a real 3-shard cluster behind HAProxy over loopback
 * (cluster-harness.ts). Both run on a simulated clock. Each test builds its own and closes it.
 */

/** An arbitrary fixed start of the simulated clock: 2026-01-01T00:00:00Z. */
export const T0_MS = 1_767_225_600_000;
export const ADMIN_TOKEN = "admin-secret-for-tests";

/** Where useHarness() runs the suites: HARNESS_TARGET=cluster, or one engine in process. */
export const HARNESS_TARGET: "node" | "cluster" =
  process.env.HARNESS_TARGET === "cluster" ? "cluster" : "node";

export interface HarnessOptions {
  readonly holdTtlMs?: number;
  readonly mailboxDepthMax?: number;
  readonly maxActive?: number;
  readonly admitBatch?: number;
  readonly admitIntervalMs?: number;
  readonly activeTtlMs?: number;
  readonly waitIdleTtlMs?: number;
  /** Null runs the app without an admin token (the admin API answers 403 ADMIN_DISABLED). */
  readonly adminToken?: string | null;
  readonly journalWriter?: EngineOptions["journalWriter"];
}

/** The options with every default filled in. */
export type HarnessSettings = Required<Omit<HarnessOptions, "adminToken">> & {
  readonly adminToken: string | undefined;
};

/** The error body every non-2xx answer carries. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string } & Record<string, unknown>;
}

/** What the contract suites see of the API, whichever target answers it. */
export interface Harness {
  /** The simulated clock's time, which every shard shares. */
  readonly clock: { nowMs(): number };
  readonly options: Required<Omit<HarnessOptions, "adminToken" | "journalWriter">>;
  /** Errors the server logged, and 5xx answers other than OVERLOADED: both must stay empty. */
  readonly errors: unknown[];
  /** A request, its answer checked against the contract. */
  request(method: string, url: string, options?: RequestOptions): Promise<HttpResult>;
  /** A request exactly as given (a streamed body, no content type), its answer unchecked. */
  fetch(url: string, init: RequestInit): Promise<Response>;
  /** The last journal seq (summed over the shards): what a refused request must not move. */
  journalSeq(): Promise<number>;
  /** Moves the simulated clock, fires what fell due, and lets the actors answer. */
  advance(ms: number): Promise<void>;
  /** Moves the clock by one admission interval, so the waiting room admits once. */
  admissionTick(): Promise<void>;
  /** Lets every posted message run and its journal batch commit. */
  settle(): Promise<void>;
  /** Stops the server(s), flushing the journals, and starts them again on the same files. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The in-process harness, with its app and engine in reach. */
export interface InProcessHarness extends Harness {
  readonly app: App;
  readonly engine: Engine;
  readonly clock: SimulatedClock;
}

export interface EngineApp {
  readonly engine: Engine;
  readonly app: App;
  /** Every line the app logged, parsed. */
  readonly logs: LogEntry[];
}

export interface AppOptions {
  /** Undefined runs the app without an admin token (the admin API answers 403 ADMIN_DISABLED). */
  readonly adminToken: string | undefined;
  /**
   * Told of every line the app logs at error level (an unexpected error, with its stack); a client
   * mistake must never land here.
   */
  readonly logError: (entry: LogEntry) => void;
  /** True while the server drains (GET /health/ready answers 503). */
  readonly isDraining?: () => boolean;
}

/** Starts an engine and builds its HTTP app, with metrics, for `app.request()`. */
export async function startEngineApp(
  options: EngineOptions,
  { adminToken, logError, isDraining }: AppOptions,
): Promise<EngineApp> {
  const metrics = new HttpMetrics();
  const engine = await startEngine({ onJournalCommit: metrics.observeJournalCommit, ...options });
  registerEngineMetrics(metrics, engine);
  const { logger, entries } = recordingLogger(logError);
  const app = createApp({ engine, metrics, adminToken, startedAtMs: Date.now(), logger, isDraining });
  return { engine, app, logs: entries };
}

const DEFAULTS = {
  holdTtlMs: 300_000,
  mailboxDepthMax: 10_000,
  journalWriter: "inline",
  ...TEST_WAITING_ROOM,
} as const;

function settingsOf(given: HarnessOptions): HarnessSettings {
  const { adminToken = ADMIN_TOKEN, ...rest } = given;
  return { ...DEFAULTS, ...rest, adminToken: adminToken ?? undefined };
}

/**
 * Checks an answer the way both targets do: it must be one the OpenAPI document promises, and a
 * 5xx other than OVERLOADED is recorded as an error.
 */
export function checkAnswer(method: string, url: string, result: HttpResult, errors: unknown[]): HttpResult {
  expectConforms({ method, url, result });
  if (result.status >= 500 && !result.text.includes('"OVERLOADED"')) {
    errors.push(new Error(`${method} ${url} answered ${result.status}: ${result.text}`));
  }
  return result;
}

/** The in-process target: one engine and its app, on a simulated clock. */
export async function startHarness(given: HarnessOptions = {}): Promise<InProcessHarness> {
  const { adminToken, journalWriter, holdTtlMs, mailboxDepthMax, ...waitingRoom } = settingsOf(given);
  const dir = tempDir("http-contract-");
  const clock = new SimulatedClock(T0_MS);
  const errors: unknown[] = [];

  const boot = (): Promise<EngineApp> =>
    startEngineApp(
      testEngineOptions(path.join(dir, "journal.db"), clock, {
        holdTtlMs,
        mailboxDepthMax,
        snapshotEveryEvents: 100_000,
        journalWriter,
        waitingRoom,
      }),
      { adminToken, logError: (error) => errors.push(error) },
    );

  let running = await boot();
  // whenIdle yields a turn before it looks, so what the caller just posted has been taken in.
  const settle = (): Promise<void> => running.engine.whenIdle();

  let closed = false;
  return {
    get app() {
      return running.app;
    },
    get engine() {
      return running.engine;
    },
    clock,
    options: { holdTtlMs, mailboxDepthMax, ...waitingRoom },
    errors,
    async request(method, url, options) {
      const result = await readResult(await running.app.request(url, requestInit(method, options)));
      return checkAnswer(method, url, result, errors);
    },
    async fetch(url, init) {
      return running.app.request(url, init);
    },
    journalSeq: () => Promise.resolve(running.engine.journalSeq()),
    async advance(ms) {
      clock.advanceBy(ms);
      await settle();
    },
    async admissionTick() {
      clock.advanceBy(waitingRoom.admitIntervalMs);
      await settle();
    },
    settle,
    async restart() {
      await running.engine.stop();
      running = await boot();
    },
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      await running.engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A harness on HARNESS_TARGET: a cluster, or one engine in process. */
export function startTargetHarness(options: HarnessOptions = {}): Promise<Harness> {
  return HARNESS_TARGET === "cluster"
    ? startClusterHarness(settingsOf(options), T0_MS)
    : startHarness(options);
}

/** A fresh harness per test in the enclosing `describe`, on HARNESS_TARGET, closed after it. */
export function useHarness(options: HarnessOptions = {}): () => Harness {
  let current: Harness | undefined;
  beforeEach(async () => {
    current = await startTargetHarness(options);
  });
  afterEach(async () => {
    const errors = current?.errors ?? [];
    await current?.close();
    current = undefined;
    // A client mistake is never a server error: nothing may reach the error log.
    expect(errors).toEqual([]);
  });
  return () => {
    if (current === undefined) {
      throw new Error("the harness is only available inside a test");
    }
    return current;
  };
}

// ---------------------------------------------------------------------------------------------------
// Typed reads of answers, and the steps most tests share.

/** Asserts the status and answers the body with the type the caller expects. */
export function expectStatus<T>(result: HttpResult, status: number): T {
  if (result.status !== status) {
    expect.fail(`expected ${status}, got ${result.status}: ${result.text}`);
  }
  return result.body as T;
}

/** Asserts an error answer: status, the `{error:{code,message}}` shape, and the code. */
export function expectError(result: HttpResult, status: number, code: string): ErrorBody["error"] {
  const body = expectStatus<ErrorBody>(result, status);
  expect(body).toEqual({ error: containingFields({ code, message: anyString() }) });
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(result.text).not.toMatch(/\bat .+\.ts:\d+/);
  expect(result.headers.get("content-type")).toMatch(/application\/json/);
  return body.error;
}

export const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export interface TokenBody {
  token: string;
  userId: string;
  concertId: string;
  status: "WAITING" | "ACTIVE";
  position: number | null;
  estimatedWaitSeconds: number | null;
  expiresAt: string | null;
}

export interface ScheduleBody {
  scheduleId: string;
  startsAt: string;
  totalSeats: number;
  price: number;
}

export interface CreatedConcertBody {
  concertId: string;
  title: string;
  schedules: ScheduleBody[];
}

export interface SeatBody {
  seatNumber: number;
  status: "AVAILABLE" | "HELD" | "BOOKED";
  price: number;
}

export interface SeatMapBody {
  scheduleId: string;
  concertId: string;
  seats: SeatBody[];
}

export interface ReservationBody {
  reservationId: string;
  userId: string;
  concertId: string;
  scheduleId: string;
  seatNumbers: number[];
  status: "HELD" | "CONFIRMED" | "EXPIRED" | "CANCELLED";
  amount: number;
  expiresAt: string;
  paidAt: string | null;
}

export interface PaymentBody {
  paymentId: string;
  reservationId: string;
  userId: string;
  amount: number;
  balance: number;
  status: "COMPLETED";
  paidAt: string;
}

export interface TransactionBody {
  transactionId: string;
  type: "CHARGE" | "PAYMENT";
  amount: number;
  balanceAfter: number;
  createdAt: string;
}

export interface ConcertSpec {
  readonly title?: string;
  readonly schedules?: readonly { startsAt: string; seatCount: number; price: number }[];
}

export const SHOW_AT = "2026-12-24T19:00:00.000Z";

/** Creates a concert through the admin API (one schedule of 10 seats at 50,000 won unless told). */
export async function createConcert(h: Harness, spec: ConcertSpec = {}): Promise<CreatedConcertBody> {
  const result = await h.request("POST", "/api/v1/admin/concerts", {
    token: ADMIN_TOKEN,
    body: {
      title: spec.title ?? "Test Concert",
      schedules: spec.schedules ?? [{ startsAt: SHOW_AT, seatCount: 10, price: 50_000 }],
    },
  });
  return expectStatus<CreatedConcertBody>(result, 201);
}

export function firstSchedule(concert: CreatedConcertBody): ScheduleBody {
  const schedule = concert.schedules[0];
  if (schedule === undefined) {
    throw new Error("the concert has no schedule");
  }
  return schedule;
}

export async function issueToken(h: Harness, userId: string, concertId: string): Promise<TokenBody> {
  const result = await h.request("POST", "/api/v1/queue/tokens", { body: { userId, concertId } });
  if (result.status !== 200 && result.status !== 201) {
    expect.fail(`issuing a token answered ${result.status}: ${result.text}`);
  }
  return result.body as TokenBody;
}

/** Issues a token that the room admits at once (the room must have space and nobody waiting). */
export async function activeToken(h: Harness, userId: string, concertId: string): Promise<string> {
  const token = await issueToken(h, userId, concertId);
  expect(token.status).toBe("ACTIVE");
  return token.token;
}

export async function charge(h: Harness, userId: string, amount: number): Promise<number> {
  const result = await h.request("POST", `/api/v1/users/${userId}/balance/charge`, { body: { amount } });
  return expectStatus<{ balance: number }>(result, 200).balance;
}

export async function balanceOf(h: Harness, userId: string): Promise<number> {
  const result = await h.request("GET", `/api/v1/users/${userId}/balance`);
  return expectStatus<{ balance: number }>(result, 200).balance;
}

export async function transactionsOf(h: Harness, userId: string): Promise<TransactionBody[]> {
  const result = await h.request("GET", `/api/v1/users/${userId}/balance/transactions?limit=500`);
  return expectStatus<{ transactions: TransactionBody[] }>(result, 200).transactions;
}

export async function hold(
  h: Harness,
  token: string,
  scheduleId: string,
  seatNumbers: readonly number[],
): Promise<ReservationBody> {
  const result = await h.request("POST", "/api/v1/reservations", {
    token,
    body: { scheduleId, seatNumbers },
  });
  return expectStatus<ReservationBody>(result, 201);
}

export async function seatsOf(h: Harness, scheduleId: string): Promise<SeatBody[]> {
  const result = await h.request("GET", `/api/v1/schedules/${scheduleId}/seats`);
  return expectStatus<SeatMapBody>(result, 200).seats;
}

export async function seatStatuses(
  h: Harness,
  scheduleId: string,
  seatNumbers: readonly number[],
): Promise<string[]> {
  const seats = await seatsOf(h, scheduleId);
  return seatNumbers.map((n) => seats.find((seat) => seat.seatNumber === n)?.status ?? "MISSING");
}

export async function reservationOf(h: Harness, reservationId: string): Promise<ReservationBody> {
  const result = await h.request("GET", `/api/v1/reservations/${reservationId}`);
  return expectStatus<ReservationBody>(result, 200);
}

/** A concert with one schedule, and a user with an ACTIVE token and `balance` won. */
export async function bookingSetup(
  h: Harness,
  { userId = "alice", balance = 0, seatCount = 10, price = 50_000 } = {},
): Promise<{ concert: CreatedConcertBody; scheduleId: string; token: string; userId: string }> {
  const concert = await createConcert(h, { schedules: [{ startsAt: SHOW_AT, seatCount, price }] });
  const token = await activeToken(h, userId, concert.concertId);
  if (balance > 0) {
    await charge(h, userId, balance);
  }
  return { concert, scheduleId: firstSchedule(concert).scheduleId, token, userId };
}
