import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { checkEngineInvariants } from "../src/engine/engine-invariants.ts";
import { findReservation, reservationsOfUser, type EngineState } from "../src/engine/engine-state.ts";
import { IDEMPOTENCY_KEY_TTL_MS } from "../src/engine/limits.ts";
import type { KeyedResult } from "../src/engine/receipts.ts";
import { SEAT_BOOKED } from "../src/engine/schedule.ts";
import { viewToken } from "../src/engine/waiting-room/index.ts";
import { chargeView, paymentView, reservationView } from "../src/http/views.ts";
import { recoverEngineState } from "../src/persistence/recovery.ts";
import { field } from "./http.ts";
import { seededRandom, type Random } from "../src/engine/seeded-random.ts";
import { startServer, type ServerProcess } from "./server-process.ts";
import { tempDir } from "./temp-dir.ts";
import { REQUEST_FINGERPRINT } from "../src/engine/idempotency.ts";
import {
  createConcertRequest,
  createdConcert,
  errorCode,
  is2xx,
  LOAD_SERVER_ENV,
  send,
  VirtualUser,
  type Client,
  type Concert,
  type Kind,
  type LoadMix,
  type Request,
} from "./virtual-user.ts";

/**
 * The crash loop: the server as a child process on a temporary journal, mixed concurrent load over
 * HTTP from virtual users, SIGKILL at a random moment, restart on the same journal, and a check of
 * the recovered state against every answer the clients received. Jepsen's idea at small scale: the
 * clients' record of what they were told is the specification the journal must honour.
 *
 * One seed drives every choice the harness makes (requests, seats, amounts, retries, kill times), so
 * a failing run is re-run with the seed it printed. The order in which the server interleaves
 * concurrent requests is not seeded; the checks hold for every interleaving.
 */

export const ADMIN_TOKEN = "crash-loop-admin-token";
/** Short holds, so some expire during a cycle and some while the server is down. */
export const HOLD_TTL_MS = 4_000;
/** Four schedules: one small and hot (seat races), three roomy (bookings go through). */
export const SCHEDULE_SEATS: readonly number[] = [12, 500, 500, 500];
export const SEAT_PRICE_WON = 10_000;
/** Charges, holds and payments mostly, a few polls, and now and then the same new charge twice at once. */
const LOAD_MIX: LoadMix = {
  scheduleSeats: SCHEDULE_SEATS,
  seatPriceWon: SEAT_PRICE_WON,
  chargeSeatsMax: 12,
  shares: { poll: 0.07, charge: 0.23, hold: 0.32, pay: 0.18, cancel: 0.1 },
  hotHoldChance: 0.3,
  twinChargeChance: 0.15,
  leaveAfterPaymentChance: 0.4,
};
/** Acknowledged keyed requests from earlier cycles replayed after each restart (the latest are all replayed). */
const OLDER_REPLAYS_PER_CYCLE_MAX = 150;
/** Replays sent at once after a restart. */
const REPLAY_CONCURRENCY = 16;
/** Violations kept; a broken run usually repeats one problem many times. */
const VIOLATIONS_MAX = 200;

export interface CrashLoopOptions {
  readonly seed: number;
  readonly cycles: number;
  /** Virtual users sending requests at once. */
  readonly users?: number;
  /** The kill comes this long after the load of a cycle starts, drawn from the seed. */
  readonly killAfterMsMin?: number;
  readonly killAfterMsMax?: number;
  /** Keeps the journal directory after a passing run too (a failing run always keeps it). */
  readonly keepDir?: boolean;
  readonly log?: (line: string) => void;
  /**
   * Called after each kill, before the journal is read: a test of the checker itself damages the
   * journal here and expects violations.
   */
  readonly afterKill?: (databasePath: string, cycle: number) => void;
}

