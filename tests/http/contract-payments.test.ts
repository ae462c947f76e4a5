import { describe, expect, it } from "vitest";
import {
  activeToken,
  balanceOf,
  bookingSetup,
  charge,
  createConcert,
  expectError,
  expectStatus,
  hold,
  iso,
  reservationOf,
  seatStatuses,
  SHOW_AT,
  transactionsOf,
  useHarness,
  type PaymentBody,
} from "../support/app-harness.ts";
import { matching } from "../support/matchers.ts";

/** Paying a held reservation from the balance: the happy path and every refusal, none of which moves money. */

describe("paying a held reservation", () => {
  const harness = useHarness();

  it("answers 201 COMPLETED with the amount and the new balance", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 200_000 });
    const held = await hold(h, token, scheduleId, [1, 2]);
    await h.advance(5_000);
    const result = await h.request("POST", "/api/v1/payments", {
      token,
      body: { reservationId: held.reservationId },
    });
    const body = expectStatus<PaymentBody>(result, 201);
    expect(body).toEqual({
      paymentId: matching(/^\S+$/),
      reservationId: held.reservationId,
      userId: "alice",
      amount: 100_000,
      balance: 100_000,
      status: "COMPLETED",
      paidAt: iso(h.clock.nowMs()),
    });
  });

  it("confirms the reservation, books its seats, records the payment in the ledger and expires the token", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 120_000 });
    const held = await hold(h, token, scheduleId, [3, 4]);
    const paid = expectStatus<PaymentBody>(
      await h.request("POST", "/api/v1/payments", { token, body: { reservationId: held.reservationId } }),
      201,
    );

    expect(await reservationOf(h, held.reservationId)).toEqual({
      ...held,
      status: "CONFIRMED",
      paidAt: paid.paidAt,
    });
    expect(await seatStatuses(h, scheduleId, [3, 4])).toEqual(["BOOKED", "BOOKED"]);
    expect(await balanceOf(h, "alice")).toBe(20_000);
    const [payment, chargeLine] = await transactionsOf(h, "alice");
    expect(payment).toMatchObject({
      type: "PAYMENT",
      amount: 100_000,
      balanceAfter: 20_000,
      createdAt: paid.paidAt,
    });
    expect(chargeLine).toMatchObject({ type: "CHARGE", amount: 120_000, balanceAfter: 120_000 });
    expectError(await h.request("GET", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");
    expectError(
      await h.request("POST", "/api/v1/reservations", { token, body: { scheduleId, seatNumbers: [5] } }),
      401,
      "TOKEN_EXPIRED",
    );
  });

  it("counts booked seats toward the 4-seat limit of a user in a schedule", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h, { balance: 1_000_000 });
    const held = await hold(h, token, scheduleId, [1, 2, 3]);
    expectStatus(
      await h.request("POST", "/api/v1/payments", { token, body: { reservationId: held.reservationId } }),
      201,
    );
    const again = await activeToken(h, "alice", concert.concertId);
    expectError(
      await h.request("POST", "/api/v1/reservations", {
        token: again,
        body: { scheduleId, seatNumbers: [4, 5] },
      }),
      409,
      "HOLD_LIMIT_REACHED",
    );
    await hold(h, again, scheduleId, [4]);
  });
});

describe("one token buys once", () => {
  const harness = useHarness();

  it("lets exactly one of two payments sent at once with the same token through: 201, then 401 TOKEN_EXPIRED, one debit", async () => {
    const h = harness();
    const concert = await createConcert(h, {
      schedules: [
        { startsAt: SHOW_AT, seatCount: 10, price: 50_000 },
        { startsAt: SHOW_AT, seatCount: 10, price: 50_000 },
      ],
    });
    const token = await activeToken(h, "alice", concert.concertId);
    await charge(h, "alice", 500_000);
    const [first, second] = concert.schedules.map((schedule) => schedule.scheduleId);
    const heldFirst = await hold(h, token, first ?? "", [1]);
    const heldSecond = await hold(h, token, second ?? "", [1]);

    const answers = await Promise.all(
      [heldFirst, heldSecond].map((held) =>
        h.request("POST", "/api/v1/payments", { token, body: { reservationId: held.reservationId } }),
      ),
    );

    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 401]);
    const refused = answers.find((answer) => answer.status === 401);
    expectError(refused ?? answers[0]!, 401, "TOKEN_EXPIRED");
    expect(await balanceOf(h, "alice")).toBe(450_000);
    const payments = (await transactionsOf(h, "alice")).filter((line) => line.type === "PAYMENT");
    expect(payments).toHaveLength(1);
    const statuses = [
      (await reservationOf(h, heldFirst.reservationId)).status,
      (await reservationOf(h, heldSecond.reservationId)).status,
    ].sort();
    expect(statuses).toEqual(["CONFIRMED", "HELD"]);
  });
});

