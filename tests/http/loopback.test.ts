import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { expectError, expectStatus } from "../support/app-harness.ts";
import { DEMO_SEAT_PRICE_WON } from "../../src/demo-data.ts";
import { call } from "../support/contract-conformance.ts";
import {
  killAllServers,
  pollUntil,
  runServerToExit,
  startServer,
  type ServerProcess,
} from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

/**
 * The second suite: the server as users run it (a child process started from src/main.ts, configured
 * by its environment), over real HTTP on 127.0.0.1, on a temporary journal.
 */

const ADMIN_TOKEN = "loopback-admin-token";
const SHORT_HOLD_TTL_MS = 1_500;

interface TokenBody {
  token: string;
  status: string;
  position: number;
  expiresAt: string | null;
}
interface ConcertList {
  concerts: { concertId: string; title: string }[];
}
interface ScheduleList {
  schedules: { scheduleId: string; startsAt: string; totalSeats: number; availableSeats: number }[];
}
interface SeatMap {
  seats: { seatNumber: number; status: string; price: number }[];
}
interface Reservation {
  reservationId: string;
  status: string;
  seatNumbers: number[];
  amount: number;
  expiresAt: string;
  paidAt: string | null;
}

/** A client of one running server, with the steps of the booking flow. */
function client(server: ServerProcess) {
  const request = (method: string, url: string, options?: Parameters<typeof call>[3]) =>
    call(server.baseUrl, method, url, options);
  return {
    request,
    async demoConcertId(): Promise<string> {
      const { concerts } = expectStatus<ConcertList>(await request("GET", "/api/v1/concerts"), 200);
      const demo = concerts.filter((c) => c.title === "Demo Concert");
      expect(demo).toHaveLength(1);
      return demo[0]?.concertId ?? "";
    },
    async activeToken(userId: string, concertId: string): Promise<string> {
      const issued = await request("POST", "/api/v1/queue/tokens", { body: { userId, concertId } });
      const token = expectStatus<TokenBody>(issued, 201);
      expect(token.status).toBe("ACTIVE");
      return token.token;
    },
    async seats(scheduleId: string): Promise<SeatMap["seats"]> {
      return expectStatus<SeatMap>(await request("GET", `/api/v1/schedules/${scheduleId}/seats`), 200).seats;
    },
    async balance(userId: string): Promise<number> {
      return expectStatus<{ balance: number }>(await request("GET", `/api/v1/users/${userId}/balance`), 200)
        .balance;
    },
    async ledger(userId: string): Promise<unknown[]> {
      const result = await request("GET", `/api/v1/users/${userId}/balance/transactions?limit=500`);
      return expectStatus<{ transactions: unknown[] }>(result, 200).transactions;
    },
  };
}

function serverEnv(databasePath: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    DATABASE_PATH: databasePath,
    SEED_DEMO: "true",
    ADMIN_TOKEN,
    QUEUE_ADMIT_INTERVAL_MS: "100",
    ...overrides,
  };
}

// A safety net: whatever a test left running is killed when the file is done.
afterAll(async () => {
  await killAllServers();
});

