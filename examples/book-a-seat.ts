/**
 * Books a seat through the typed client: openapi-fetch over the types that openapi-typescript
 * generates from the contract (contract/api.d.ts). Every path, parameter, body and answer below is
 * checked by the compiler against the API; an error answer comes back typed by its status, with the
 * codes that status can carry.
 *
 *   npm start                                              # in another shell
 *   npx tsx examples/book-a-seat.ts [base URL] [user id]   # http://127.0.0.1:3000 example-user
 *
 * It takes a queue token for the first concert, polls until the token is ACTIVE, picks the first free
 * seat of a schedule with free seats, holds it, charges the balance with the seat's price and pays.
 * It prints the payment as one JSON line.
 */
import { pathToFileURL } from "node:url";
import createClient from "openapi-fetch";
import type { components, paths } from "../contract/api.d.ts";

type Payment = components["schemas"]["Payment"];

/** How many times to try another seat when someone else holds the one picked first. */
const SEAT_ATTEMPTS_MAX = 5;
/** How long to wait in the waiting room before giving up. */
const QUEUE_WAIT_MS_MAX = 10 * 60 * 1000;

/** The data of a successful answer; any other answer stops the example with its status and body. */
function expectData<T>(result: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (result.data === undefined) {
    throw new Error(`${what}: ${result.response.status} ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

export async function bookASeat(baseUrl: string, userId: string): Promise<Payment> {
  const api = createClient<paths>({ baseUrl });

  const { concerts } = expectData(await api.GET("/api/v1/concerts"), "list concerts");
  const concertId = concerts[0]?.concertId;
  if (concertId === undefined) {
    throw new Error("the server has no concert");
  }

  // A place in the waiting room; poll it, as often as it says, until it is ACTIVE.
  let token = expectData(
    await api.POST("/api/v1/queue/tokens", { body: { userId, concertId } }),
    "take a queue token",
  );
  const deadline = Date.now() + QUEUE_WAIT_MS_MAX;
  while (token.status !== "ACTIVE") {
    if (Date.now() > deadline) {
      throw new Error(`still waiting at position ${token.position} after ${QUEUE_WAIT_MS_MAX} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, token.pollAfterSeconds * 1000));
    token = expectData(
      await api.GET("/api/v1/queue/tokens/current", {
        headers: { authorization: `Bearer ${token.token}` },
      }),
      "poll the queue token",
    );
  }
  const withToken = { authorization: `Bearer ${token.token}` };

  const { schedules } = expectData(
    await api.GET("/api/v1/concerts/{concertId}/schedules", {
      params: { path: { concertId }, query: { available: "true" } },
    }),
    "list schedules",
  );
  const scheduleId = schedules[0]?.scheduleId;
  if (scheduleId === undefined) {
    throw new Error("no schedule has a free seat");
  }

  // Hold the first free seat; if another fan takes it first (409 SEAT_UNAVAILABLE), try the next.
  for (let attempt = 1; attempt <= SEAT_ATTEMPTS_MAX; attempt += 1) {
    const { seats } = expectData(
      await api.GET("/api/v1/schedules/{scheduleId}/seats", {
        params: { path: { scheduleId }, query: { status: "AVAILABLE" } },
      }),
      "read the seat map",
    );
    const seat = seats[0];
    if (seat === undefined) {
      throw new Error("the schedule sold out");
    }
    const held = await api.POST("/api/v1/reservations", {
      headers: withToken,
      body: { scheduleId, seatNumbers: [seat.seatNumber] },
    });
    if (held.error?.error.code === "SEAT_UNAVAILABLE") {
      continue;
    }
    const reservation = expectData(held, "hold the seat");

    // Idempotency keys make both retries safe: a repeat is answered with the original result.
    expectData(
      await api.POST("/api/v1/users/{userId}/balance/charge", {
        params: { path: { userId }, header: { "idempotency-key": `charge-${reservation.reservationId}` } },
        body: { amount: reservation.amount },
      }),
      "charge the balance",
    );
    return expectData(
      await api.POST("/api/v1/payments", {
        params: { header: { "idempotency-key": `pay-${reservation.reservationId}` } },
        headers: withToken,
        body: { reservationId: reservation.reservationId },
      }),
      "pay",
    );
  }
  throw new Error(`every seat picked was taken first, ${SEAT_ATTEMPTS_MAX} times`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [baseUrl = "http://127.0.0.1:3000", userId = "example-user"] = process.argv.slice(2);
  bookASeat(baseUrl, userId).then(
    (payment) => console.log(JSON.stringify(payment)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
