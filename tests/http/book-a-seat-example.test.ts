import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runToExit, spawnTsx, watchChild } from "../../support/child-process.ts";
import { killAllServers, startServer, type ServerProcess } from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { expectStatus } from "../support/app-harness.ts";
import { call } from "../support/contract-conformance.ts";

/**
 * examples/book-a-seat.ts, the typed client's example, run as a user runs it (`tsx`, its own process)
 * against the real server on 127.0.0.1, with the demo concert and a waiting room that admits at once.
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

describe("examples/book-a-seat.ts", () => {
  let dir: string;
  let server: ServerProcess;

  beforeAll(async () => {
    dir = tempDir("book-a-seat-");
    server = await startServer({
      env: {
        DATABASE_PATH: path.join(dir, "journal.db"),
        SEED_DEMO: "true",
        QUEUE_MAX_ACTIVE: "1000",
        QUEUE_ADMIT_INTERVAL_MS: "100",
      },
    });
  });

  afterAll(async () => {
    await killAllServers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("books a seat through openapi-fetch: token, ACTIVE, schedules, seats, hold, charge, pay", async () => {
    const { PATH, HOME } = process.env;
    const example = watchChild(
      spawnTsx("examples/book-a-seat.ts", { args: [server.baseUrl, "typed-client"], env: { PATH, HOME } }),
    );
    const result = await runToExit(example, EXAMPLE_TIMEOUT_MS);
    expect(result.code, result.stderr).toBe(0);
    const payment = JSON.parse(result.stdout.trim()) as Payment;
    expect(payment).toMatchObject({ userId: "typed-client", status: "COMPLETED", balance: 0 });
    expect(payment.amount).toBeGreaterThan(0);

    const reservation = expectStatus<{ status: string; seatNumbers: number[]; scheduleId: string }>(
      await call(server.baseUrl, "GET", `/api/v1/reservations/${payment.reservationId}`),
      200,
    );
    expect(reservation.status).toBe("CONFIRMED");
    const { seats } = expectStatus<{ seats: { seatNumber: number; status: string }[] }>(
      await call(server.baseUrl, "GET", `/api/v1/schedules/${reservation.scheduleId}/seats`),
      200,
    );
    const booked = seats.filter((seat) => reservation.seatNumbers.includes(seat.seatNumber));
    expect(booked.map((seat) => seat.status)).toEqual(["BOOKED"]);
  });
});
