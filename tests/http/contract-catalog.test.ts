import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  SHOW_AT,
  activeToken,
  createConcert,
  expectError,
  expectStatus,
  firstSchedule,
  hold,
  useHarness,
  type CreatedConcertBody,
  type SeatMapBody,
} from "../support/app-harness.ts";
import { anyString, matching, containingItems } from "../support/matchers.ts";

/** Concerts, schedules and seat maps (no token needed), and the admin API that creates concerts. */

interface ScheduleListBody {
  concertId: string;
  schedules: { scheduleId: string; startsAt: string; totalSeats: number; availableSeats: number }[];
}

describe("browsing concerts, schedules and seats", () => {
  const harness = useHarness();

  it("lists every concert as {concertId, title}", async () => {
    const h = harness();
    expect(expectStatus(await h.request("GET", "/api/v1/concerts"), 200)).toEqual({ concerts: [] });
    const a = await createConcert(h, { title: "Alpha" });
    const b = await createConcert(h, { title: "Beta" });
    const body = expectStatus<{ concerts: unknown[] }>(await h.request("GET", "/api/v1/concerts"), 200);
    expect(body.concerts).toHaveLength(2);
    expect(body.concerts).toEqual(
      containingItems([
        { concertId: a.concertId, title: "Alpha" },
        { concertId: b.concertId, title: "Beta" },
      ]),
    );
  });

  it("lists a concert's schedules with total and available seats", async () => {
    const h = harness();
    const concert = await createConcert(h, {
      schedules: [
        { startsAt: "2026-12-24T19:00:00Z", seatCount: 3, price: 10_000 },
        { startsAt: "2026-12-25T19:00:00+09:00", seatCount: 5, price: 20_000 },
      ],
    });
    const result = await h.request("GET", `/api/v1/concerts/${concert.concertId}/schedules`);
    expect(expectStatus(result, 200)).toEqual({
      concertId: concert.concertId,
      schedules: [
        {
          scheduleId: concert.schedules[0]?.scheduleId,
          startsAt: "2026-12-24T19:00:00.000Z",
          totalSeats: 3,
          availableSeats: 3,
        },
        {
          scheduleId: concert.schedules[1]?.scheduleId,
          startsAt: "2026-12-25T10:00:00.000Z",
          totalSeats: 5,
          availableSeats: 5,
        },
      ],
    });
  });

  it("keeps only schedules with free seats when asked ?available=true", async () => {
    const h = harness();
    const concert = await createConcert(h, {
      schedules: [
        { startsAt: SHOW_AT, seatCount: 1, price: 10_000 },
        { startsAt: SHOW_AT, seatCount: 2, price: 10_000 },
      ],
    });
    const [full, open] = concert.schedules;
    const token = await activeToken(h, "alice", concert.concertId);
    await hold(h, token, full?.scheduleId ?? "", [1]);

    const url = `/api/v1/concerts/${concert.concertId}/schedules`;
    const all = expectStatus<ScheduleListBody>(await h.request("GET", url), 200);
    expect(all.schedules.map((s) => [s.scheduleId, s.availableSeats])).toEqual([
      [full?.scheduleId, 0],
      [open?.scheduleId, 2],
    ]);
    const available = expectStatus<ScheduleListBody>(await h.request("GET", `${url}?available=true`), 200);
    expect(available.schedules.map((s) => s.scheduleId)).toEqual([open?.scheduleId]);
    const unfiltered = expectStatus<ScheduleListBody>(await h.request("GET", `${url}?available=false`), 200);
    expect(unfiltered.schedules).toHaveLength(2);
    expectError(await h.request("GET", `${url}?available=yes`), 400, "VALIDATION_FAILED");
  });

  it("answers 404 CONCERT_NOT_FOUND for an unknown concert and 400 for a malformed id", async () => {
    const h = harness();
    expectError(await h.request("GET", "/api/v1/concerts/nope/schedules"), 404, "CONCERT_NOT_FOUND");
    expectError(
      await h.request("GET", `/api/v1/concerts/${"c".repeat(65)}/schedules`),
      400,
      "VALIDATION_FAILED",
    );
    expectError(await h.request("GET", "/api/v1/concerts/bad%20id/schedules"), 400, "VALIDATION_FAILED");
  });

  it("shows every seat of a schedule with its status and price", async () => {
    const h = harness();
    const concert = await createConcert(h, {
      schedules: [{ startsAt: SHOW_AT, seatCount: 4, price: 70_000 }],
    });
    const { scheduleId } = firstSchedule(concert);
    const token = await activeToken(h, "alice", concert.concertId);
    await hold(h, token, scheduleId, [2, 3]);
    const result = await h.request("GET", `/api/v1/schedules/${scheduleId}/seats`);
    expect(expectStatus(result, 200)).toEqual({
      scheduleId,
      concertId: concert.concertId,
      seats: [
        { seatNumber: 1, status: "AVAILABLE", price: 70_000 },
        { seatNumber: 2, status: "HELD", price: 70_000 },
        { seatNumber: 3, status: "HELD", price: 70_000 },
        { seatNumber: 4, status: "AVAILABLE", price: 70_000 },
      ],
    });
  });

  it("filters seats by ?status=", async () => {
    const h = harness();
    const concert = await createConcert(h, {
      schedules: [{ startsAt: SHOW_AT, seatCount: 4, price: 70_000 }],
    });
    const { scheduleId } = firstSchedule(concert);
    const token = await activeToken(h, "alice", concert.concertId);
    await hold(h, token, scheduleId, [2]);
    const numbers = async (query: string) =>
      expectStatus<SeatMapBody>(
        await h.request("GET", `/api/v1/schedules/${scheduleId}/seats${query}`),
        200,
      ).seats.map((s) => s.seatNumber);
    expect(await numbers("?status=AVAILABLE")).toEqual([1, 3, 4]);
    expect(await numbers("?status=HELD")).toEqual([2]);
    expect(await numbers("?status=BOOKED")).toEqual([]);
    expectError(
      await h.request("GET", `/api/v1/schedules/${scheduleId}/seats?status=FREE`),
      400,
      "VALIDATION_FAILED",
    );
  });

  it("answers 404 SCHEDULE_NOT_FOUND for an unknown schedule and 400 for a malformed id", async () => {
    const h = harness();
    expectError(await h.request("GET", "/api/v1/schedules/nope/seats"), 404, "SCHEDULE_NOT_FOUND");
    expectError(
      await h.request("GET", `/api/v1/schedules/${"s".repeat(65)}/seats`),
      400,
      "VALIDATION_FAILED",
    );
  });
});

