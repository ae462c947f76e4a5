/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-call, @typescript-eslint/no-explicit-any --
   the answers are checked field by field against what the API promises; typing them adds nothing. */
/**
 * A real cluster: `scripts/cluster.ts` (what `npm run cluster` runs) with 3 shards behind a real
 * HAProxy on loopback, started once for the file, killed shard by shard, and stopped with SIGTERM.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/cluster/cluster.ts";
import { CLUSTER_START_TIMEOUT_MS, isAlive, spawnCluster } from "../../support/cluster-process.ts";
import { shardOfKey, walletShardOf } from "../../src/cluster/ownership.ts";
import { tempDir } from "../../support/temp-dir.ts";

const SHARDS = 3;
const ADMIN = "cluster-test-admin";
const RESTART_TIMEOUT_MS = 30_000;
const DRAIN_DELAY_MS = 1_500;

let dataDir: string;
let cluster: ChildProcess;
let api: string;
let shardUrls: string[];
let exited: Promise<number | null>;

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

async function call(
  method: string,
  url: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const response = await fetch(url, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { "content-type": "application/json" }),
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...options.headers,
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

const pidOf = (shard: number): number | undefined => {
  try {
    return Number(readFileSync(join(dataDir, `shard-${shard}.pid`), "utf8"));
  } catch {
    return undefined;
  }
};

async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** The first of `answers` to settle that `wanted` accepts (failures ignored); fails when none does. */
function firstAnswer(answers: Promise<Answer>[], wanted: (answer: Answer) => boolean): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let settled = 0;
    for (const answer of answers) {
      answer
        .then(
          (value) => (wanted(value) ? resolve(value) : undefined),
          () => undefined,
        )
        .finally(() => {
          settled += 1;
          if (settled === answers.length) {
            reject(new Error("no answer was the one wanted"));
          }
        });
    }
  });
}

async function createConcert(title: string, seatCount = 20): Promise<any> {
  const created = await call("POST", `${api}/admin/concerts`, {
    token: ADMIN,
    body: { title, schedules: [{ startsAt: "2030-01-01T10:00:00Z", seatCount, price: 1000 }] },
  });
  expect(created.status).toBe(201);
  return created.body;
}

/** A user id whose wallet is on `shard` (or, with `not`, on any other shard). */
function userOn(shard: number, prefix: string, not = false): string {
  for (let i = 0; ; i += 1) {
    const userId = `${prefix}-${i}`;
    if ((walletShardOf(userId, SHARDS) === shard) !== not) {
      return userId;
    }
  }
}

async function activeToken(userId: string, concertId: string): Promise<string> {
  const issued = await call("POST", `${api}/queue/tokens`, { body: { userId, concertId } });
  expect(issued.status).toBe(201);
  expect(issued.body.status).toBe("ACTIVE");
  return issued.body.token as string;
}

/** Charges `userId` with `charge` won, takes a token and holds `seat` (1,000 won) of the concert. */
async function holdFor(
  userId: string,
  concert: any,
  seat: number,
  charge = 10_000,
): Promise<{ token: string; reservationId: string }> {
  expect(
    (await call("POST", `${api}/users/${userId}/balance/charge`, { body: { amount: charge } })).status,
  ).toBe(200);
  const token = await activeToken(userId, concert.concertId as string);
  const hold = await call("POST", `${api}/reservations`, {
    token,
    body: { scheduleId: concert.schedules[0].scheduleId, seatNumbers: [seat] },
  });
  expect(hold.status).toBe(201);
  return { token, reservationId: hold.body.reservationId as string };
}

/** Waits until the supervisor has restarted shard `shard` (killed as `pid`) and it serves again. */
async function restarted(shard: number, pid: number): Promise<void> {
  await eventually(
    `the supervisor restarts shard ${shard}`,
    () => {
      const now = pidOf(shard);
      return Promise.resolve(now !== undefined && now !== pid && isAlive(now) ? now : undefined);
    },
    RESTART_TIMEOUT_MS,
  );
  await eventually(
    `shard ${shard} is ready`,
    async () => {
      const ready = await call("GET", `${shardUrls[shard]}/health/ready`).catch(() => undefined);
      return ready?.status === 200 ? true : undefined;
    },
    RESTART_TIMEOUT_MS,
  );
}

