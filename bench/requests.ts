/** Request building blocks the scenarios share: paths, headers, bodies, endpoint checks. */
import type { Request as CannonRequest } from "autocannon";

import type { ApiClient } from "./http-client.ts";
import { BenchFailure } from "./measure.ts";
import type { ClientContext } from "./measure.ts";
import { capture } from "./scenario-kit.ts";
import type { BenchOptions, CapturedRoute, Probe } from "./scenario-kit.ts";
import { bearer, field } from "./setup.ts";

/** Seeds the payload generators, so every run sends the same seats in the same order. */
export const PAYLOAD_SEED = 20_240_501;

/** Data sizes: issue 5's in a full run, smaller in --quick (which only proves the suite runs). */
export function sizes(options: BenchOptions) {
  return options.quick
    ? {
        hotUsers: 1_000,
        contendedUsers: 1_000,
        flowPool: 5_000,
        scalingUsers: 200,
        scalingSeats: 100,
        pollTokens: 1_000,
      }
    : {
        hotUsers: 10_000,
        contendedUsers: 10_000,
        flowPool: 40_000,
        scalingUsers: 500,
        scalingSeats: 1_000,
        pollTokens: 10_000,
      };
}

export const RESERVATIONS_PATH = "/api/v1/reservations";
export const JSON_HEADERS = { "content-type": "application/json" } as const;

/**
 * A request built in setupRequest. autocannon writes Content-Length into the headers object it is
 * given, so a shared headers object would carry a stale length into the next request: copy it.
 */
export function dynamic(
  request: CannonRequest,
  method: "GET" | "POST" | "DELETE",
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string | undefined,
): CannonRequest {
  return { ...request, method, path, headers: { ...headers }, body };
}

/** Where a chain goes when it has nothing useful to send: cheap, always 200, and not a tally. */
export function parked(request: CannonRequest): CannonRequest {
  return dynamic(request, "GET", "/health", {}, undefined);
}

/** Headers of a JSON request with a queue token. */
export function authHeaders(token: string): Record<string, string> {
  return { ...JSON_HEADERS, ...bearer(token) };
}

/**
 * One connection's share of `count` pre-built requests: connection c sends c, c + n, c + 2n, …, so
 * at any moment the connections carry different items (users, seats, tokens) and an item comes
 * back only every count / n steps.
 */
export function roundRobin(
  count: number,
  { client, connections }: Pick<ClientContext, "client" | "connections">,
  build: (index: number) => CannonRequest,
): CannonRequest[] {
  return Array.from({ length: Math.ceil(count / connections) }, (_, step) =>
    build((step * connections + client) % count),
  );
}

/** The body of a one-seat hold, encoded once before timing. */
export function holdBody(scheduleId: string, seat: number): string {
  return JSON.stringify({ scheduleId, seatNumbers: [seat] });
}

/** An endpoint check of a one-seat hold. */
export function holdProbe(scheduleId: string, seat: number, token: string, status: number): Probe {
  return {
    method: "POST",
    pattern: RESERVATIONS_PATH,
    path: RESERVATIONS_PATH,
    body: { scheduleId, seatNumbers: [seat] },
    headers: authHeaders(token),
    status,
  };
}

/** A hold on a seat someone else holds must be refused with 409 SEAT_UNAVAILABLE. */
export async function captureRefusedHold(
  api: ApiClient,
  scheduleId: string,
  seat: number,
  token: string,
): Promise<CapturedRoute> {
  const refused = await capture(api, holdProbe(scheduleId, seat, token, 409));
  const code = field(field(refused.route.body, "error", "409 hold"), "code", "409 hold");
  if (code !== "SEAT_UNAVAILABLE") {
    throw new BenchFailure(`a hold on a held seat answered 409 ${String(code)}, expected SEAT_UNAVAILABLE`);
  }
  return refused;
}

/**
 * Reads the reservation id of a hold reply without parsing the whole body on the load generator:
 * one pattern that Lua (wrk's chain steps) and JavaScript (autocannon's closures) read alike.
 */
export const RESERVATION_ID_PATTERN = '"reservationId":"([^"]+)"';
export const RESERVATION_ID = new RegExp(RESERVATION_ID_PATTERN);
