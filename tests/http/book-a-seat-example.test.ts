import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runToExit, spawnTsx, watchChild } from "../../support/child-process.ts";
import { freePort } from "../../src/cluster/cluster.ts";
import { spawnCluster } from "../../support/cluster-process.ts";
import { killAllServers, startServer, type ServerProcess } from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { expectStatus } from "../support/app-harness.ts";
import { call } from "../support/contract-conformance.ts";

/**
 * examples/book-a-seat.ts, the typed client's example, run as a user runs it (`tsx`, its own process)
 * against the real server on 127.0.0.1, and against a real cluster, with the demo concert and a
 * waiting room that admits at once.
 */

/** Bounds the example's run, so a hung example fails the test instead of hanging it. */
const EXAMPLE_TIMEOUT_MS = 30_000;

interface Payment {
  reservationId: string;
  userId: string;
  amount: number;
  balance: number;
  status: string;
}

/** Where the example runs: a single node, or `npm run cluster`'s 3 shards behind HAProxy. */
interface Target {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

const WAITING_ROOM_ENV = { SEED_DEMO: "true", QUEUE_MAX_ACTIVE: "1000", QUEUE_ADMIT_INTERVAL_MS: "100" };

async function singleNode(dir: string): Promise<Target> {
  const server: ServerProcess = await startServer({
    env: { DATABASE_PATH: path.join(dir, "journal.db"), ...WAITING_ROOM_ENV },
  });
  return { baseUrl: server.baseUrl, stop: killAllServers };
}

async function cluster(dir: string): Promise<Target> {
  const port = await freePort();
  const child = await spawnCluster(process.execPath, ["--import", "tsx", "scripts/cluster.ts"], {
    SHARDS: "3",
    DATA_DIR: dir,
    PORT: String(port),
    LOG_LEVEL: "warn",
    DRAIN_DELAY_MS: "0",
    ...WAITING_ROOM_ENV,
  });
  const exited = new Promise((resolve) => child.once("exit", resolve));
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

describe.each([
  { name: "a single node", start: singleNode },
  { name: "a 3-shard cluster", start: cluster },
])("examples/book-a-seat.ts against $name", ({ start }) => {
  let dir: string;
  let target: Target;

  beforeAll(async () => {
    dir = tempDir("book-a-seat-");
    target = await start(dir);
  });

  afterAll(async () => {
    await target.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("books a seat through openapi-fetch: token, ACTIVE, schedules, seats, hold, charge, pay", async () => {
    const { PATH, HOME } = process.env;
    const example = watchChild(
      spawnTsx("examples/book-a-seat.ts", { args: [target.baseUrl, "typed-client"], env: { PATH, HOME } }),
    );
    const result = await runToExit(example, EXAMPLE_TIMEOUT_MS);
    expect(result.code, result.stderr).toBe(0);
    const payment = JSON.parse(result.stdout.trim()) as Payment;
    expect(payment).toMatchObject({ userId: "typed-client", status: "COMPLETED", balance: 0 });
    expect(payment.amount).toBeGreaterThan(0);

    const reservation = expectStatus<{ status: string; seatNumbers: number[]; scheduleId: string }>(
      await call(target.baseUrl, "GET", `/api/v1/reservations/${payment.reservationId}`),
      200,
    );
    expect(reservation.status).toBe("CONFIRMED");
    const { seats } = expectStatus<{ seats: { seatNumber: number; status: string }[] }>(
      await call(target.baseUrl, "GET", `/api/v1/schedules/${reservation.scheduleId}/seats`),
      200,
    );
    const booked = seats.filter((seat) => reservation.seatNumbers.includes(seat.seatNumber));
    expect(booked.map((seat) => seat.status)).toEqual(["BOOKED"]);
  });
});
