import { describe, expect, it } from "vitest";
import {
  SHOW_AT,
  T0_MS,
  activeToken,
  bookingSetup,
  createConcert,
  expectError,
  expectStatus,
  firstSchedule,
  hold,
  iso,
  issueToken,
  reservationOf,
  seatStatuses,
  useHarness,
  type ReservationBody,
} from "../support/app-harness.ts";
import { matching, containingItems } from "../support/matchers.ts";

/** Holding seats with an ACTIVE token, reading and listing reservations, and cancelling them. */

describe("holding seats", () => {
  const harness = useHarness();

  it("answers 201 with a HELD reservation of every seat asked for, priced and timed", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h, { price: 45_000 });
    const result = await h.request("POST", "/api/v1/reservations", {
      token,
      body: { scheduleId, seatNumbers: [3, 1, 4] },
    });
    const body = expectStatus<ReservationBody>(result, 201);
    expect(body).toEqual({
      reservationId: matching(/^[A-Za-z0-9_-]{1,64}$/),
      userId: "alice",
      concertId: concert.concertId,
      scheduleId,
      seatNumbers: containingItems([1, 3, 4]),
      status: "HELD",
      amount: 135_000,
      expiresAt: iso(T0_MS + h.options.holdTtlMs),
      paidAt: null,
    });
    expect(body.seatNumbers).toHaveLength(3);
    expect(await seatStatuses(h, scheduleId, [1, 2, 3, 4])).toEqual(["HELD", "AVAILABLE", "HELD", "HELD"]);
  });

  it("accepts a single seat as {scheduleId, seatNumber}", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    const result = await h.request("POST", "/api/v1/reservations", {
      token,
      body: { scheduleId, seatNumber: 7 },
    });
    expect(expectStatus<ReservationBody>(result, 201)).toMatchObject({
      seatNumbers: [7],
      status: "HELD",
      amount: 50_000,
    });
  });

  it("accepts 1 to 4 distinct seat numbers and refuses anything else with 400 VALIDATION_FAILED", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    for (const body of [
      { scheduleId, seatNumbers: [] },
      { scheduleId, seatNumbers: [1, 2, 3, 4, 5] },
      { scheduleId, seatNumbers: [2, 2] },
      { scheduleId, seatNumbers: [0] },
      { scheduleId, seatNumbers: [-1] },
      { scheduleId, seatNumbers: [1.5] },
      { scheduleId, seatNumbers: ["1"] },
      { scheduleId, seatNumbers: 1 },
      { scheduleId, seatNumber: "1" },
      { scheduleId },
      { seatNumbers: [1] },
      { scheduleId: "bad id", seatNumbers: [1] },
      { scheduleId: 5, seatNumbers: [1] },
    ]) {
      expectError(await h.request("POST", "/api/v1/reservations", { token, body }), 400, "VALIDATION_FAILED");
    }
    expect(await seatStatuses(h, scheduleId, [1, 2])).toEqual(["AVAILABLE", "AVAILABLE"]);
    expect(
      expectStatus<ReservationBody>(
        await h.request("POST", "/api/v1/reservations", {
          token,
          body: { scheduleId, seatNumbers: [1, 2, 3, 4] },
        }),
        201,
      ).seatNumbers,
    ).toHaveLength(4);
  });

  it("answers 404 SCHEDULE_NOT_FOUND for an unknown schedule", async () => {
    const h = harness();
    const { token } = await bookingSetup(h);
    const result = await h.request("POST", "/api/v1/reservations", {
      token,
      body: { scheduleId: "nope", seatNumbers: [1] },
    });
    expectError(result, 404, "SCHEDULE_NOT_FOUND");
  });

  it("answers 404 SEAT_NOT_FOUND for a seat beyond the schedule, holding none of the others", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { seatCount: 10 });
    const result = await h.request("POST", "/api/v1/reservations", {
      token,
      body: { scheduleId, seatNumbers: [1, 11] },
    });
    expectError(result, 404, "SEAT_NOT_FOUND");
    expect(await seatStatuses(h, scheduleId, [1])).toEqual(["AVAILABLE"]);
  });

  it("answers 409 SEAT_UNAVAILABLE naming the taken seats, and holds none of the others", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h);
    await hold(h, token, scheduleId, [2, 3]);
    const bob = await activeToken(h, "bob", concert.concertId);
    const result = await h.request("POST", "/api/v1/reservations", {
      token: bob,
      body: { scheduleId, seatNumbers: [1, 2, 3, 4] },
    });
    const error = expectError(result, 409, "SEAT_UNAVAILABLE");
    expect([...(error.seatNumbers as number[])].sort()).toEqual([2, 3]);
    expect(await seatStatuses(h, scheduleId, [1, 4])).toEqual(["AVAILABLE", "AVAILABLE"]);
  });

  it("answers 409 HOLD_LIMIT_REACHED when a user would hold more than 4 seats of a schedule", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    await hold(h, token, scheduleId, [1, 2, 3]);
    const result = await h.request("POST", "/api/v1/reservations", {
      token,
      body: { scheduleId, seatNumbers: [4, 5] },
    });
    expectError(result, 409, "HOLD_LIMIT_REACHED");
    expect(await seatStatuses(h, scheduleId, [4, 5])).toEqual(["AVAILABLE", "AVAILABLE"]);
    await hold(h, token, scheduleId, [4]);
    expectError(
      await h.request("POST", "/api/v1/reservations", { token, body: { scheduleId, seatNumber: 5 } }),
      409,
      "HOLD_LIMIT_REACHED",
    );
  });
});

