import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { freePort, startCluster, type Cluster } from "../src/cluster/cluster.ts";
import { shardOfKey, walletShardOf } from "../src/cluster/ownership.ts";
import { seededRandom } from "../src/engine/seeded-random.ts";
import { checkClusterJournals, type Acknowledged } from "./cluster-journal-check.ts";
import { isAlive } from "./cluster-process.ts";
import { field } from "./http.ts";
import { tempDir } from "./temp-dir.ts";
import {
  createConcertRequest,
  createdConcert,
  errorCode,
  is2xx,
  LOAD_SERVER_ENV,
  send,
  VirtualUser,
  type Answer,
  type Concert,
  type LoadMix,
  type Request,
  type World,
} from "./virtual-user.ts";

/**
 * The cluster crash test: `startCluster` (what `npm run cluster` runs) with 3 shards behind HAProxy on
 * a temporary DATA_DIR, mixed load from virtual users for a bounded time, and a random shard SIGKILLed
 * every few seconds (its pid from `DATA_DIR/shard-<i>.pid`) and restarted by the supervisor. After
 * each restart, and at the end once every saga has settled, the clients' record of what they were told
 * is checked over HTTP; after the cluster stops, every shard's journal is read and checked too.
 *
 * One seed drives the kill schedule (when, and which shard) and every choice of the virtual users. The
 * interleaving of concurrent requests across processes is not seeded; the checks hold for any.
 */

const ADMIN_TOKEN = "cluster-crash-admin-token";
const SHARDS = 3;
/** Short holds, so some expire during the run and some sagas abort on an ended hold. */
const HOLD_TTL_MS = 4_000;
/** Per concert: a small hot schedule (seat races) and a roomy one. */
const SCHEDULE_SEATS: readonly number[] = [10, 2_000];
const SEAT_PRICE_WON = 1_000;
/**
 * Charges, holds and payments; a user takes a token for one of the concerts, so its payments are
 * sometimes on its wallet's shard and mostly not.
 */
const LOAD_MIX: LoadMix = {
  scheduleSeats: SCHEDULE_SEATS,
  seatPriceWon: SEAT_PRICE_WON,
  chargeSeatsMax: 5,
  shares: { poll: 0, charge: 0.25, hold: 0.3, pay: 0.25, cancel: 0.08 },
  hotHoldChance: 0.4,
  twinChargeChance: 0,
  leaveAfterPaymentChance: 0.2,
};
/** How long after a kill the killed shard must serve again through HAProxy. */
const RESTART_TIMEOUT_MS = 30_000;
/** How long the sagas may take to settle once the load stops. */
const SETTLE_TIMEOUT_MS = 30_000;
/** The ledger lines one read returns (the API's limit); a user never gets near it (virtual-user.ts). */
const TRANSACTIONS_READ_MAX = 500;
/** Reads sent at once by a check. */
const CHECK_CONCURRENCY = 8;
/** A user's reads are repeated at most this often until its ledger holds still across them. */
const STABLE_READ_ATTEMPTS_MAX = 5;
/**
 * A client waits this long after a 503 or a failed connection before its next request, as one that
 * honours Retry-After would (shorter than its 1 s, to keep the pressure on a restarting shard).
 */
const UNAVAILABLE_BACKOFF_MS = 200;
const VIOLATIONS_MAX = 200;

export interface ClusterCrashOptions {
  readonly seed: number;
  /** How long the load runs, kills included. */
  readonly durationMs: number;
  readonly users?: number;
  /** A kill comes this long after the last restart was checked, drawn from the seed. */
  readonly killEveryMsMin?: number;
  readonly killEveryMsMax?: number;
  readonly keepDir?: boolean;
  readonly log?: (line: string) => void;
}