export interface CrashLoopReport {
  readonly seed: number;
  readonly cycles: number;
  readonly requests: number;
  /** 2xx answers to writes (token issues, charges, holds, payments, cancels) checked after every restart. */
  readonly acknowledgedWrites: number;
  readonly acknowledgedByKind: Readonly<Record<string, number>>;
  /** Requests in flight at a kill (no answer); each was found fully applied or not at all. */
  readonly unanswered: number;
  readonly unansweredApplied: number;
  /** Idempotent requests re-sent after a restart whose answer was compared with the original. */
  readonly replaysChecked: number;
  readonly journalSeq: number;
  readonly durationMs: number;
  readonly dir: string;
  readonly violations: readonly string[];
}

// ---------------------------------------------------------------------------------------------------
// What the clients sent and were told.

interface Exchange extends Request {
  readonly id: number;
  readonly cycle: number;
  /** When it was sent and answered, on the ledger's own clock (a counter), to order attempts. */
  readonly sentTick: number;
  answeredTick?: number;
  /** Undefined when no whole answer arrived (the server died, or refused the connection). */
  status?: number;
  response?: unknown;
  error?: string;
}

/** The record of every exchange, and the checks that can be made as answers arrive. */
class Ledger {
  readonly exchanges: Exchange[] = [];
  readonly violations: string[] = [];
  /** Every attempt per `userId \0 key`, in the order they were sent. */
  readonly byKey = new Map<string, Exchange[]>();
  cycle = 0;
  private tick = 0;

  violation(message: string): void {
    if (this.violations.length < VIOLATIONS_MAX) {
      this.violations.push(message);
    }
  }

  async exchange(baseUrl: string, request: Request): Promise<Exchange> {
    this.tick += 1;
    const exchange: Exchange = {
      ...request,
      id: this.exchanges.length,
      cycle: this.cycle,
      sentTick: this.tick,
    };
    this.exchanges.push(exchange);
    if (request.key !== undefined) {
      const id = keyId(request.userId, request.key);
      const attempts = this.byKey.get(id) ?? [];
      attempts.push(exchange);
      this.byKey.set(id, attempts);
    }
    const answer = await send(baseUrl, request);
    this.tick += 1;
    exchange.answeredTick = this.tick;
    if ("error" in answer) {
      exchange.error = answer.error;
      return exchange;
    }
    exchange.status = answer.status;
    exchange.response = answer.body;
    this.checkAnswer(exchange);
    return exchange;
  }

  /** A virtual user's way to the server at `baseUrl`, recording every exchange here. */
  clientOf(baseUrl: string): Client {
    return async (request) => {
      const exchange = await this.exchange(baseUrl, request);
      return exchange.status === undefined
        ? { error: exchange.error ?? "no answer" }
        : { status: exchange.status, body: exchange.response };
    };
  }

  /** What every answer must satisfy, whatever happened before it. */
  private checkAnswer(exchange: Exchange): void {
    const { status = 0, response } = exchange;
    const where = `#${exchange.id} ${exchange.method} ${exchange.path} (${exchange.userId})`;
    if (status >= 500) {
      this.violation(`${where} answered ${status}: ${JSON.stringify(response)}`);
    }
    if (!is2xx(status) && errorCode(response) === undefined) {
      this.violation(`${where} answered ${status} without the error body: ${JSON.stringify(response)}`);
    }
    if (exchange.key === undefined) {
      return;
    }
    // Same key, same request: once one attempt succeeded, every later attempt gets its answer, byte
    // for byte, and two successful attempts (even concurrent ones) answer the same.
    const attempts = this.byKey.get(keyId(exchange.userId, exchange.key)) ?? [];
    for (const other of attempts) {
      if (other === exchange || !is2xx(other.status)) {
        continue;
      }
      const mustMatch = is2xx(status) || (other.answeredTick ?? Infinity) < exchange.sentTick;
      if (mustMatch && (status !== other.status || !isDeepStrictEqual(response, other.response))) {
        this.violation(
          `${where} with key ${exchange.key} answered ${status} ${JSON.stringify(response)}, ` +
            `an earlier attempt ${other.status} ${JSON.stringify(other.response)}`,
        );
      }
    }
  }
}