describe("refused payments", () => {
  const harness = useHarness();

  it("answers 402 INSUFFICIENT_BALANCE and changes nothing: the hold stays HELD and the token ACTIVE", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 99_999 });
    const held = await hold(h, token, scheduleId, [1, 2]);
    const result = await h.request("POST", "/api/v1/payments", {
      token,
      body: { reservationId: held.reservationId },
    });
    expectError(result, 402, "INSUFFICIENT_BALANCE");
    expect(await reservationOf(h, held.reservationId)).toEqual(held);
    expect(await seatStatuses(h, scheduleId, [1, 2])).toEqual(["HELD", "HELD"]);
    expect(await balanceOf(h, "alice")).toBe(99_999);
    expect(await transactionsOf(h, "alice")).toHaveLength(1);
    expect(
      expectStatus(await h.request("GET", "/api/v1/queue/tokens/current", { token }), 200),
    ).toMatchObject({
      status: "ACTIVE",
    });

    await charge(h, "alice", 1);
    expectStatus(
      await h.request("POST", "/api/v1/payments", { token, body: { reservationId: held.reservationId } }),
      201,
    );
    expect(await balanceOf(h, "alice")).toBe(0);
  });

  it("answers 410 HOLD_EXPIRED after the hold's time ran out, taking no money", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 500_000 });
    const held = await hold(h, token, scheduleId, [1]);
    await h.advance(h.options.holdTtlMs + 1);
    const result = await h.request("POST", "/api/v1/payments", {
      token,
      body: { reservationId: held.reservationId },
    });
    expectError(result, 410, "HOLD_EXPIRED");
    expect(await balanceOf(h, "alice")).toBe(500_000);
    expect(await transactionsOf(h, "alice")).toHaveLength(1);
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "EXPIRED", paidAt: null });
    expect(await seatStatuses(h, scheduleId, [1])).toEqual(["AVAILABLE"]);
  });

  it("answers 410 HOLD_EXPIRED for a cancelled hold, taking no money", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 500_000 });
    const held = await hold(h, token, scheduleId, [1]);
    expectStatus(await h.request("DELETE", `/api/v1/reservations/${held.reservationId}`, { token }), 200);
    const result = await h.request("POST", "/api/v1/payments", {
      token,
      body: { reservationId: held.reservationId },
    });
    expectError(result, 410, "HOLD_EXPIRED");
    expect(await balanceOf(h, "alice")).toBe(500_000);
  });

  it("answers 409 ALREADY_PAID for a reservation paid before, taking no more money", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h, { balance: 500_000 });
    const held = await hold(h, token, scheduleId, [1]);
    expectStatus(
      await h.request("POST", "/api/v1/payments", { token, body: { reservationId: held.reservationId } }),
      201,
    );
    const again = await activeToken(h, "alice", concert.concertId);
    const result = await h.request("POST", "/api/v1/payments", {
      token: again,
      body: { reservationId: held.reservationId },
    });
    expectError(result, 409, "ALREADY_PAID");
    expect(await balanceOf(h, "alice")).toBe(450_000);
  });

  it("answers 403 NOT_OWNER for another user's reservation, taking no money from either", async () => {
    const h = harness();
    const { concert, scheduleId, token } = await bookingSetup(h, { balance: 500_000 });
    const held = await hold(h, token, scheduleId, [1]);
    const bob = await activeToken(h, "bob", concert.concertId);
    await charge(h, "bob", 500_000);
    const result = await h.request("POST", "/api/v1/payments", {
      token: bob,
      body: { reservationId: held.reservationId },
    });
    expectError(result, 403, "NOT_OWNER");
    expect(await balanceOf(h, "alice")).toBe(500_000);
    expect(await balanceOf(h, "bob")).toBe(500_000);
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "HELD" });
  });

  it("answers 404 RESERVATION_NOT_FOUND for an unknown reservation", async () => {
    const h = harness();
    const { token } = await bookingSetup(h, { balance: 500_000 });
    expectError(
      await h.request("POST", "/api/v1/payments", { token, body: { reservationId: "no-such-reservation" } }),
      404,
      "RESERVATION_NOT_FOUND",
    );
  });

  it("answers 401 without a live token: TOKEN_INVALID when missing, TOKEN_EXPIRED when left", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h, { balance: 500_000 });
    const held = await hold(h, token, scheduleId, [1]);
    const body = { reservationId: held.reservationId };
    expectError(await h.request("POST", "/api/v1/payments", { body }), 401, "TOKEN_INVALID");
    expect((await h.request("DELETE", "/api/v1/queue/tokens/current", { token })).status).toBe(204);
    expectError(await h.request("POST", "/api/v1/payments", { body, token }), 401, "TOKEN_EXPIRED");
    expect(await balanceOf(h, "alice")).toBe(500_000);
    expect(await reservationOf(h, held.reservationId)).toMatchObject({ status: "HELD" });
  });

  it("answers 400 VALIDATION_FAILED for a missing or malformed reservationId", async () => {
    const h = harness();
    const { token } = await bookingSetup(h);
    for (const body of [
      {},
      { reservationId: 5 },
      { reservationId: "" },
      { reservationId: "a b" },
      { reservationId: "r".repeat(65) },
    ]) {
      expectError(await h.request("POST", "/api/v1/payments", { body, token }), 400, "VALIDATION_FAILED");
    }
  });
});