describe("the token a hold needs", () => {
  const harness = useHarness({ maxActive: 1 });

  it("answers 401 TOKEN_INVALID without a token or with an unknown one", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    const body = { scheduleId, seatNumbers: [1] };
    expectError(await h.request("POST", "/api/v1/reservations", { body }), 401, "TOKEN_INVALID");
    const forged = `${token.slice(0, token.lastIndexOf("."))}.${"A".repeat(21)}`;
    expectError(
      await h.request("POST", "/api/v1/reservations", { body, token: forged }),
      401,
      "TOKEN_INVALID",
    );
    expect(await seatStatuses(h, scheduleId, [1])).toEqual(["AVAILABLE"]);
  });

  it("answers 401 TOKEN_EXPIRED for a token that was left or ran out", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h);
    expect((await h.request("DELETE", "/api/v1/queue/tokens/current", { token })).status).toBe(204);
    const body = { scheduleId, seatNumbers: [1] };
    expectError(await h.request("POST", "/api/v1/reservations", { body, token }), 401, "TOKEN_EXPIRED");

    await h.admissionTick();
    const again = await activeToken(h, "alice", concert.concertId);
    await h.advance(h.options.activeTtlMs);
    expectError(
      await h.request("POST", "/api/v1/reservations", { body, token: again }),
      401,
      "TOKEN_EXPIRED",
    );
    expect(await seatStatuses(h, scheduleId, [1])).toEqual(["AVAILABLE"]);
  });

  it("answers 403 TOKEN_NOT_ACTIVE with the position for a token still waiting", async () => {
    const h = harness();
    const { concert, scheduleId } = await bookingSetup(h);
    const waiting = await issueToken(h, "bob", concert.concertId);
    expect(waiting).toMatchObject({ status: "WAITING", position: 1 });
    const result = await h.request("POST", "/api/v1/reservations", {
      token: waiting.token,
      body: { scheduleId, seatNumbers: [1] },
    });
    expect(expectError(result, 403, "TOKEN_NOT_ACTIVE")).toMatchObject({ position: 1 });
    expect(await seatStatuses(h, scheduleId, [1])).toEqual(["AVAILABLE"]);
  });

  it("answers 403 TOKEN_CONCERT_MISMATCH for a token of another concert", async () => {
    const h = harness();
    const { token } = await bookingSetup(h);
    const other = await createConcert(h, { title: "Other" });
    const { scheduleId } = firstSchedule(other);
    const result = await h.request("POST", "/api/v1/reservations", {
      token,
      body: { scheduleId, seatNumbers: [1] },
    });
    expectError(result, 403, "TOKEN_CONCERT_MISMATCH");
    expect(await seatStatuses(h, scheduleId, [1])).toEqual(["AVAILABLE"]);
  });
});