function keyId(userId: string, key: string): string {
  return `${userId}\u0000${key}`;
}

// ---------------------------------------------------------------------------------------------------
// Checks of a recovered state against the clients' record.

interface StateCheck {
  readonly unanswered: number;
  readonly unansweredApplied: number;
  readonly acknowledged: number;
}

function resultView(result: KeyedResult): unknown {
  switch (result.kind) {
    case "hold":
      return reservationView(result.reservation);
    case "charge":
      return chargeView(result.receipt);
    case "payment":
      return paymentView(result.receipt);
  }
}

/** The answer a keyed request gets when its record is replayed: the same JSON the client was sent. */
function recordedAnswer(result: KeyedResult): unknown {
  return JSON.parse(JSON.stringify(resultView(result))) as unknown;
}

const KIND_OF_RESULT: Readonly<Record<KeyedResult["kind"], Kind>> = {
  hold: "hold",
  charge: "charge",
  payment: "pay",
};

/** The fingerprint the engine stores for a keyed request: only journaled (valid) requests are compared. */
function fingerprintOf(request: Request): string | undefined {
  switch (request.kind) {
    case "charge":
      return REQUEST_FINGERPRINT.charge(field<number>(request.body, "amount") ?? Number.NaN);
    case "hold":
      return REQUEST_FINGERPRINT.hold(
        field<string>(request.body, "scheduleId") ?? "",
        field<number[]>(request.body, "seatNumbers") ?? [],
      );
    case "pay":
      return REQUEST_FINGERPRINT.payment(field<string>(request.body, "reservationId") ?? "");
    case "concert":
    case "issue":
    case "poll":
    case "cancel":
      return undefined;
  }
}

/**
 * Checks a recovered state against the record: invariants; every acknowledged write is there, as it
 * was acknowledged; and every keyed write is all there or not at all — its key, its effect on the
 * seats and its effect on the ledger were journaled together. Every charge, hold and payment the
 * clients send carries a key, so the ledger, the reservations and the key records must match one to
 * one, and nothing may be there that no client asked for.
 */