/** A concert on some shard and a user whose wallet is on another. */
async function sagaCase(
  title: string,
  prefix: string,
): Promise<{ concert: any; owner: number; userId: string; walletShard: number }> {
  const concert = await createConcert(title);
  const owner = shardOfKey(concert.concertId as string) as number;
  const userId = userOn(owner, prefix, true);
  return { concert, owner, userId, walletShard: walletShardOf(userId, SHARDS) };
}

/**
 * Pauses the wallet's shard (SIGSTOP: a reserve sent to it waits in its socket), runs `inFlight`, then
 * kills the coordinator's shard with SIGKILL and lets the wallet's shard go on (SIGCONT), so the wallet
 * journals the reserve after its coordinator died. Resolves with what `inFlight` did once the
 * coordinator's shard is back.
 */
async function killCoordinatorAfterReserve<T>(
  coordinator: number,
  walletShard: number,
  inFlight: () => Promise<T>,
): Promise<T> {
  const walletPid = pidOf(walletShard) as number;
  const pid = pidOf(coordinator) as number;
  process.kill(walletPid, "SIGSTOP");
  let result: T;
  try {
    result = await inFlight();
    process.kill(pid, "SIGKILL");
  } finally {
    process.kill(walletPid, "SIGCONT");
  }
  await restarted(coordinator, pid);
  return result;
}

/** A reservation read once HAProxy's health check has seen its shard up again. */
function reservationOnceServed(reservationId: string): Promise<Answer> {
  return eventually(
    "the restarted shard serves the reservation",
    async () => {
      const read = await call("GET", `${api}/reservations/${reservationId}`);
      return read.status === 200 ? read : undefined;
    },
    RESTART_TIMEOUT_MS,
  );
}

/**
 * The payment's final answer: `first` if it was one, else what a retry with the same key answers once
 * the saga has ended (a retry may find the token spent by the sale: TOKEN_EXPIRED is then no outcome).
 */
async function finalAnswer(
  token: string,
  reservationId: string,
  headers: Record<string, string>,
  first: Answer | undefined,
): Promise<Answer> {
  const final = (answer: Answer | undefined): answer is Answer =>
    answer !== undefined &&
    answer.status !== 503 &&
    !(answer.status === 409 && answer.body?.error?.code === "PAYMENT_IN_PROGRESS");
  if (final(first)) {
    return first;
  }
  return eventually(
    "the payment has an outcome",
    async () => {
      const answer = await call("POST", `${api}/payments`, { token, body: { reservationId }, headers }).catch(
        () => undefined,
      );
      return final(answer) ? answer : undefined;
    },
    RESTART_TIMEOUT_MS,
  );
}

/**
 * Waits until `userId`'s wallet has settled: nothing pending (what it can spend equals its ledger's
 * balance), `balance` won left, and `payments` payment lines in its ledger.
 */
async function settled(userId: string, balance: number, payments: number): Promise<void> {
  const seen = await eventually(
    `the wallet of ${userId} settles`,
    async () => {
      const read = await call("GET", `${api}/users/${userId}/balance`);
      const lines = await call("GET", `${api}/users/${userId}/balance/transactions?limit=100`);
      if (read.status !== 200 || lines.status !== 200) {
        return undefined;
      }
      const ledger = (lines.body.transactions as { type: string; balanceAfter: number }[]) ?? [];
      const ledgerBalance = ledger[0]?.balanceAfter;
      return read.body.balance === ledgerBalance && read.body.balance === balance
        ? { read, ledger }
        : undefined;
    },
    RESTART_TIMEOUT_MS,
  );
  expect(seen.ledger.filter((line) => line.type === "PAYMENT")).toHaveLength(payments);
}

