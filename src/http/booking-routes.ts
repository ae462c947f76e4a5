import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "./app.ts";
import { BEARER_TOKEN, errorResponses, jsonBody, jsonResponse } from "./openapi-helpers.ts";
import { bearerToken, respond } from "./respond.ts";
import {
  HoldBody,
  IdempotencyHeaders,
  PayBody,
  PaymentSchema,
  ReservationList,
  ReservationParams,
  ReservationSchema,
  UserParams,
} from "./schemas.ts";
import { paymentView, reservationView } from "./views.ts";

const holdSeats = createRoute({
  method: "post",
  path: "/api/v1/reservations",
  tags: ["Reservations"],
  summary: "Hold 1..4 seats of a schedule for a few minutes, all or none",
  security: BEARER_TOKEN,
  request: { headers: IdempotencyHeaders, ...jsonBody(HoldBody) },
  responses: {
    201: jsonResponse(ReservationSchema, "The seats are held until expiresAt"),
    ...errorResponses(
      [400, "VALIDATION_FAILED"],
      [401, "TOKEN_INVALID or TOKEN_EXPIRED"],
      [403, "TOKEN_NOT_ACTIVE (with position) or TOKEN_CONCERT_MISMATCH"],
      [404, "SCHEDULE_NOT_FOUND or SEAT_NOT_FOUND"],
      [409, "SEAT_UNAVAILABLE (with seatNumbers) or HOLD_LIMIT_REACHED"],
      [422, "IDEMPOTENCY_KEY_REUSED"],
      [503, "OVERLOADED"],
    ),
  },
});

const getReservation = createRoute({
  method: "get",
  path: "/api/v1/reservations/{reservationId}",
  tags: ["Reservations"],
  summary: "A reservation with its current status",
  request: { params: ReservationParams },
  responses: {
    200: jsonResponse(ReservationSchema, "The reservation"),
    ...errorResponses([400, "VALIDATION_FAILED"], [404, "RESERVATION_NOT_FOUND"]),
  },
});

const listReservations = createRoute({
  method: "get",
  path: "/api/v1/users/{userId}/reservations",
  tags: ["Reservations"],
  summary: "A user's reservations, newest first",
  request: { params: UserParams },
  responses: {
    200: jsonResponse(ReservationList, "The user's reservations"),
    ...errorResponses([400, "VALIDATION_FAILED"]),
  },
});

const cancelReservation = createRoute({
  method: "delete",
  path: "/api/v1/reservations/{reservationId}",
  tags: ["Reservations"],
  summary: "Release a held reservation; its seats are free again",
  security: BEARER_TOKEN,
  request: { params: ReservationParams },
  responses: {
    200: jsonResponse(ReservationSchema, "The reservation, now CANCELLED"),
    ...errorResponses(
      [401, "TOKEN_INVALID or TOKEN_EXPIRED"],
      [403, "NOT_OWNER, TOKEN_NOT_ACTIVE or TOKEN_CONCERT_MISMATCH"],
      [404, "RESERVATION_NOT_FOUND"],
      [409, "RESERVATION_NOT_HELD"],
    ),
  },
});

const pay = createRoute({
  method: "post",
  path: "/api/v1/payments",
  tags: ["Payments"],
  summary: "Pay a held reservation from the balance; books its seats and ends the token",
  security: BEARER_TOKEN,
  request: { headers: IdempotencyHeaders, ...jsonBody(PayBody) },
  responses: {
    201: jsonResponse(PaymentSchema, "Paid: the reservation is CONFIRMED and its seats BOOKED"),
    ...errorResponses(
      [400, "VALIDATION_FAILED"],
      [401, "TOKEN_INVALID or TOKEN_EXPIRED"],
      [402, "INSUFFICIENT_BALANCE (nothing changes; the hold stays)"],
      [403, "NOT_OWNER, TOKEN_NOT_ACTIVE or TOKEN_CONCERT_MISMATCH"],
      [404, "RESERVATION_NOT_FOUND"],
      [409, "ALREADY_PAID"],
      [410, "HOLD_EXPIRED (no money moves)"],
      [422, "IDEMPOTENCY_KEY_REUSED"],
    ),
  },
});

export function registerBookingRoutes(app: OpenAPIHono, { engine, metrics }: AppDeps): void {
  app.openapi(holdSeats, async (c) => {
    const body = c.req.valid("json");
    const seatNumbers = "seatNumbers" in body ? body.seatNumbers : [body.seatNumber];
    const result = await engine.holdSeats(
      bearerToken(c),
      body.scheduleId,
      seatNumbers,
      c.req.valid("header")["idempotency-key"],
    );
    metrics.holds.inc({ outcome: result.ok ? "HELD" : result.rejection.code });
    return respond(c, result, 201, reservationView);
  });

  app.openapi(getReservation, async (c) =>
    respond(c, await engine.reservation(c.req.valid("param").reservationId), 200, reservationView),
  );

  app.openapi(listReservations, async (c) => {
    const { userId } = c.req.valid("param");
    return respond(c, await engine.reservationsOf(userId), 200, (reservations) => ({
      userId,
      reservations: reservations.map(reservationView),
    }));
  });

  app.openapi(cancelReservation, async (c) =>
    respond(
      c,
      await engine.cancelReservation(bearerToken(c), c.req.valid("param").reservationId),
      200,
      reservationView,
    ),
  );

  app.openapi(pay, async (c) => {
    const { reservationId } = c.req.valid("json");
    const result = await engine.pay(bearerToken(c), reservationId, c.req.valid("header")["idempotency-key"]);
    metrics.payments.inc({ outcome: result.ok ? "COMPLETED" : result.rejection.code });
    return respond(c, result, 201, paymentView);
  });
}