function checkState(state: EngineState, ledger: Ledger, concert: Concert, nowMs: number): StateCheck {
  const violation = (message: string): void => ledger.violation(`after cycle ${ledger.cycle}: ${message}`);
  try {
    checkEngineInvariants(state);
  } catch (error) {
    violation(`an invariant is broken: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!state.catalog.concerts.has(concert.concertId)) {
    violation(`the concert ${concert.concertId} created at the start is gone`);
  }
  const room = state.waitingRooms.get(concert.concertId);

  let acknowledged = 0;
  const cancelled = new Set<string>();
  const paid = new Map<string, unknown>();
  for (const exchange of ledger.exchanges) {
    if (!is2xx(exchange.status)) {
      continue;
    }
    if (exchange.key !== undefined) {
      // Later successful attempts with the key were compared with the first as they arrived.
      const attempts = ledger.byKey.get(keyId(exchange.userId, exchange.key)) ?? [];
      if (attempts.find((attempt) => is2xx(attempt.status)) !== exchange) {
        continue;
      }
    }
    const where = `#${exchange.id} ${exchange.kind} of ${exchange.userId} (cycle ${exchange.cycle})`;
    switch (exchange.kind) {
      case "concert":
      case "poll":
        break;
      case "issue": {
        acknowledged += exchange.status === 201 ? 1 : 0;
        const token = field<string>(exchange.response, "token");
        if (room === undefined || token === undefined || viewToken(room, token, nowMs) === undefined) {
          violation(`${where}: the issued token is not known after recovery`);
        }
        break;
      }
      case "cancel": {
        acknowledged += 1;
        const reservationId = field<string>(exchange.response, "reservationId") ?? "";
        cancelled.add(reservationId);
        const status = findReservation(state, reservationId)?.status;
        if (status !== "CANCELLED") {
          violation(`${where}: reservation ${reservationId} was cancelled but is ${status}`);
        }
        break;
      }
      case "charge":
      case "hold":
      case "pay": {
        acknowledged += 1;
        const record = state.idempotency.records.get(keyId(exchange.userId, exchange.key ?? ""));
        if (record === undefined) {
          violation(`${where}: acknowledged, but its key ${exchange.key} is not in the journal`);
          break;
        }
        if (!isDeepStrictEqual(recordedAnswer(record.result), exchange.response)) {
          violation(
            `${where}: journaled answer ${JSON.stringify(recordedAnswer(record.result))} ` +
              `differs from the one sent ${JSON.stringify(exchange.response)}`,
          );
        }
        const wallet = state.wallets.get(exchange.userId);
        if (exchange.kind === "charge") {
          const transactionId = field<string>(exchange.response, "transactionId");
          const line = wallet?.transactions.find((t) => t.transactionId === transactionId);
          if (
            line?.type !== "CHARGE" ||
            line.amount !== field<number>(exchange.body, "amount") ||
            line.balanceAfter !== field<number>(exchange.response, "balance")
          ) {
            violation(`${where}: charge ${transactionId} is not in the ledger as acknowledged`);
          }
        } else if (exchange.kind === "hold") {
          const reservationId = field<string>(exchange.response, "reservationId") ?? "";
          const reservation = findReservation(state, reservationId);
          if (
            reservation === undefined ||
            reservation.userId !== exchange.userId ||
            !isDeepStrictEqual([...reservation.seatNumbers], field<number[]>(exchange.body, "seatNumbers"))
          ) {
            violation(`${where}: reservation ${reservationId} is not there as acknowledged`);
          }
        } else {
          const reservationId = field<string>(exchange.body, "reservationId") ?? "";
          const reservation = findReservation(state, reservationId);
          paid.set(reservationId, exchange.response);
          if (
            reservation?.status !== "CONFIRMED" ||
            reservation.paymentId !== field<string>(exchange.response, "paymentId")
          ) {
            violation(`${where}: reservation ${reservationId} was paid but is ${reservation?.status}`);
          }
        }
        break;
      }
    }
  }
  for (const reservationId of cancelled) {
    if (paid.has(reservationId)) {
      violation(`reservation ${reservationId} was acknowledged both cancelled and paid`);
    }
  }

  // Every key record answers a request a client sent with that key, and records what it asked for.
  const sentByKey = ledger.byKey;
  const recordsByUser = new Map<string, { kind: Kind; value: string }[]>();
  for (const [id, record] of state.idempotency.records) {
    if (record.atMs < nowMs - IDEMPOTENCY_KEY_TTL_MS) {
      continue;
    }
    const attempts = sentByKey.get(id);
    const kind = KIND_OF_RESULT[record.result.kind];
    if (attempts === undefined || attempts[0]?.kind !== kind) {
      violation(`key ${record.key} of ${record.userId} is journaled as a ${kind} no client sent`);
      continue;
    }
    if (attempts.every((attempt) => fingerprintOf(attempt) !== record.fingerprint)) {
      violation(
        `key ${record.key} of ${record.userId} is journaled for another request ${record.fingerprint}`,
      );
    }
    const value =
      record.result.kind === "charge"
        ? record.result.receipt.transactionId
        : record.result.kind === "hold"
          ? record.result.reservation.reservationId
          : record.result.receipt.paymentId;
    const list = recordsByUser.get(record.userId) ?? [];
    list.push({ kind, value });
    recordsByUser.set(record.userId, list);
  }

  // One to one: charges in the ledger and charge keys, reservations and hold keys, payments and pay keys.
  const users = new Set([
    ...state.wallets.keys(),
    ...state.reservationLookup.newestOfUser.keys(),
    ...recordsByUser.keys(),
  ]);
  for (const userId of users) {
    const records = recordsByUser.get(userId) ?? [];
    const wallet = state.wallets.get(userId);
    const chargeIds = (wallet?.transactions ?? [])
      .filter((t) => t.type === "CHARGE")
      .map((t) => t.transactionId);
    const chargeKeys = records.filter((r) => r.kind === "charge").map((r) => r.value);
    if (!sameSet(chargeIds, chargeKeys)) {
      violation(
        `user ${userId}: ${chargeIds.length} charges in the ledger but ${chargeKeys.length} charge keys`,
      );
    }
    const reservations = reservationsOfUser(state, userId);
    const reservationIds = reservations.map((reservation) => reservation.reservationId);
    const holdKeys = records.filter((r) => r.kind === "hold").map((r) => r.value);
    if (!sameSet(reservationIds, holdKeys)) {
      violation(`user ${userId}: ${reservationIds.length} reservations but ${holdKeys.length} hold keys`);
    }
    const confirmed = reservations.filter((reservation) => reservation.status === "CONFIRMED");
    const paymentIds = confirmed.map((reservation) => reservation.paymentId ?? "");
    const payKeys = records.filter((r) => r.kind === "pay");
    const debits = (wallet?.transactions ?? []).filter((t) => t.type === "PAYMENT");
    if (
      !sameSet(
        paymentIds,
        payKeys.map((r) => r.value),
      ) ||
      debits.length !== confirmed.length
    ) {
      violation(
        `user ${userId}: ${confirmed.length} confirmed reservations, ${payKeys.length} payment keys, ` +
          `${debits.length} debits`,
      );
    }
  }

  // Requests with no answer: applied (their key is there, and by the above all of their effect) or not.
  // Counted for this cycle's kill, leaving out repeats of a request that had already succeeded.
  let unanswered = 0;
  let unansweredApplied = 0;
  for (const [id, attempts] of sentByKey) {
    const recorded = state.idempotency.records.has(id);
    for (const attempt of attempts) {
      const settledBefore = attempts.some(
        (other) => is2xx(other.status) && (other.answeredTick ?? Infinity) < attempt.sentTick,
      );
      if (attempt.cycle === ledger.cycle && attempt.status === undefined && !settledBefore) {
        unanswered += 1;
        unansweredApplied += recorded ? 1 : 0;
      }
    }
    const lost = attempts.some((attempt) => attempt.status === undefined);
    if (recorded && !lost && !attempts.some((attempt) => is2xx(attempt.status))) {
      violation(`key ${attempts[0]?.key} of ${attempts[0]?.userId} was refused every time yet is journaled`);
    }
  }
  return { unanswered, unansweredApplied, acknowledged };
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) {
    return false;
  }
  const set = new Set(a);
  return set.size === a.length && b.every((item) => set.has(item));
}