export interface ClusterCrashReport {
  readonly seed: number;
  /** Each kill: which shard, and when (from the start of the load). */
  readonly kills: readonly { readonly atMs: number; readonly shard: number }[];
  readonly requests: number;
  /** Acknowledged writes checked at the end (charges, holds, payments, cancels), by kind. */
  readonly acknowledgedByKind: Readonly<Record<string, number>>;
  readonly acknowledgedWrites: number;
  /** Payments acknowledged with the wallet on another shard (sagas) and on the same one. */
  readonly crossShardPayments: number;
  readonly sameShardPayments: number;
  /** Keyed requests sent again with the same key. */
  readonly retries: number;
  readonly unavailable: number;
  /** Answers by request kind, status and error code (`hold 409 SEAT_UNAVAILABLE`), most frequent first. */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Time under load (pauses for the checks left out), and the whole run's. */
  readonly loadMs: number;
  readonly durationMs: number;
  readonly dir: string;
  /** The shards' journals in `dir`, in shard order: kept after a run that failed or had `keepDir`. */
  readonly journals: readonly string[];
  /** What the clients were told was done, which the journals were checked against. */
  readonly acknowledged: Acknowledged;
  readonly violations: readonly string[];
}

const sleep = (ms: number): Promise<void> => new Promise((done) => setTimeout(done, ms));

// ---------------------------------------------------------------------------------------------------
// The record of what clients were told.

class ClientRecord {
  readonly violations: string[] = [];
  readonly acknowledged: Acknowledged = {
    charges: new Map(),
    holds: new Map(),
    payments: new Map(),
    cancels: new Set(),
  };
  readonly users = new Set<string>();
  /** The first 2xx answer per `userId \0 key`. */
  private readonly firstSuccess = new Map<string, { status: number; body: unknown }>();
  /** Answers by request kind, status and error code. */
  readonly outcomes = new Map<string, number>();
  requests = 0;
  unavailable = 0;
  crossShard = 0;
  sameShard = 0;

  constructor(private readonly walletShardOf: (userId: string) => number) {}

  violation(message: string): void {
    if (this.violations.length < VIOLATIONS_MAX) {
      this.violations.push(message);
    }
  }

