import { describe, expect, it } from "vitest";
import {
  activeToken,
  balanceOf,
  bookingSetup,
  expectError,
  expectStatus,
  hold,
  reservationOf,
  seatStatuses,
  transactionsOf,
  useHarness,
  type HttpResult,
  type ReservationBody,
} from "../support/app-harness.ts";

/**
 * Idempotency-Key on the charge, hold and payment POSTs: the same key and body answer the original
 * status and body and act once; the same key with another body is refused; replays outlive tokens and
 * restarts.
 */

function sameAnswer(replay: HttpResult, original: HttpResult): void {
  expect(replay.status).toBe(original.status);
  expect(replay.body).toEqual(original.body);
}

describe("Idempotency-Key on charges", () => {
  const harness = useHarness();
  const charge = (h: ReturnType<typeof harness>, userId: string, amount: number, key: string) =>
    h.request("POST", `/api/v1/users/${userId}/balance/charge`, { body: { amount }, idempotencyKey: key });

  it("answers a repeat with the original status and body and charges once", async () => {
    const h = harness();
    const first = await charge(h, "alice", 10_000, "charge-1");
    expectStatus(first, 200);
    sameAnswer(await charge(h, "alice", 10_000, "charge-1"), first);
    sameAnswer(await charge(h, "alice", 10_000, "charge-1"), first);
    expect(await balanceOf(h, "alice")).toBe(10_000);
    expect(await transactionsOf(h, "alice")).toHaveLength(1);
  });

  it("answers concurrent repeats alike and charges once", async () => {
    const h = harness();
    const answers = await Promise.all(Array.from({ length: 5 }, () => charge(h, "alice", 7_000, "burst")));
    for (const answer of answers) {
      sameAnswer(answer, answers[0] as HttpResult);
    }
    expect(await balanceOf(h, "alice")).toBe(7_000);
  });

  it("refuses the same key with a different body with 422 IDEMPOTENCY_KEY_REUSED, charging nothing", async () => {
    const h = harness();
    expectStatus(await charge(h, "alice", 10_000, "charge-1"), 200);
    expectError(await charge(h, "alice", 20_000, "charge-1"), 422, "IDEMPOTENCY_KEY_REUSED");
    expect(await balanceOf(h, "alice")).toBe(10_000);
  });

  it("scopes keys to the user: another user's same key is a new request", async () => {
    const h = harness();
    expectStatus(await charge(h, "alice", 10_000, "shared"), 200);
    expectStatus(await charge(h, "bob", 20_000, "shared"), 200);
    expect(await balanceOf(h, "bob")).toBe(20_000);
  });

  it("accepts keys of 1..128 printable characters and refuses others with 400 VALIDATION_FAILED", async () => {
    const h = harness();
    expectStatus(await charge(h, "alice", 1, "k"), 200);
    expectStatus(await charge(h, "alice", 1, "~".repeat(128)), 200);
    expectStatus(await charge(h, "alice", 1, "a key with spaces & {symbols}"), 200);
    expectError(await charge(h, "alice", 1, "k".repeat(129)), 400, "VALIDATION_FAILED");
    expectError(await charge(h, "alice", 1, "tab\there"), 400, "VALIDATION_FAILED");
    expectError(await charge(h, "alice", 1, "caf\u00e9"), 400, "VALIDATION_FAILED");
    expect(await balanceOf(h, "alice")).toBe(3);
  });

  it("still answers a replay after a restart", async () => {
    const h = harness();
    const first = await charge(h, "alice", 10_000, "durable");
    await h.restart();
    sameAnswer(await charge(h, "alice", 10_000, "durable"), first);
    expectError(await charge(h, "alice", 1, "durable"), 422, "IDEMPOTENCY_KEY_REUSED");
    expect(await balanceOf(h, "alice")).toBe(10_000);
  });
});

describe("Idempotency-Key on holds", () => {
  const harness = useHarness();

  it("answers a repeat with the original 201 and the same reservation, holding once", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    const request = () =>
      h.request("POST", "/api/v1/reservations", {
        token,
        idempotencyKey: "hold-1",
        body: { scheduleId, seatNumbers: [1, 2] },
      });
    const first = await request();
    const held = expectStatus<ReservationBody>(first, 201);
    sameAnswer(await request(), first);
    const listed = expectStatus<{ reservations: ReservationBody[] }>(
      await h.request("GET", "/api/v1/users/alice/reservations"),
      200,
    );
    expect(listed.reservations.map((r) => r.reservationId)).toEqual([held.reservationId]);
    // Had the repeat acted, the user would now hold 4 seats and a third hold of one would fail.
    await hold(h, token, scheduleId, [3, 4]);
  });

  it("refuses the same key with other seats with 422 IDEMPOTENCY_KEY_REUSED, holding nothing", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    expectStatus(
      await h.request("POST", "/api/v1/reservations", {
        token,
        idempotencyKey: "k",
        body: { scheduleId, seatNumbers: [1] },
      }),
      201,
    );
    expectError(
      await h.request("POST", "/api/v1/reservations", {
        token,
        idempotencyKey: "k",
        body: { scheduleId, seatNumbers: [2] },
      }),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect(await seatStatuses(h, scheduleId, [1, 2])).toEqual(["HELD", "AVAILABLE"]);
  });
});

describe("Idempotency-Key on payments", () => {
  const harness = useHarness();

  it("answers a retry with the original 201 although the payment expired the token, taking money once", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 300_000 });
    const held = await hold(h, token, scheduleId, [1, 2]);
    const pay = () =>
      h.request("POST", "/api/v1/payments", {
        token,
        idempotencyKey: "pay-1",
        body: { reservationId: held.reservationId },
      });
    const first = await pay();
    expectStatus(first, 201);
    expectError(await h.request("GET", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");

    sameAnswer(await pay(), first);
    await h.restart();
    sameAnswer(await pay(), first);

    expect(await balanceOf(h, "alice")).toBe(200_000);
    const ledger = await transactionsOf(h, "alice");
    expect(ledger.map((t) => t.type)).toEqual(["PAYMENT", "CHARGE"]);
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "CONFIRMED" });
  });

  it("refuses the same key for another reservation with 422 IDEMPOTENCY_KEY_REUSED, taking no money", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 300_000 });
    const first = await hold(h, token, scheduleId, [1]);
    const second = await hold(h, token, scheduleId, [2]);
    expectStatus(
      await h.request("POST", "/api/v1/payments", {
        token,
        idempotencyKey: "k",
        body: { reservationId: first.reservationId },
      }),
      201,
    );
    expectError(
      await h.request("POST", "/api/v1/payments", {
        token,
        idempotencyKey: "k",
        body: { reservationId: second.reservationId },
      }),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect(await balanceOf(h, "alice")).toBe(250_000);
    expect(await reservationOf(h, second.reservationId)).toMatchObject({ status: "HELD" });
  });

  it("does not answer another user's replay: the key belongs to the token's user", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h, { balance: 300_000 });
    const held = await hold(h, token, scheduleId, [1]);
    const body = { reservationId: held.reservationId };
    expectStatus(await h.request("POST", "/api/v1/payments", { token, idempotencyKey: "k", body }), 201);
    const bob = await activeToken(h, "bob", concert.concertId);
    expectError(
      await h.request("POST", "/api/v1/payments", { token: bob, idempotencyKey: "k", body }),
      403,
      "NOT_OWNER",
    );
  });
});