/**
 * After a restart, over HTTP: acknowledged keyed requests sent again get their original answer;
 * requests lost in the crash whose key is journaled get the journaled answer; balances and booked
 * seats are what the journal says; the server is healthy.
 */
async function checkAfterRestart(
  server: ServerProcess,
  state: EngineState,
  lastSeq: number,
  ledger: Ledger,
  concert: Concert,
  random: Random,
): Promise<number> {
  const violation = (message: string): void => ledger.violation(`after restart ${ledger.cycle}: ${message}`);
  const health = await send(server.baseUrl, { kind: "poll", userId: "-", method: "GET", path: "/health" });
  const journalSeq = "status" in health ? field<number>(health.body, "journalSeq") : undefined;
  if (!("status" in health) || health.status !== 200 || journalSeq === undefined || journalSeq < lastSeq) {
    violation(`/health answered ${JSON.stringify(health)} after recovering seq ${lastSeq}`);
  }

  // The requests to send again: every acknowledged keyed request of this cycle, some older ones,
  // and every lost one whose key made it into the journal.
  const replays: { request: Exchange; expected: { status: number; body: unknown } }[] = [];
  const older: Exchange[] = [];
  for (const attempts of ledger.byKey.values()) {
    const acknowledged = attempts.find((attempt) => is2xx(attempt.status));
    const first = attempts[0];
    if (acknowledged !== undefined && acknowledged.status !== undefined) {
      if (acknowledged.cycle === ledger.cycle) {
        replays.push({
          request: acknowledged,
          expected: { status: acknowledged.status, body: acknowledged.response },
        });
      } else {
        older.push(acknowledged);
      }
      continue;
    }
    const record =
      first === undefined ? undefined : state.idempotency.records.get(keyId(first.userId, first.key ?? ""));
    if (first !== undefined && record !== undefined) {
      const status = first.kind === "charge" ? 200 : 201;
      replays.push({ request: first, expected: { status, body: recordedAnswer(record.result) } });
    }
  }
  for (let i = 0; i < Math.min(OLDER_REPLAYS_PER_CYCLE_MAX, older.length); i += 1) {
    const request = older[random.int(0, older.length - 1)];
    if (request?.status !== undefined) {
      replays.push({ request, expected: { status: request.status, body: request.response } });
    }
  }
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < replays.length) {
      const replay = replays[next];
      next += 1;
      if (replay === undefined) {
        continue;
      }
      const answer = await ledger.exchange(server.baseUrl, replay.request);
      if (
        answer.status !== replay.expected.status ||
        !isDeepStrictEqual(answer.response, replay.expected.body)
      ) {
        violation(
          `key ${replay.request.key} of ${replay.request.userId} replayed as ${answer.status} ` +
            `${JSON.stringify(answer.response ?? answer.error)}, expected ${replay.expected.status} ` +
            `${JSON.stringify(replay.expected.body)}`,
        );
      }
    }
  };
  await Promise.all(Array.from({ length: REPLAY_CONCURRENCY }, worker));

  // Balances never move by themselves, and booked seats never come back.
  for (const [userId, wallet] of state.wallets) {
    const answer = await send(server.baseUrl, {
      kind: "poll",
      userId,
      method: "GET",
      path: `/api/v1/users/${userId}/balance`,
    });
    if (!("status" in answer) || field<number>(answer.body, "balance") !== wallet.balance) {
      violation(`balance of ${userId} reads ${JSON.stringify(answer)}, the journal says ${wallet.balance}`);
    }
  }
  const booked = bookedSeats(state);
  for (const scheduleId of concert.scheduleIds) {
    const answer = await send(server.baseUrl, {
      kind: "poll",
      userId: "-",
      method: "GET",
      path: `/api/v1/schedules/${scheduleId}/seats`,
    });
    const seats =
      "status" in answer ? (field<{ seatNumber: number; status: string }[]>(answer.body, "seats") ?? []) : [];
    const capacity = state.schedules.get(scheduleId)?.seatCount;
    const bookedNow = seats.filter((seat) => seat.status === "BOOKED").map((seat) => seat.seatNumber);
    if (seats.length !== capacity || !isDeepStrictEqual(bookedNow, booked.get(scheduleId))) {
      violation(`seat map of ${scheduleId} after restart disagrees with the journal`);
    }
  }
  return replays.length;
}