describe("a running server", () => {
  let dir: string;
  /** Holds last the default 5 minutes here, so a slow machine cannot see a hold expire mid-test. */
  let server: ServerProcess;
  /** Holds last SHORT_HOLD_TTL_MS here, so their expiry can be watched. */
  let shortHoldServer: ServerProcess;

  beforeAll(async () => {
    dir = tempDir("loopback-");
    const queue = { QUEUE_MAX_ACTIVE: "1000", QUEUE_ADMIT_BATCH: "500" };
    [server, shortHoldServer] = await Promise.all([
      startServer({ env: serverEnv(path.join(dir, "journal.db"), queue) }),
      startServer({
        env: serverEnv(path.join(dir, "short-holds.db"), {
          ...queue,
          HOLD_TTL_MS: String(SHORT_HOLD_TTL_MS),
        }),
      }),
    ]);
  });

  afterAll(async () => {
    await killAllServers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("binds to 127.0.0.1 and answers /health", async () => {
    expect(server.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const health = expectStatus<{ status: string }>(await call(server.baseUrl, "GET", "/health"), 200);
    expect(health.status).toBe("ok");
  });

  it("answers client mistakes on the wire with a 4xx and the error body", async () => {
    const api = client(server);
    expectError(await api.request("GET", "/api/v1/nope"), 404, "NOT_FOUND");
    const wrongMethod = await api.request("PUT", "/api/v1/concerts");
    expectError(wrongMethod, 405, "METHOD_NOT_ALLOWED");
    expect(wrongMethod.headers.get("allow")).toBe("GET");
    expectError(
      await api.request("POST", "/api/v1/users/wire/balance/charge", { body: '{"amount":' }),
      400,
      "VALIDATION_FAILED",
    );
    const oversized = JSON.stringify({ amount: 1, padding: "x".repeat(20 * 1024) });
    expectError(
      await api.request("POST", "/api/v1/users/wire/balance/charge", { body: oversized }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    expect(await api.balance("wire")).toBe(0);
  });

  it("serves the whole flow: token, schedules, seats, charge, hold, pay, CONFIRMED, token ended", async () => {
    const api = client(server);
    const concertId = await api.demoConcertId();
    const token = await api.activeToken("flow-user", concertId);
    const current = expectStatus<TokenBody>(
      await api.request("GET", "/api/v1/queue/tokens/current", { token }),
      200,
    );
    expect(current).toMatchObject({ token, status: "ACTIVE", position: 0 });

    const { schedules } = expectStatus<ScheduleList>(
      await api.request("GET", `/api/v1/concerts/${concertId}/schedules?available=true`),
      200,
    );
    expect(schedules).toHaveLength(3);
    expect(schedules.every((s) => s.totalSeats === 50)).toBe(true);
    const scheduleId = schedules[0]?.scheduleId ?? "";
    const free = expectStatus<SeatMap>(
      await api.request("GET", `/api/v1/schedules/${scheduleId}/seats?status=AVAILABLE`),
      200,
    ).seats;
    expect(free[0]?.price).toBe(50_000);
    const seatNumbers = free.slice(0, 2).map((s) => s.seatNumber);

    const charged = await api.request("POST", "/api/v1/users/flow-user/balance/charge", {
      body: { amount: 150_000 },
    });
    expect(expectStatus<{ balance: number }>(charged, 200).balance).toBe(150_000);

    const held = expectStatus<Reservation>(
      await api.request("POST", "/api/v1/reservations", { token, body: { scheduleId, seatNumbers } }),
      201,
    );
    expect(held).toMatchObject({ status: "HELD", amount: 100_000, seatNumbers });
    const paid = await api.request("POST", "/api/v1/payments", {
      token,
      body: { reservationId: held.reservationId },
    });
    expect(expectStatus(paid, 201)).toMatchObject({
      reservationId: held.reservationId,
      userId: "flow-user",
      amount: 100_000,
      balance: 50_000,
      status: "COMPLETED",
    });

    const reservation = expectStatus<Reservation>(
      await api.request("GET", `/api/v1/reservations/${held.reservationId}`),
      200,
    );
    expect(reservation.status).toBe("CONFIRMED");
    expect(reservation.paidAt).not.toBeNull();
    const seats = await api.seats(scheduleId);
    expect(seatNumbers.map((n) => seats.find((s) => s.seatNumber === n)?.status)).toEqual([
      "BOOKED",
      "BOOKED",
    ]);
    expectError(await api.request("GET", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");
    expect(await api.balance("flow-user")).toBe(50_000);
  });

  it("lets exactly one of 200 ACTIVE users hold a seat they all ask for at once; 199 get 409 SEAT_UNAVAILABLE", async () => {
    const api = client(server);
    const created = await api.request("POST", "/api/v1/admin/concerts", {
      token: ADMIN_TOKEN,
      body: { title: "Race", schedules: [{ startsAt: "2026-12-24T19:00:00Z", seatCount: 10, price: 1_000 }] },
    });
    const concert = expectStatus<{ concertId: string; schedules: { scheduleId: string }[] }>(created, 201);
    const scheduleId = concert.schedules[0]?.scheduleId ?? "";
    const users = Array.from({ length: 200 }, (_, i) => `racer-${i}`);
    const tokens: string[] = [];
    for (let i = 0; i < users.length; i += 50) {
      tokens.push(
        ...(await Promise.all(users.slice(i, i + 50).map((u) => api.activeToken(u, concert.concertId)))),
      );
    }

    const answers = await Promise.all(
      tokens.map((token) =>
        api.request("POST", "/api/v1/reservations", { token, body: { scheduleId, seatNumber: 7 } }),
      ),
    );
    const statuses = answers.map((a) => a.status);
    const winners = answers.filter((a) => a.status === 201).map((a) => a.text);
    expect(winners, winners.join("\n")).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(199);
    for (const answer of answers.filter((a) => a.status === 409)) {
      expect(expectError(answer, 409, "SEAT_UNAVAILABLE").seatNumbers).toEqual([7]);
    }
    const winner = answers.find((a) => a.status === 201)?.body as Reservation;
    const seats = await api.seats(scheduleId);
    expect(seats.filter((s) => s.status !== "AVAILABLE").map((s) => s.seatNumber)).toEqual([7]);
    expect(
      expectStatus<Reservation>(await api.request("GET", `/api/v1/reservations/${winner.reservationId}`), 200)
        .status,
    ).toBe("HELD");
  });

  it("expires a hold with no request arriving, and refuses to pay it afterwards with 410 taking no money", async () => {
    const api = client(shortHoldServer);
    const concertId = await api.demoConcertId();
    const token = await api.activeToken("late-payer", concertId);
    const { schedules } = expectStatus<ScheduleList>(
      await api.request("GET", `/api/v1/concerts/${concertId}/schedules`),
      200,
    );
    const scheduleId = schedules[1]?.scheduleId ?? "";
    expectStatus(
      await api.request("POST", "/api/v1/users/late-payer/balance/charge", { body: { amount: 80_000 } }),
      200,
    );
    const held = expectStatus<Reservation>(
      await api.request("POST", "/api/v1/reservations", { token, body: { scheduleId, seatNumber: 12 } }),
      201,
    );
    const expiresAtMs = Date.parse(held.expiresAt);
    const ledgerBefore = await api.ledger("late-payer");

    // The seat map shows what the schedule actor holds; only its own ExpireHold timer frees the seat.
    await pollUntil(
      "the hold to expire",
      async () =>
        (await api.seats(scheduleId)).find((s) => s.seatNumber === 12)?.status === "AVAILABLE"
          ? true
          : undefined,
      { attempts: 100, intervalMs: 100, timeoutMs: SHORT_HOLD_TTL_MS + 10_000 },
    );
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAtMs - 50);
    const metrics = await api.request("GET", "/metrics");
    expect(metrics.text).toMatch(/app_hold_expiries_total [1-9]/);
    const reservation = expectStatus<Reservation>(
      await api.request("GET", `/api/v1/reservations/${held.reservationId}`),
      200,
    );
    expect(reservation).toMatchObject({ status: "EXPIRED", paidAt: null });

    const paid = await api.request("POST", "/api/v1/payments", {
      token,
      body: { reservationId: held.reservationId },
    });
    expectError(paid, 410, "HOLD_EXPIRED");
    expect(await api.balance("late-payer")).toBe(80_000);
    expect(await api.ledger("late-payer")).toEqual(ledgerBefore);
  });
});

describe("restarts", () => {
  let dir: string;
  const started: ServerProcess[] = [];
  const start = async (env: Record<string, string>): Promise<ServerProcess> => {
    const server = await startServer({ env });
    started.push(server);
    return server;
  };

  beforeAll(() => {
    dir = tempDir("loopback-restart-");
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop("SIGKILL")));
  });

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps the balance, ledger, CONFIRMED reservation and BOOKED seats across a SIGKILL, and seeds the demo once", async () => {
    const journal = path.join(dir, "killed.db");
    const first = await start(serverEnv(journal));
    const before = client(first);
    const concertId = await before.demoConcertId();
    const token = await before.activeToken("survivor", concertId);
    const { schedules } = expectStatus<ScheduleList>(
      await before.request("GET", `/api/v1/concerts/${concertId}/schedules`),
      200,
    );
    const scheduleId = schedules[2]?.scheduleId ?? "";
    expectStatus(
      await before.request("POST", "/api/v1/users/survivor/balance/charge", { body: { amount: 300_000 } }),
      200,
    );
    const held = expectStatus<Reservation>(
      await before.request("POST", "/api/v1/reservations", {
        token,
        body: { scheduleId, seatNumbers: [1, 2, 3] },
      }),
      201,
    );
    const paid = await before.request("POST", "/api/v1/payments", {
      token,
      idempotencyKey: "pay-once",
      body: { reservationId: held.reservationId },
    });
    expectStatus(paid, 201);
    const balance = await before.balance("survivor");
    const ledger = await before.ledger("survivor");
    const reservation = expectStatus<Reservation>(
      await before.request("GET", `/api/v1/reservations/${held.reservationId}`),
      200,
    );
    const seats = await before.seats(scheduleId);
    expect(balance).toBe(150_000);
    expect(reservation.status).toBe("CONFIRMED");

    const killed = await first.stop("SIGKILL");
    expect(killed.signal).toBe("SIGKILL");

    const second = await start(serverEnv(journal));
    const after = client(second);
    expect(await after.balance("survivor")).toBe(balance);
    expect(await after.ledger("survivor")).toEqual(ledger);
    expect(
      expectStatus(await after.request("GET", `/api/v1/reservations/${held.reservationId}`), 200),
    ).toEqual(reservation);
    expect(await after.seats(scheduleId)).toEqual(seats);
    expect((await after.seats(scheduleId)).slice(0, 3).map((s) => s.status)).toEqual([
      "BOOKED",
      "BOOKED",
      "BOOKED",
    ]);
    const { concerts } = expectStatus<ConcertList>(await after.request("GET", "/api/v1/concerts"), 200);
    expect(concerts.filter((c) => c.title === "Demo Concert")).toHaveLength(1);
    expect(concerts).toHaveLength(1);

    // The keyed payment is answered again from the journal, although its token ended with it.
    const replay = await after.request("POST", "/api/v1/payments", {
      token,
      idempotencyKey: "pay-once",
      body: { reservationId: held.reservationId },
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(paid.body);
    expect(await after.balance("survivor")).toBe(balance);
  });

  it("keeps a paid token spent across a SIGKILL right after the payment is acknowledged", async () => {
    const journal = path.join(dir, "spent-token.db");
    const first = await start(serverEnv(journal));
    const before = client(first);
    const concertId = await before.demoConcertId();
    const token = await before.activeToken("spender", concertId);
    const { schedules } = expectStatus<ScheduleList>(
      await before.request("GET", `/api/v1/concerts/${concertId}/schedules`),
      200,
    );
    const [paidSchedule, otherSchedule] = schedules.map((schedule) => schedule.scheduleId);
    expectStatus(
      await before.request("POST", "/api/v1/users/spender/balance/charge", { body: { amount: 500_000 } }),
      200,
    );
    const [toPay, toKeep] = await Promise.all(
      [paidSchedule, otherSchedule].map(async (scheduleId) =>
        expectStatus<Reservation>(
          await before.request("POST", "/api/v1/reservations", {
            token,
            body: { scheduleId, seatNumbers: [4] },
          }),
          201,
        ),
      ),
    );
    expectStatus(
      await before.request("POST", "/api/v1/payments", {
        token,
        body: { reservationId: toPay?.reservationId },
      }),
      201,
    );
    expect((await first.stop("SIGKILL")).signal).toBe("SIGKILL");

    const after = client(await start(serverEnv(journal)));
    expectError(await after.request("GET", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");
    expectError(
      await after.request("POST", "/api/v1/payments", {
        token,
        body: { reservationId: toKeep?.reservationId },
      }),
      401,
      "TOKEN_EXPIRED",
    );
    expect(await after.balance("spender")).toBe(500_000 - DEMO_SEAT_PRICE_WON);
  });

  it("exits 0 on SIGTERM after finishing in-flight requests and flushing the journal", async () => {
    const journal = path.join(dir, "terminated.db");
    const first = await start(serverEnv(journal, { SEED_DEMO: "false" }));
    const chargeOne = () =>
      call(first.baseUrl, "POST", "/api/v1/users/leaver/balance/charge", { body: { amount: 1 } });
    expectStatus(await chargeOne(), 200);

    // Charges in flight when the signal arrives: each is either answered (and durable) or refused
    // at the socket, never answered with a server error.
    const inFlight = Array.from({ length: 40 }, () => chargeOne());
    await Promise.race(inFlight);
    const exit = await first.stop("SIGTERM");
    const answers = await Promise.allSettled(inFlight);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(first.output()).toMatch(/SIGTERM/);
    const statuses = answers.flatMap((a) => (a.status === "fulfilled" ? [a.value.status] : []));
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(statuses.length).toBeGreaterThan(0);

    const second = await start(serverEnv(journal, { SEED_DEMO: "false" }));
    expect(await client(second).balance("leaver")).toBe(1 + statuses.length);
    expect(
      expectStatus<ConcertList>(await call(second.baseUrl, "GET", "/api/v1/concerts"), 200).concerts,
    ).toEqual([]);
    expect(await second.stop("SIGTERM")).toEqual({ code: 0, signal: null });
  });
});

describe("configuration", () => {
  it("refuses to start on an invalid environment value, naming the variable", async () => {
    const dir = tempDir("loopback-config-");
    try {
      const cases: [string, string][] = [
        ["PORT", "abc"],
        ["QUEUE_MAX_ACTIVE", "0"],
        ["QUEUE_ADMIT_INTERVAL_MS", "50"],
        ["HOLD_TTL_MS", "-5"],
        ["SEED_DEMO", "maybe"],
      ];
      const exits = await Promise.all(
        cases.map(([name, value]) =>
          runServerToExit({ env: serverEnv(path.join(dir, `${name}.db`), { [name]: value }) }),
        ),
      );
      for (const [i, exit] of exits.entries()) {
        const [name] = cases[i] ?? [];
        const output = exit.stdout + exit.stderr;
        expect(exit.code, output).not.toBe(0);
        expect(exit.code).not.toBeNull();
        expect(output).toContain(name);
        expect(output).not.toMatch(/listening on/);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