beforeAll(async () => {
  dataDir = tempDir("cluster");
  const port = await freePort();
  api = `http://127.0.0.1:${port}/api/v1`;
  cluster = await spawnCluster(process.execPath, ["--import", "tsx", "scripts/cluster.ts"], {
    SHARDS: String(SHARDS),
    DATA_DIR: dataDir,
    PORT: String(port),
    ADMIN_TOKEN: ADMIN,
    LOG_LEVEL: "warn",
    DRAIN_DELAY_MS: String(DRAIN_DELAY_MS),
    SHARD_SECRET: undefined,
  });
  exited = new Promise((resolve) => cluster.on("exit", (code) => resolve(code)));
  const config = readFileSync(join(dataDir, "haproxy.cfg"), "utf8");
  shardUrls = [...config.matchAll(/^backend shard(\d+)\n {2}server s\d+ (\S+) check$/gm)].map(
    (match) => `http://${match[2]}`,
  );
  expect(shardUrls).toHaveLength(SHARDS);
}, CLUSTER_START_TIMEOUT_MS + 10_000);

afterAll(async () => {
  // When the SIGTERM test did not run (a filtered run), stop the cluster the same way, shards included.
  if (cluster.exitCode === null && cluster.signalCode === null) {
    cluster.kill("SIGTERM");
    await Promise.race([exited, sleep(20_000)]);
  }
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

describe("a 3-shard cluster behind HAProxy", () => {
  it("writes each shard's pid, and each names a live process of its own", () => {
    const pids = Array.from({ length: SHARDS }, (_, shard) => pidOf(shard));
    for (const pid of pids) {
      expect(pid).toBeGreaterThan(0);
      expect(isAlive(pid as number)).toBe(true);
    }
    expect(new Set(pids).size).toBe(SHARDS);
  });

  it("places a new concert on one shard, and every id of it carries that shard's tag", async () => {
    const concerts = [
      await createConcert("Tag A"),
      await createConcert("Tag B"),
      await createConcert("Tag C"),
    ];
    const owners = new Set<number>();
    for (const concert of concerts) {
      const owner = shardOfKey(concert.concertId as string) as number;
      expect(owner).toBeGreaterThanOrEqual(0);
      expect(owner).toBeLessThan(SHARDS);
      owners.add(owner);
      for (const schedule of concert.schedules as { scheduleId: string }[]) {
        expect(shardOfKey(schedule.scheduleId)).toBe(owner);
      }
      // The owner serves it directly; another shard refuses it rather than guessing.
      const path = `/api/v1/concerts/${concert.concertId}/schedules`;
      expect((await call("GET", `${shardUrls[owner]}${path}`)).status).toBe(200);
      const other = await call("GET", `${shardUrls[(owner + 1) % SHARDS]}${path}`);
      expect(other.status).toBe(503);
      expect(other.body.error.code).toBe("SHARD_UNAVAILABLE");
    }
    // Round robin spreads three creations over the three shards.
    expect(owners.size).toBe(SHARDS);
  });

  it("routes tokens, polls, holds, reads and cancels of a concert to its shard", async () => {
    for (let round = 0; round < SHARDS; round += 1) {
      const concert = await createConcert(`Flow ${round}`);
      const owner = shardOfKey(concert.concertId as string);
      // HAProxy sends a token request to the owner by the concert in its body.
      const token = await activeToken(`flow-${round}`, concert.concertId as string);
      expect(shardOfKey(token)).toBe(owner);
      expect((await call("GET", `${api}/queue/tokens/current`, { token })).status).toBe(200);
      const held = await call("POST", `${api}/reservations`, {
        token,
        body: { scheduleId: concert.schedules[0].scheduleId, seatNumbers: [1, 2] },
      });
      expect(held.status).toBe(201);
      expect(shardOfKey(held.body.reservationId as string)).toBe(owner);
      expect((await call("GET", `${api}/reservations/${held.body.reservationId}`)).body.status).toBe("HELD");
      const seats = await call(
        "GET",
        `${api}/schedules/${concert.schedules[0].scheduleId}/seats?status=HELD`,
      );
      expect(seats.body.seats.map((seat: { seatNumber: number }) => seat.seatNumber)).toEqual([1, 2]);
      const cancelled = await call("DELETE", `${api}/reservations/${held.body.reservationId}`, { token });
      expect(cancelled.status).toBe(200);
    }
  });

  it("routes a token request by the concert in its body, and a shard forwards one sent to it directly", async () => {
    /** POST requests a shard has answered, from its own /metrics. */
    const postsAnswered = async (shardUrl: string): Promise<number> => {
      const text = await (await fetch(`${shardUrl}/metrics`)).text();
      return [
        ...text.matchAll(/^app_http_request_duration_seconds_count\{[^}]*method="POST"[^}]*\} (\d+)$/gm),
      ]
        .map((match) => Number(match[1]))
        .reduce((sum, count) => sum + count, 0);
    };
    const concert = await createConcert("Body rule");
    const owner = shardOfKey(concert.concertId as string) as number;
    const before = await Promise.all(shardUrls.map(postsAnswered));
    for (let i = 0; i < 6; i += 1) {
      expect(shardOfKey(await activeToken(`body-${i}`, concert.concertId as string))).toBe(owner);
    }
    const after = await Promise.all(shardUrls.map(postsAnswered));
    // HAProxy read the concert from the body: only the owner saw the six requests, none was forwarded.
    expect(after.map((count, shard) => count - (before[shard] as number))).toEqual(
      shardUrls.map((_, shard) => (shard === owner ? 6 : 0)),
    );
    // What HAProxy cannot route reaches any shard, and the forward is the safety net.
    const forwarded = await call("POST", `${shardUrls[(owner + 1) % SHARDS]}/api/v1/queue/tokens`, {
      body: { userId: "body-direct", concertId: concert.concertId },
    });
    expect(forwarded.status).toBe(201);
    expect(shardOfKey(forwarded.body.token as string)).toBe(owner);
  });

  it("routes a wallet to its bucket's shard, and HAProxy's hash agrees with Node's on many user ids", async () => {
    const charged = await call("POST", `${api}/users/wallet-user/balance/charge`, { body: { amount: 5000 } });
    expect(charged.status).toBe(200);
    const owner = walletShardOf("wallet-user", SHARDS);
    expect((await call("GET", `${shardUrls[owner]}/api/v1/users/wallet-user/balance`)).body.balance).toBe(
      5000,
    );
    const elsewhere = await call(
      "GET",
      `${shardUrls[(owner + 1) % SHARDS]}/api/v1/users/wallet-user/balance`,
    );
    expect(elsewhere.status).toBe(503);
    // A shard refuses a wallet that is not its own, so a 200 through HAProxy means it chose the same shard.
    const statuses = await Promise.all(
      Array.from({ length: 300 }, (_, i) => call("GET", `${api}/users/u${i * 7919}-x_${i}/balance`)),
    );
    expect(statuses.filter((answer) => answer.status !== 200)).toEqual([]);
  });

  it("lists the concerts of every shard in creation order, as a single node does", async () => {
    const before = await call("GET", `${api}/concerts`);
    const created = [];
    for (let i = 0; i < 4; i += 1) {
      created.push(((await createConcert(`Order ${i}`)) as { concertId: string }).concertId);
    }
    const listed = await call("GET", `${api}/concerts`);
    expect(listed.status).toBe(200);
    const ids = (listed.body.concerts as { concertId: string; title: string }[]).map((c) => c.concertId);
    expect(ids).toEqual([
      ...(before.body.concerts as { concertId: string }[]).map((c) => c.concertId),
      ...created,
    ]);
    expect(listed.body.concerts[0].title).toBe("Demo Concert");
    expect(shardOfKey(ids[0] as string)).toBe(0);
  });

  it("lists a user's reservations across shards, newest first", async () => {
    const userId = "lister";
    const held: string[] = [];
    for (let i = 0; i < SHARDS; i += 1) {
      const concert = await createConcert(`List ${i}`);
      const token = await activeToken(userId, concert.concertId as string);
      const hold = await call("POST", `${api}/reservations`, {
        token,
        body: { scheduleId: concert.schedules[0].scheduleId, seatNumbers: [3] },
      });
      expect(hold.status).toBe(201);
      held.push(hold.body.reservationId as string);
      await new Promise((done) => setTimeout(done, 5));
    }
    expect(new Set(held.map((id) => shardOfKey(id))).size).toBe(SHARDS);
    const listed = await call("GET", `${api}/users/${userId}/reservations`);
    expect(listed.status).toBe(200);
    expect(listed.body.reservations.map((r: { reservationId: string }) => r.reservationId)).toEqual(
      [...held].reverse(),
    );
  });

  it("pays when the wallet is on the reservation's shard, as one entry", async () => {
    const concert = await createConcert("Pay");
    const owner = shardOfKey(concert.concertId as string) as number;
    const userId = userOn(owner, "payer");
    const { token, reservationId } = await holdFor(userId, concert, 10);
    const local = await call("POST", `${api}/payments`, { token, body: { reservationId } });
    expect(local.status).toBe(201);
    expect(local.body.status).toBe("COMPLETED");
    expect(local.body.balance).toBe(9_000);
  });

  describe("a payment from a wallet on another shard is a saga", () => {
    it("sells the seats, debits the wallet once and spends the token; a keyed retry gets the same answer", async () => {
      const concert = await createConcert("Saga pay");
      const owner = shardOfKey(concert.concertId as string) as number;
      const userId = userOn(owner, "saga-payer", true);
      const { token, reservationId } = await holdFor(userId, concert, 1);
      const headers = { "idempotency-key": "saga-pay-1" };
      const paid = await call("POST", `${api}/payments`, { token, body: { reservationId }, headers });
      expect(paid.status).toBe(201);
      expect(paid.body).toMatchObject({
        reservationId,
        userId,
        amount: 1_000,
        balance: 9_000,
        status: "COMPLETED",
      });
      expect(shardOfKey(paid.body.paymentId as string)).toBe(owner);
      expect((await call("GET", `${api}/reservations/${reservationId}`)).body.status).toBe("CONFIRMED");
      expect((await call("GET", `${api}/queue/tokens/current`, { token })).body.error.code).toBe(
        "TOKEN_EXPIRED",
      );
      const again = await call("POST", `${api}/payments`, { token, body: { reservationId }, headers });
      expect(again.status).toBe(201);
      expect(again.body).toEqual(paid.body);
      await settled(userId, 9_000, 1);
    });

    it("refuses 402 when the spendable balance is short, takes nothing, and a keyed retry gets the same 402", async () => {
      const concert = await createConcert("Saga short");
      const owner = shardOfKey(concert.concertId as string) as number;
      const userId = userOn(owner, "saga-short", true);
      const { token, reservationId } = await holdFor(userId, concert, 1, 500);
      const headers = { "idempotency-key": "saga-short-1" };
      const refused = await call("POST", `${api}/payments`, { token, body: { reservationId }, headers });
      expect(refused.status).toBe(402);
      expect(refused.body.error.code).toBe("INSUFFICIENT_BALANCE");
      const again = await call("POST", `${api}/payments`, { token, body: { reservationId }, headers });
      expect(again.status).toBe(402);
      expect(again.body.error.code).toBe("INSUFFICIENT_BALANCE");
      expect((await call("GET", `${api}/reservations/${reservationId}`)).body.status).toBe("HELD");
      expect((await call("GET", `${api}/queue/tokens/current`, { token })).body.status).toBe("ACTIVE");
      await settled(userId, 500, 0);
    });

    it("finishes a payment whose wallet's shard was killed before it began, once the supervisor restarts it", async () => {
      const { concert, userId, walletShard } = await sagaCase("Saga wallet down", "saga-wallet-down");
      const { token, reservationId } = await holdFor(userId, concert, 1);
      const pid = pidOf(walletShard) as number;
      process.kill(pid, "SIGKILL");
      const headers = { "idempotency-key": "saga-wallet-down-1" };
      const first = await call("POST", `${api}/payments`, { token, body: { reservationId }, headers });
      await restarted(walletShard, pid);
      const outcome = await finalAnswer(token, reservationId, headers, first);
      expect(outcome.status).toBe(201);
      expect((await call("GET", `${api}/reservations/${reservationId}`)).body.status).toBe("CONFIRMED");
      await settled(userId, 9_000, 1);
    });

    it("posts exactly once when the wallet's shard is killed right after the sale, with the post in flight", async () => {
      const { concert, userId, walletShard } = await sagaCase("Saga wallet crash", "saga-wallet-crash");
      const { token, reservationId } = await holdFor(userId, concert, 1);
      const pid = pidOf(walletShard) as number;
      const paid = await call("POST", `${api}/payments`, { token, body: { reservationId } });
      process.kill(pid, "SIGKILL");
      expect(paid.status).toBe(201);
      await restarted(walletShard, pid);
      expect((await call("GET", `${api}/reservations/${reservationId}`)).body.status).toBe("CONFIRMED");
      await settled(userId, 9_000, 1);
    });

    it("sells after the coordinator's shard is killed once its reserve reached the wallet, and the wallet posts", async () => {
      const { concert, owner, userId, walletShard } = await sagaCase("Saga coordinator crash", "saga-coord");
      const { token, reservationId } = await holdFor(userId, concert, 1);
      const headers = { "idempotency-key": "saga-coordinator-crash-1" };
      const answer = await killCoordinatorAfterReserve(owner, walletShard, async () => {
        const first = call("POST", `${api}/payments`, { token, body: { reservationId }, headers }).catch(
          () => undefined,
        );
        await sleep(300);
        return first;
      });
      const outcome = await finalAnswer(token, reservationId, headers, answer);
      expect(outcome.status).toBe(201);
      expect((await reservationOnceServed(reservationId)).body.status).toBe("CONFIRMED");
      await settled(userId, 9_000, 1);
    });

    it("aborts a saga whose hold was cancelled, and the wallet voids after the coordinator's shard restarts", async () => {
      const { concert, owner, userId, walletShard } = await sagaCase("Saga abort", "saga-abort");
      const { token, reservationId } = await holdFor(userId, concert, 1);
      const headers = { "idempotency-key": "saga-abort-1" };
      const answer = await killCoordinatorAfterReserve(owner, walletShard, async () => {
        const first = call("POST", `${api}/payments`, { token, body: { reservationId }, headers }).catch(
          () => undefined,
        );
        await sleep(300);
        expect((await call("DELETE", `${api}/reservations/${reservationId}`, { token })).status).toBe(200);
        // The coordinator's sweep (every second) aborts the saga whose hold ended, and answers its client.
        return first;
      });
      const outcome = await finalAnswer(token, reservationId, headers, answer);
      expect(outcome.status).toBe(410);
      expect(outcome.body.error.code).toBe("HOLD_EXPIRED");
      expect((await reservationOnceServed(reservationId)).body.status).toBe("CANCELLED");
      await settled(userId, 10_000, 0);
    });
  });

  it("hides the internal endpoints from clients, and shards refuse them without the secret", async () => {
    const viaRouter = await call("GET", `http://${new URL(api).host}/internal/v1/concerts`);
    expect(viaRouter.status).toBe(404);
    expect(viaRouter.body.error.code).toBe("NOT_FOUND");
    expect(typeof viaRouter.body.error.requestId).toBe("string");
    const direct = await call("GET", `${shardUrls[0]}/internal/v1/concerts`, {
      headers: { "x-shard-secret": "a-wrong-secret" },
    });
    expect(direct.status).toBe(404);
  });

  it("keeps a shard's failure local: 503 SHARD_UNAVAILABLE for its keys, 200 elsewhere, then it comes back with everything", async () => {
    const concerts = [];
    while (new Set(concerts.map((c) => shardOfKey(c.concertId as string))).size < 2) {
      concerts.push(await createConcert(`Crash ${concerts.length}`));
    }
    const victim = concerts[0];
    const victimShard = shardOfKey(victim.concertId as string) as number;
    const survivor = concerts.find((c) => shardOfKey(c.concertId as string) !== victimShard);
    const token = await activeToken("survivor-of-crash", victim.concertId as string);
    const hold = await call("POST", `${api}/reservations`, {
      token,
      body: { scheduleId: victim.schedules[0].scheduleId, seatNumbers: [5, 6] },
    });
    expect(hold.status).toBe(201);

    const pid = pidOf(victimShard) as number;
    process.kill(pid, "SIGKILL");
    // A request racing the kill meets a kept-alive connection the dead shard closed (HAProxy passes
    // that on by closing the client's), or waits out HAProxy's connect retry. Once HAProxy's health
    // check has seen the shard down (within 500 ms), its keys get 503 at once: probe every 100 ms.
    const down = await firstAnswer(
      Array.from({ length: 30 }, (_, i) =>
        sleep(i * 100).then(() =>
          call("GET", `${api}/concerts/${victim.concertId}/schedules`, {
            headers: { "x-request-id": "crash-probe-1" },
          }),
        ),
      ),
      (answer) => answer.status === 503,
    );
    expect(down.status).toBe(503);
    expect(down.headers.get("retry-after")).toBe("1");
    expect(down.body).toEqual({
      error: { code: "SHARD_UNAVAILABLE", message: expect.any(String), requestId: "crash-probe-1" },
    });
    expect((await call("GET", `${api}/reservations/${hold.body.reservationId}`)).status).toBe(503);
    expect((await call("GET", `${api}/concerts/${survivor.concertId}/schedules`)).status).toBe(200);
    const list = await call("GET", `${api}/concerts`);
    expect(list.status).toBe(503);
    expect(list.body.error.code).toBe("SHARD_UNAVAILABLE");

    const newPid = await eventually(
      "the supervisor restarts the shard",
      () => {
        const now = pidOf(victimShard);
        return Promise.resolve(now !== undefined && now !== pid && isAlive(now) ? now : undefined);
      },
      RESTART_TIMEOUT_MS,
    );
    expect(newPid).not.toBe(pid);
    const back = await eventually(
      "the restarted shard serves its keys",
      async () => {
        const answer = await call("GET", `${api}/reservations/${hold.body.reservationId}`);
        return answer.status === 200 ? answer : undefined;
      },
      RESTART_TIMEOUT_MS,
    );
    expect(back.body.status).toBe("HELD");
    expect(back.body.seatNumbers).toEqual([5, 6]);
    expect((await call("GET", `${api}/queue/tokens/current`, { token })).body.status).toBe("ACTIVE");
  });

  it("drains on SIGTERM (HAProxy sees the shards' readiness turn 503) and exits 0", async () => {
    const concert = await createConcert("Drain");
    const path = `${api}/concerts/${concert.concertId}/schedules`;
    expect((await call("GET", path)).status).toBe(200);
    cluster.kill("SIGTERM");
    const drained = await eventually(
      "HAProxy takes the draining shard out",
      async () => {
        const answer = await call("GET", path).catch(() => undefined);
        return answer?.status === 503 ? answer : undefined;
      },
      DRAIN_DELAY_MS + 5_000,
    );
    expect(drained.body.error.code).toBe("SHARD_UNAVAILABLE");
    expect(await exited).toBe(0);
    for (let shard = 0; shard < SHARDS; shard += 1) {
      expect(pidOf(shard)).toBeUndefined();
    }
  });
});