/** Booked seats per schedule, as sorted seat numbers: what no crash may ever take back. */
function bookedSeats(state: EngineState): Map<string, number[]> {
  const booked = new Map<string, number[]>();
  for (const schedule of state.schedules.values()) {
    const seats: number[] = [];
    schedule.seats.forEach((status, i) => {
      if (status === SEAT_BOOKED) {
        seats.push(i + 1);
      }
    });
    booked.set(schedule.scheduleId, seats);
  }
  return booked;
}

// ---------------------------------------------------------------------------------------------------
// The loop.

function serverEnv(databasePath: string): Record<string, string> {
  return {
    DATABASE_PATH: databasePath,
    ADMIN_TOKEN,
    SEED_DEMO: "false",
    HOLD_TTL_MS: String(HOLD_TTL_MS),
    ...LOAD_SERVER_ENV,
  };
}

async function createConcert(server: ServerProcess, ledger: Ledger): Promise<Concert> {
  const answer = await ledger.clientOf(server.baseUrl)(
    createConcertRequest("Crash Loop Live", LOAD_MIX, ADMIN_TOKEN),
  );
  const concert = createdConcert(answer);
  if (concert === undefined) {
    throw new Error(`could not create the concert: ${JSON.stringify(answer)}`);
  }
  return concert;
}