  async exchange(baseUrl: string, request: Request): Promise<Answer> {
    this.requests += 1;
    this.users.add(request.userId);
    const answer = await send(baseUrl, request);
    if ("error" in answer) {
      await sleep(UNAVAILABLE_BACKOFF_MS);
      return answer;
    }
    const where = `${request.method} ${request.path} (${request.userId}, key ${request.key})`;
    const code = errorCode(answer.body);
    const outcome = `${request.kind} ${answer.status}${code === undefined ? "" : ` ${code}`}`;
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    if (answer.status === 503 && code === "SHARD_UNAVAILABLE") {
      this.unavailable += 1;
      await sleep(UNAVAILABLE_BACKOFF_MS);
    } else if (answer.status >= 500) {
      this.violation(`${where} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    }
    if (!is2xx(answer.status) && code === undefined) {
      this.violation(`${where} answered ${answer.status} without the error body`);
    }
    if (request.key !== undefined) {
      // Same key, same request: once one attempt succeeded, every later answer is that one (or the
      // shard is unavailable for now).
      const id = `${request.userId}\u0000${request.key}`;
      const first = this.firstSuccess.get(id);
      if (first !== undefined && answer.status !== 503 && !isDeepStrictEqual(first, answer)) {
        this.violation(
          `${where} answered ${answer.status} ${JSON.stringify(answer.body)}, first ${JSON.stringify(first)}`,
        );
      }
      if (first === undefined && is2xx(answer.status)) {
        this.firstSuccess.set(id, { status: answer.status, body: answer.body });
        this.acknowledge(request, answer.body);
      }
    } else if (request.kind === "cancel" && answer.status === 200) {
      this.acknowledged.cancels.add(field<string>(answer.body, "reservationId") ?? "");
    }
    return answer;
  }

  private acknowledge(request: Request, body: unknown): void {
    const { acknowledged } = this;
    switch (request.kind) {
      case "charge":
        acknowledged.charges.set(request.key ?? "", {
          userId: request.userId,
          transactionId: field<string>(body, "transactionId") ?? "",
          amount: field<number>(request.body, "amount") ?? 0,
        });
        break;
      case "hold":
        acknowledged.holds.set(field<string>(body, "reservationId") ?? "", {
          userId: request.userId,
          scheduleId: field<string>(request.body, "scheduleId") ?? "",
          seats: field<number[]>(request.body, "seatNumbers") ?? [],
        });
        break;
      case "pay": {
        const reservationId = field<string>(request.body, "reservationId") ?? "";
        acknowledged.payments.set(reservationId, {
          userId: request.userId,
          paymentId: field<string>(body, "paymentId") ?? "",
          amount: field<number>(body, "amount") ?? 0,
        });
        if (this.walletShardOf(request.userId) === shardOfKey(reservationId)) {
          this.sameShard += 1;
        } else {
          this.crossShard += 1;
        }
        break;
      }
      case "cancel":
      case "concert":
      case "issue":
      case "poll":
        break;
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Checks over HTTP.

interface ReservationRead {
  readonly reservationId: string;
  readonly scheduleId: string;
  readonly seatNumbers: readonly number[];
  readonly status: string;
  readonly amount: number;
}

interface TransactionRead {
  readonly transactionId: string;
  readonly type: string;
  readonly amount: number;
  readonly balanceAfter: number;
}

async function get(baseUrl: string, path: string): Promise<{ status: number; body: unknown } | undefined> {
  const answer = await send(baseUrl, { kind: "poll", userId: "-", method: "GET", path });
  return "status" in answer ? answer : undefined;
}

async function forEachConcurrently<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: CHECK_CONCURRENCY }, worker));
}

/**
 * Reads every user's wallet, ledger and reservations and every schedule's seats through HAProxy, and
 * checks them against the record. With `settled`, every saga has ended: nothing may be pending.
 * Returns false when a wallet still has money pending (the caller polls until none has).
 */
async function checkOverHttp(
  baseUrl: string,
  record: ClientRecord,
  world: World,
  when: string,
  settled: boolean,
  report = true,
): Promise<boolean> {
  const problems: string[] = [];
  const problem = (message: string): void => {
    problems.push(`${when}: ${message}`);
  };
  const { acknowledged } = record;
  const confirmedBySchedule = new Map<string, Map<number, string>>();
  let unsettled = false;
  const chargesOf = new Map<string, { transactionId: string; amount: number }[]>();
  for (const charge of acknowledged.charges.values()) {
    chargesOf.set(charge.userId, [...(chargesOf.get(charge.userId) ?? []), charge]);
  }
  const reservationsSeen = new Map<string, ReservationRead>();
  const scheduleIds = world.concerts.flatMap((concert) => concert.scheduleIds);
  // Sagas may still post, void or sell while this reads (the load is paused, the sagas are not), so
  // every read is ordered to make such a step visible: seat maps before and after the reservations
  // (a seat booked before is paid, a paid seat is booked after), and each ledger read twice around
  // its user's other reads, again until it did not move.
  const bookedBefore = await bookedSeatsOf(baseUrl, scheduleIds);
  await forEachConcurrently([...record.users], async (userId) => {
    const ledgerPath = `/api/v1/users/${userId}/balance/transactions?limit=${TRANSACTIONS_READ_MAX}`;
    let reads: Awaited<ReturnType<typeof get>>[] = [];
    let stable = false;
    for (let attempt = 0; attempt < STABLE_READ_ATTEMPTS_MAX && !stable; attempt += 1) {
      const before = await get(baseUrl, ledgerPath);
      const listed = await get(baseUrl, `/api/v1/users/${userId}/reservations`);
      const balance = await get(baseUrl, `/api/v1/users/${userId}/balance`);
      const after = await get(baseUrl, ledgerPath);
      reads = [balance, after, listed];
      stable = isDeepStrictEqual(before, after);
    }
    if (!stable) {
      // The ledger kept moving: a saga is still posting; the next check sees it settled.
      unsettled = true;
      if (settled) {
        problem(`the ledger of ${userId} still moves after the sagas settled`);
      }
      return;
    }
    const [balance, lines, listed] = reads;
    if (balance?.status !== 200 || lines?.status !== 200 || listed?.status !== 200) {
      problem(`reads of ${userId} answered ${balance?.status}, ${lines?.status}, ${listed?.status}`);
      return;
    }
    const transactions = field<TransactionRead[]>(lines.body, "transactions") ?? [];
    if (transactions.length >= TRANSACTIONS_READ_MAX) {
      problem(`${userId} has more ledger lines than one read returns`);
    }
    for (const charge of chargesOf.get(userId) ?? []) {
      const line = transactions.find((t) => t.transactionId === charge.transactionId);
      if (line?.type !== "CHARGE" || line.amount !== charge.amount) {
        problem(`acknowledged charge ${charge.transactionId} of ${userId} is not in the ledger`);
      }
    }
    const charged = transactions.filter((t) => t.type === "CHARGE").reduce((sum, t) => sum + t.amount, 0);
    const debits = transactions.filter((t) => t.type === "PAYMENT");
    const paid = debits.reduce((sum, t) => sum + t.amount, 0);
    const ledgerBalance = transactions[0]?.balanceAfter ?? 0;
    const spendable = field<number>(balance.body, "balance") ?? Number.NaN;
    if (charged !== ledgerBalance + paid) {
      problem(`${userId}: charges ${charged} != balance ${ledgerBalance} + payments ${paid}`);
    }
    if (spendable > ledgerBalance) {
      problem(`${userId} can spend ${spendable}, more than the ledger's ${ledgerBalance}`);
    }
    const reservations = field<ReservationRead[]>(listed.body, "reservations") ?? [];
    const confirmed = reservations.filter((r) => r.status === "CONFIRMED");
    for (const reservation of reservations) {
      reservationsSeen.set(reservation.reservationId, reservation);
    }
    // Money pending means a saga is in flight: its debit may not be in the ledger yet.
    const pending = spendable !== ledgerBalance;
    unsettled ||= pending;
    if (debits.length > confirmed.length) {
      problem(`${userId}: ${debits.length} debits for ${confirmed.length} confirmed reservations`);
    }
    if (
      !pending &&
      (debits.length !== confirmed.length || paid !== confirmed.reduce((s, r) => s + r.amount, 0))
    ) {
      problem(
        `${userId}: ${debits.length} debits (${paid} won) for ${confirmed.length} confirmed reservations`,
      );
    }
    if (settled && pending) {
      problem(`${userId} still has ${ledgerBalance - spendable} won pending after the sagas settled`);
    }
  });
  if (!report) {
    return !unsettled && problems.length === 0;
  }
  for (const [reservationId, hold] of acknowledged.holds) {
    const read = reservationsSeen.get(reservationId);
    if (
      read === undefined ||
      read.scheduleId !== hold.scheduleId ||
      !isDeepStrictEqual(read.seatNumbers, hold.seats)
    ) {
      problem(`acknowledged hold ${reservationId} of ${hold.userId} is not there as acknowledged`);
      continue;
    }
    const payment = acknowledged.payments.get(reservationId);
    // The reservation's view has no payment id: the journals' check compares it.
    if (payment !== undefined && read.status !== "CONFIRMED") {
      problem(
        `acknowledged payment ${payment.paymentId} of ${reservationId}: the reservation is ${read.status}`,
      );
    }
    if (acknowledged.cancels.has(reservationId) && read.status !== "CANCELLED") {
      problem(`acknowledged cancel of ${reservationId}: the reservation is ${read.status}`);
    }
  }
  for (const reservation of reservationsSeen.values()) {
    if (reservation.status !== "CONFIRMED") {
      continue;
    }
    const sold = confirmedBySchedule.get(reservation.scheduleId) ?? new Map<number, string>();
    confirmedBySchedule.set(reservation.scheduleId, sold);
    for (const seat of reservation.seatNumbers) {
      const other = sold.get(seat);
      if (other !== undefined) {
        problem(
          `seat ${seat} of ${reservation.scheduleId} sold twice: ${other} and ${reservation.reservationId}`,
        );
      }
      sold.set(seat, reservation.reservationId);
    }
  }
  const bookedAfter = await bookedSeatsOf(baseUrl, scheduleIds);
  for (const scheduleId of scheduleIds) {
    const before = bookedBefore.get(scheduleId);
    const after = bookedAfter.get(scheduleId);
    const paid = new Set(confirmedBySchedule.get(scheduleId)?.keys() ?? []);
    if (before === undefined || after === undefined) {
      problem(`the seats of ${scheduleId} could not be read`);
      continue;
    }
    const unpaid = before.filter((seat) => !paid.has(seat));
    const unbooked = [...paid].filter((seat) => !after.includes(seat));
    if (unpaid.length > 0 || unbooked.length > 0) {
      problem(
        `schedule ${scheduleId}: seats booked but not paid ${JSON.stringify(unpaid)}, ` +
          `paid but not booked ${JSON.stringify(unbooked)}`,
      );
    }
  }
  for (const message of problems) {
    record.violation(message);
  }
  return !unsettled;
}