describe("creating concerts through the admin API", () => {
  const harness = useHarness();
  const valid = { title: "Gala", schedules: [{ startsAt: SHOW_AT, seatCount: 2, price: 99_000 }] };

  it("answers 201 with the concert and its new schedule ids", async () => {
    const h = harness();
    const result = await h.request("POST", "/api/v1/admin/concerts", {
      token: ADMIN_TOKEN,
      body: {
        title: "Gala",
        schedules: [
          { startsAt: "2026-12-24T19:00:00Z", seatCount: 2, price: 99_000 },
          { startsAt: "2026-12-25T19:00:00.000Z", seatCount: 100_000, price: 10_000_000 },
        ],
      },
    });
    const body = expectStatus<CreatedConcertBody>(result, 201);
    expect(body).toMatchObject({
      concertId: matching(/^[A-Za-z0-9_-]{1,64}$/),
      title: "Gala",
      schedules: [
        { scheduleId: anyString(), startsAt: "2026-12-24T19:00:00.000Z", totalSeats: 2, price: 99_000 },
        {
          scheduleId: anyString(),
          startsAt: "2026-12-25T19:00:00.000Z",
          totalSeats: 100_000,
          price: 10_000_000,
        },
      ],
    });
    for (const schedule of body.schedules) {
      expect(Object.keys(schedule).sort()).toEqual(["price", "scheduleId", "startsAt", "totalSeats"]);
    }
    const concerts = expectStatus(await h.request("GET", "/api/v1/concerts"), 200);
    expect(concerts).toEqual({ concerts: [{ concertId: body.concertId, title: "Gala" }] });
  });

  it("accepts the edges: 1 and 100 schedules, 1 seat, prices 1 and 10,000,000", async () => {
    const h = harness();
    const many = Array.from({ length: 100 }, (_, i) => ({
      startsAt: SHOW_AT,
      seatCount: 1,
      price: i === 0 ? 1 : 10_000_000,
    }));
    const result = await h.request("POST", "/api/v1/admin/concerts", {
      token: ADMIN_TOKEN,
      body: { title: "Edges", schedules: many },
    });
    expect(expectStatus<CreatedConcertBody>(result, 201).schedules).toHaveLength(100);
  });

  it("answers 400 VALIDATION_FAILED for schedules, seat counts or prices out of bounds, and creates nothing", async () => {
    const h = harness();
    const schedule = { startsAt: SHOW_AT, seatCount: 2, price: 1_000 };
    for (const body of [
      { title: "x", schedules: [] },
      { title: "x", schedules: Array.from({ length: 101 }, () => schedule) },
      { title: "x", schedules: [{ ...schedule, seatCount: 0 }] },
      { title: "x", schedules: [{ ...schedule, seatCount: 100_001 }] },
      { title: "x", schedules: [{ ...schedule, seatCount: 1.5 }] },
      { title: "x", schedules: [{ ...schedule, price: 0 }] },
      { title: "x", schedules: [{ ...schedule, price: 10_000_001 }] },
      { title: "x", schedules: [{ ...schedule, price: "1000" }] },
      { title: "x", schedules: [{ ...schedule, startsAt: "tomorrow" }] },
      { title: "", schedules: [schedule] },
      { schedules: [schedule] },
      { title: "x" },
    ]) {
      expectError(
        await h.request("POST", "/api/v1/admin/concerts", { token: ADMIN_TOKEN, body }),
        400,
        "VALIDATION_FAILED",
      );
    }
    expect(expectStatus(await h.request("GET", "/api/v1/concerts"), 200)).toEqual({ concerts: [] });
  });

  it("answers 401 ADMIN_UNAUTHORIZED without the admin token or with a wrong one, before validating the body", async () => {
    const h = harness();
    const attempts = [
      { body: valid },
      { body: valid, token: "wrong-token" },
      { body: valid, token: `${ADMIN_TOKEN}x` },
      { body: valid, headers: { authorization: ADMIN_TOKEN } },
      { body: valid, headers: { authorization: `Basic ${ADMIN_TOKEN}` } },
      { body: { nonsense: true }, token: "wrong-token" },
    ];
    for (const attempt of attempts) {
      expectError(await h.request("POST", "/api/v1/admin/concerts", attempt), 401, "ADMIN_UNAUTHORIZED");
    }
    expect(expectStatus(await h.request("GET", "/api/v1/concerts"), 200)).toEqual({ concerts: [] });
  });
});

describe("the admin API without ADMIN_TOKEN", () => {
  const harness = useHarness({ adminToken: null });

  it("answers 403 ADMIN_DISABLED whatever token is sent", async () => {
    const h = harness();
    const body = { title: "Gala", schedules: [{ startsAt: SHOW_AT, seatCount: 2, price: 99_000 }] };
    for (const token of [undefined, ADMIN_TOKEN, "anything"]) {
      expectError(await h.request("POST", "/api/v1/admin/concerts", { body, token }), 403, "ADMIN_DISABLED");
    }
    expect(expectStatus(await h.request("GET", "/api/v1/concerts"), 200)).toEqual({ concerts: [] });
  });
});