/** Runs the crash loop; the report's `violations` is empty when every check held. */
export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopReport> {
  const startedMs = performance.now();
  const {
    seed,
    cycles,
    users = 12,
    killAfterMsMin = 300,
    killAfterMsMax = 1_500,
    log = () => undefined,
  } = options;
  const random = seededRandom(seed);
  const dir = tempDir("crash-loop-");
  const databasePath = path.join(dir, "journal.db");
  const ledger = new Ledger();
  let server = await startServer({ env: serverEnv(databasePath) });
  let lastSeq = 0;
  let unanswered = 0;
  let unansweredApplied = 0;
  let replaysChecked = 0;
  let acknowledged = 0;
  try {
    const concert = await createConcert(server, ledger);
    const vus = Array.from(
      { length: users },
      (_, i) =>
        new VirtualUser(`vu${i}`, seededRandom(random.int(1, 2 ** 31)), { concerts: [concert] }, LOAD_MIX),
    );
    for (let cycle = 1; cycle <= cycles; cycle += 1) {
      ledger.cycle = cycle;
      const killAfterMs = random.int(killAfterMsMin, killAfterMsMax);
      let stopped = false;
      const client = ledger.clientOf(server.baseUrl);
      const load = Promise.all(vus.map((vu) => vu.run(client, () => stopped)));
      await new Promise((resolve) => setTimeout(resolve, killAfterMs));
      // No new request starts after this point; the ones in flight die with the server.
      stopped = true;
      const exit = await server.stop("SIGKILL");
      await load;
      if (exit.signal !== "SIGKILL") {
        ledger.violation(
          `cycle ${cycle}: the server had exited by itself (${JSON.stringify(exit)}):\n${server.output()}`,
        );
      }

      options.afterKill?.(databasePath, cycle);
      const recovered = recoverEngineState(databasePath, { resumeAtMs: Date.now() });
      lastSeq = recovered.lastSeq;
      const check = checkState(recovered.state, ledger, concert, Date.now());
      unanswered += check.unanswered;
      unansweredApplied += check.unansweredApplied;
      acknowledged = check.acknowledged;

      server = await startServer({ env: serverEnv(databasePath) });
      replaysChecked += await checkAfterRestart(server, recovered.state, lastSeq, ledger, concert, random);
      log(
        `cycle ${cycle}/${cycles}: killed after ${killAfterMs} ms at seq ${lastSeq}; ` +
          `${ledger.exchanges.length} requests so far, ${acknowledged} acknowledged writes checked, ` +
          `${unanswered} unanswered (${unansweredApplied} applied), ${ledger.violations.length} violations`,
      );
    }
    // A clean stop at the end: the journal must be whole after a graceful exit too.
    const exit = await server.stop();
    if (exit.code !== 0) {
      ledger.violation(
        `the final SIGTERM ended the server with ${JSON.stringify(exit)}:\n${server.output()}`,
      );
    }
    const final = recoverEngineState(databasePath, { resumeAtMs: Date.now() });
    lastSeq = final.lastSeq;
    acknowledged = checkState(final.state, ledger, concert, Date.now()).acknowledged;
  } finally {
    await server.stop("SIGKILL");
  }
  const violations = [...ledger.violations];
  if (violations.length === 0 && options.keepDir !== true) {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const acknowledgedByKind: Record<string, number> = {};
  for (const exchange of ledger.exchanges) {
    if (is2xx(exchange.status) && exchange.kind !== "poll") {
      acknowledgedByKind[exchange.kind] = (acknowledgedByKind[exchange.kind] ?? 0) + 1;
    }
  }
  return {
    seed,
    cycles,
    requests: ledger.exchanges.length,
    acknowledgedWrites: acknowledged,
    acknowledgedByKind,
    unanswered,
    unansweredApplied,
    replaysChecked,
    journalSeq: lastSeq,
    durationMs: performance.now() - startedMs,
    dir,
    violations,
  };
}