/** Each schedule's booked seats; a schedule whose seats could not be read is left out. */
async function bookedSeatsOf(
  baseUrl: string,
  scheduleIds: readonly string[],
): Promise<Map<string, number[]>> {
  const booked = new Map<string, number[]>();
  for (const scheduleId of scheduleIds) {
    const read = await get(baseUrl, `/api/v1/schedules/${scheduleId}/seats?status=BOOKED`);
    if (read?.status === 200) {
      booked.set(
        scheduleId,
        (field<{ seatNumber: number }[]>(read.body, "seats") ?? []).map((s) => s.seatNumber),
      );
    }
  }
  return booked;
}

// ---------------------------------------------------------------------------------------------------
// The run.

function pidOf(dataDir: string, shard: number): number | undefined {
  try {
    return Number(fs.readFileSync(path.join(dataDir, `shard-${shard}.pid`), "utf8"));
  } catch {
    return undefined;
  }
}

/** Waits until shard `shard`, killed as `pid`, runs again and serves its concert through HAProxy. */
async function restarted(
  dataDir: string,
  baseUrl: string,
  shard: number,
  pid: number,
  world: World,
): Promise<boolean> {
  const deadline = Date.now() + RESTART_TIMEOUT_MS;
  const concertId = world.concerts[shard]?.concertId ?? "";
  while (Date.now() < deadline) {
    const now = pidOf(dataDir, shard);
    if (now !== undefined && now !== pid && isAlive(now)) {
      const read = await get(baseUrl, `/api/v1/concerts/${concertId}/schedules`);
      if (read?.status === 200) {
        return true;
      }
    }
    await sleep(100);
  }
  return false;
}

