/**
 * Data set-up through the public API, before any timing: concerts through the admin API, queue
 * tokens made ACTIVE, and payload helpers. Every call checks its status, so a benchmark never
 * starts on data that is not there.
 */
import { shuffleSeeded } from "../src/engine/seeded-random.ts";
import { forEachLimited, SETUP_CONCURRENCY } from "./http-client.ts";
import type { ApiClient } from "./http-client.ts";

export const TOKEN_ACTIVATION_WAIT_MS_MAX = 60_000;
const TOKEN_POLL_PAUSE_MS = 100;
/** Seat price of every benchmark schedule, in won. */
export const SEAT_PRICE_WON = 10_000;

export interface ScheduleInfo {
  scheduleId: string;
  totalSeats: number;
}

export interface ConcertInfo {
  concertId: string;
  schedules: ScheduleInfo[];
}

/** Reads a field of a JSON reply, or fails naming the call and the field. */
export function field(value: unknown, key: string, where: string): unknown {
  if (typeof value !== "object" || value === null || !(key in value)) {
    throw new Error(`${where}: reply has no "${key}": ${JSON.stringify(value)?.slice(0, 300)}`);
  }
  return (value as Record<string, unknown>)[key];
}

export function stringField(value: unknown, key: string, where: string): string {
  const found = field(value, key, where);
  if (typeof found !== "string" || found === "") {
    throw new Error(`${where}: "${key}" is not a non-empty string: ${JSON.stringify(found)}`);
  }
  return found;
}

/** Creates one concert whose schedules have the given seat counts, through the admin API. */
export async function createConcert(
  api: ApiClient,
  adminToken: string,
  title: string,
  seatCounts: readonly number[],
): Promise<ConcertInfo> {
  const startsAt = new Date(Date.UTC(2030, 0, 1, 19)).toISOString();
  const reply = await api.expect(201, "POST", "/api/v1/admin/concerts", {
    headers: { authorization: `Bearer ${adminToken}` },
    body: {
      title,
      schedules: seatCounts.map((seatCount) => ({ startsAt, seatCount, price: SEAT_PRICE_WON })),
    },
  });
  const where = "POST /api/v1/admin/concerts";
  const schedules = field(reply.json, "schedules", where);
  if (!Array.isArray(schedules) || schedules.length !== seatCounts.length) {
    throw new Error(`${where}: expected ${seatCounts.length} schedules, got ${reply.text.slice(0, 300)}`);
  }
  return {
    concertId: stringField(reply.json, "concertId", where),
    schedules: schedules.map((schedule: unknown, index) => {
      const totalSeats = field(schedule, "totalSeats", where);
      if (totalSeats !== seatCounts[index]) {
        throw new Error(
          `${where}: schedule ${index} has ${String(totalSeats)} seats, asked ${seatCounts[index]}`,
        );
      }
      return { scheduleId: stringField(schedule, "scheduleId", where), totalSeats: seatCounts[index] ?? 0 };
    }),
  };
}

/** A token as issued, with the status it had then. */
export interface IssuedToken {
  token: string;
  status: string;
}

/** Issues one token per user for a concert through the public API; returns them in the order of `userIds`. */
export async function issueTokens(
  api: ApiClient,
  concertId: string,
  userIds: readonly string[],
): Promise<IssuedToken[]> {
  const issued: IssuedToken[] = new Array<IssuedToken>(userIds.length);
  const where = "POST /api/v1/queue/tokens";
  await forEachLimited(userIds, SETUP_CONCURRENCY, async (userId, index) => {
    const reply = await api.send("POST", "/api/v1/queue/tokens", { body: { userId, concertId } });
    if (reply.status !== 201 && reply.status !== 200) {
      throw new Error(`${where}: expected 201, got ${reply.status} ${reply.text.slice(0, 300)}`);
    }
    issued[index] = {
      token: stringField(reply.json, "token", where),
      status: stringField(reply.json, "status", where),
    };
  });
  return issued;
}

/** The `Authorization` header that carries a queue token. */
export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` };
}

/**
 * Issues one token per user for a concert and waits until every one of them is ACTIVE (the
 * engine is started with a cap and batch large enough to admit them all within a few ticks).
 * Returns the tokens in the order of `userIds`.
 */
export async function activeTokens(
  api: ApiClient,
  concertId: string,
  userIds: readonly string[],
): Promise<string[]> {
  const issued = await issueTokens(api, concertId, userIds);
  const tokens = issued.map(({ token }) => token);
  let waiting = issued.flatMap(({ status }, index) => (status === "ACTIVE" ? [] : [index]));
  const deadline = Date.now() + TOKEN_ACTIVATION_WAIT_MS_MAX;
  while (waiting.length > 0) {
    if (Date.now() > deadline) {
      throw new Error(
        `${waiting.length} queue tokens still not ACTIVE after ${TOKEN_ACTIVATION_WAIT_MS_MAX} ms`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, TOKEN_POLL_PAUSE_MS));
    const stillWaiting: number[] = [];
    await forEachLimited(waiting, SETUP_CONCURRENCY, async (index) => {
      const reply = await api.expect(200, "GET", "/api/v1/queue/tokens/current", {
        headers: bearer(tokens[index] ?? ""),
      });
      if (field(reply.json, "status", "GET /api/v1/queue/tokens/current") !== "ACTIVE") {
        stillWaiting.push(index);
      }
    });
    waiting = stillWaiting;
  }
  return tokens;
}

/** User ids for one scenario: short, valid (`[A-Za-z0-9_-]`) and distinct. */
export function userIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
}

/** Seat numbers 1..count in a seeded random order, the same in every run. */
export function shuffledSeats(count: number, seed: number): Int32Array {
  const seats = Int32Array.from({ length: count }, (_, index) => index + 1);
  shuffleSeeded(seats, String(seed));
  return seats;
}