describe("reading reservations", () => {
  const harness = useHarness();

  it("answers a reservation by id with its current status", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    const held = await hold(h, token, scheduleId, [5]);
    expect(await reservationOf(h, held.reservationId)).toEqual(held);
  });

  it("shows a hold whose time ran out as EXPIRED and frees its seats without any request", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    const held = await hold(h, token, scheduleId, [5, 6]);
    await h.advance(h.options.holdTtlMs - 1);
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "HELD" });
    await h.advance(1);
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "EXPIRED", paidAt: null });
    expect(await seatStatuses(h, scheduleId, [5, 6])).toEqual(["AVAILABLE", "AVAILABLE"]);
  });

  it("answers 404 RESERVATION_NOT_FOUND for an unknown id and 400 for a malformed one", async () => {
    const h = harness();
    expectError(await h.request("GET", "/api/v1/reservations/nope"), 404, "RESERVATION_NOT_FOUND");
    expectError(await h.request("GET", `/api/v1/reservations/${"r".repeat(65)}`), 400, "VALIDATION_FAILED");
    expectError(await h.request("GET", "/api/v1/reservations/r%20r"), 400, "VALIDATION_FAILED");
  });

  it("lists a user's reservations newest first, across schedules", async () => {
    const h = harness();
    const concert = await createConcert(h, {
      schedules: [
        { startsAt: SHOW_AT, seatCount: 5, price: 10_000 },
        { startsAt: SHOW_AT, seatCount: 5, price: 20_000 },
      ],
    });
    const token = await activeToken(h, "alice", concert.concertId);
    const first = await hold(h, token, concert.schedules[0]?.scheduleId ?? "", [1]);
    await h.advance(10);
    const second = await hold(h, token, concert.schedules[1]?.scheduleId ?? "", [2]);
    await h.advance(10);
    const third = await hold(h, token, concert.schedules[0]?.scheduleId ?? "", [3]);
    const result = await h.request("GET", "/api/v1/users/alice/reservations");
    expect(expectStatus(result, 200)).toEqual({ userId: "alice", reservations: [third, second, first] });
    expect(expectStatus(await h.request("GET", "/api/v1/users/nobody/reservations"), 200)).toEqual({
      userId: "nobody",
      reservations: [],
    });
  });
});

describe("cancelling a reservation", () => {
  const harness = useHarness();

  it("answers 200 with the reservation CANCELLED and makes its seats AVAILABLE again", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h);
    const held = await hold(h, token, scheduleId, [1, 2]);
    const result = await h.request("DELETE", `/api/v1/reservations/${held.reservationId}`, { token });
    expect(expectStatus(result, 200)).toEqual({ ...held, status: "CANCELLED" });
    expect(await seatStatuses(h, scheduleId, [1, 2])).toEqual(["AVAILABLE", "AVAILABLE"]);
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "CANCELLED" });
    const schedules = expectStatus<{ schedules: { availableSeats: number }[] }>(
      await h.request("GET", `/api/v1/concerts/${concert.concertId}/schedules`),
      200,
    );
    expect(schedules.schedules[0]?.availableSeats).toBe(10);
  });

  it("answers 409 RESERVATION_NOT_HELD for a reservation already cancelled or expired", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    const cancelled = await hold(h, token, scheduleId, [1]);
    expectStatus(
      await h.request("DELETE", `/api/v1/reservations/${cancelled.reservationId}`, { token }),
      200,
    );
    expectError(
      await h.request("DELETE", `/api/v1/reservations/${cancelled.reservationId}`, { token }),
      409,
      "RESERVATION_NOT_HELD",
    );
    const expired = await hold(h, token, scheduleId, [2]);
    await h.advance(h.options.holdTtlMs);
    expectError(
      await h.request("DELETE", `/api/v1/reservations/${expired.reservationId}`, { token }),
      409,
      "RESERVATION_NOT_HELD",
    );
  });

  it("answers 403 NOT_OWNER for another user's reservation and leaves it HELD", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h);
    const held = await hold(h, token, scheduleId, [1]);
    const bob = await activeToken(h, "bob", concert.concertId);
    expectError(
      await h.request("DELETE", `/api/v1/reservations/${held.reservationId}`, { token: bob }),
      403,
      "NOT_OWNER",
    );
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "HELD" });
  });

  it("answers 404 RESERVATION_NOT_FOUND for an unknown reservation and 401 without a token", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    const held = await hold(h, token, scheduleId, [1]);
    expectError(
      await h.request("DELETE", "/api/v1/reservations/nope", { token }),
      404,
      "RESERVATION_NOT_FOUND",
    );
    expectError(
      await h.request("DELETE", `/api/v1/reservations/${held.reservationId}`),
      401,
      "TOKEN_INVALID",
    );
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "HELD" });
  });
});