async function createWorld(baseUrl: string): Promise<World> {
  const concerts: (Concert | undefined)[] = Array.from({ length: SHARDS }, () => undefined);
  for (let attempt = 0; attempt < SHARDS * 3 && concerts.includes(undefined); attempt += 1) {
    const answer = await send(
      baseUrl,
      createConcertRequest(`Cluster Crash ${attempt}`, LOAD_MIX, ADMIN_TOKEN),
    );
    const concert = createdConcert(answer);
    if (concert === undefined) {
      throw new Error(`could not create a concert: ${JSON.stringify(answer)}`);
    }
    const shard = shardOfKey(concert.concertId);
    if (shard !== undefined && concerts[shard] === undefined) {
      concerts[shard] = concert;
    }
  }
  if (concerts.includes(undefined)) {
    throw new Error("round robin did not place a concert on every shard");
  }
  return { concerts: concerts as Concert[] };
}

function clusterEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ADMIN_TOKEN,
    SEED_DEMO: "false",
    LOG_LEVEL: "warn",
    HOLD_TTL_MS: String(HOLD_TTL_MS),
    ...LOAD_SERVER_ENV,
    SHARD_SECRET: undefined,
  };
}

/** Runs the cluster crash test; the report's `violations` is empty when every check held. */
export async function runClusterCrash(options: ClusterCrashOptions): Promise<ClusterCrashReport> {
  const startedMs = Date.now();
  const { seed, durationMs, users = 12, killEveryMsMin = 2_000, killEveryMsMax = 5_000 } = options;
  const log = options.log ?? (() => undefined);
  const random = seededRandom(seed);
  const dataDir = tempDir("cluster-crash-");
  const port = await freePort();
  const cluster: Cluster = await startCluster({
    shards: SHARDS,
    dataDir,
    host: "127.0.0.1",
    port,
    env: clusterEnv(),
    output: "files",
  });
  const baseUrl = cluster.url;
  const record = new ClientRecord((userId) => walletShardOf(userId, SHARDS));
  const kills: { atMs: number; shard: number }[] = [];
  const client = (request: Request): Promise<Answer> => record.exchange(baseUrl, request);
  let vus: VirtualUser[] = [];
  let loadMs = 0;
  let checksMs = 0;
  try {
    const world = await createWorld(baseUrl);
    vus = Array.from(
      { length: users },
      (_, i) => new VirtualUser(`cc${i}`, seededRandom(random.int(1, 2 ** 31)), world, LOAD_MIX),
    );
    const loadStartedMs = Date.now();
    // The load pauses while a restart is checked; the pauses do not count towards its duration.
    let endMs = loadStartedMs + durationMs;
    while (Date.now() < endMs && record.violations.length === 0) {
      let stopped = false;
      const load = Promise.all(vus.map((vu) => vu.run(client, () => stopped)));
      const waitMs = random.int(killEveryMsMin, killEveryMsMax);
      const shard = random.int(0, SHARDS - 1);
      await sleep(Math.min(waitMs, Math.max(0, endMs - Date.now())));
      if (Date.now() >= endMs) {
        stopped = true;
        await load;
        break;
      }
      const pid = pidOf(dataDir, shard);
      if (pid === undefined) {
        record.violation(`shard ${shard} has no pid file before kill ${kills.length + 1}`);
        stopped = true;
        await load;
        break;
      }
      process.kill(pid, "SIGKILL");
      kills.push({ atMs: Date.now() - loadStartedMs - checksMs, shard });
      // The load goes on while the shard is down and comes back; then it pauses for the check.
      const back = await restarted(dataDir, baseUrl, shard, pid, world);
      stopped = true;
      await load;
      if (!back) {
        record.violation(
          `shard ${shard} did not serve again within ${RESTART_TIMEOUT_MS} ms of kill ${kills.length}`,
        );
        break;
      }
      const checkStartedMs = Date.now();
      await checkOverHttp(baseUrl, record, world, `after kill ${kills.length} (shard ${shard})`, false);
      endMs += Date.now() - checkStartedMs;
      checksMs += Date.now() - checkStartedMs;
      log(
        `kill ${kills.length}: shard ${shard} (pid ${pid}) at ${formatSeconds(kills.at(-1)?.atMs ?? 0)}; ` +
          `${record.requests} requests, ${record.unavailable} answered 503, ${record.violations.length} violations`,
      );
    }
    // The sagas settle: poll until no wallet has money pending, bounded.
    loadMs = Date.now() - loadStartedMs - checksMs;
    // Twice in a row, so that a saga whose reserve was still on its way is seen too.
    const settleDeadline = Date.now() + SETTLE_TIMEOUT_MS;
    let settledReads = 0;
    while (settledReads < 2 && Date.now() < settleDeadline) {
      const settled = await checkOverHttp(baseUrl, record, world, "settling", false, false);
      settledReads = settled ? settledReads + 1 : 0;
      await sleep(500);
    }
    await checkOverHttp(baseUrl, record, world, "at the end", true);
  } finally {
    await cluster.stop();
  }
  const journals = cluster.shards.map((shard) => shard.journal);
  for (const violation of await checkClusterJournals(journals, record.acknowledged)) {
    record.violation(`journals: ${violation}`);
  }
  const violations = [...record.violations];
  if (violations.length === 0 && options.keepDir !== true) {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const { acknowledged } = record;
  const acknowledgedByKind = {
    charge: acknowledged.charges.size,
    hold: acknowledged.holds.size,
    pay: acknowledged.payments.size,
    cancel: acknowledged.cancels.size,
  };
  return {
    seed,
    kills,
    requests: record.requests,
    acknowledgedByKind,
    acknowledgedWrites: Object.values(acknowledgedByKind).reduce((s, n) => s + n, 0),
    crossShardPayments: record.crossShard,
    sameShardPayments: record.sameShard,
    retries: vus.reduce((sum, vu) => sum + vu.retries, 0),
    unavailable: record.unavailable,
    outcomes: Object.fromEntries([...record.outcomes].sort((a, b) => b[1] - a[1])),
    loadMs,
    durationMs: Date.now() - startedMs,
    dir: dataDir,
    journals,
    acknowledged,
    violations,
  };
}

function formatSeconds(ms: number): string {
  return `${(ms / 1_000).toFixed(1)} s`;
}
