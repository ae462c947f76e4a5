import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "./app.ts";
import {
  HOLD_REQUEST,
  PAY_REQUEST,
  PAYMENT,
  RESERVATION_CANCELLED,
  RESERVATION_HELD,
  RESERVATION_LIST,
} from "./examples.ts";
import { documented, jsonBody, jsonResponse, TOKEN_ACCESS_CODES } from "./openapi-helpers.ts";
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

const holdSeats = createRoute(
  documented(
    {
      method: "post",
      path: "/api/v1/reservations",
      operationId: "holdSeats",
      tags: ["Reservations"],
      summary: "Hold 1..4 seats of a schedule for a few minutes, all or none",
      request: { headers: IdempotencyHeaders, ...jsonBody(HoldBody, HOLD_REQUEST) },
      responses: {
        201: jsonResponse(ReservationSchema, "The seats are held until expiresAt", RESERVATION_HELD),
      },
    },
    {
      access: "queueToken",
      viaActor: true,
      codes: [
        ...TOKEN_ACCESS_CODES,
        "SCHEDULE_NOT_FOUND",
        "SEAT_NOT_FOUND",
        "SEAT_UNAVAILABLE",
        "HOLD_LIMIT_REACHED",
        "IDEMPOTENCY_KEY_REUSED",
      ],
    },
  ),
);

const getReservation = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/reservations/{reservationId}",
      operationId: "getReservation",
      tags: ["Reservations"],
      summary: "A reservation with its current status",
      request: { params: ReservationParams },
      responses: { 200: jsonResponse(ReservationSchema, "The reservation", RESERVATION_HELD) },
    },
    { access: "public", viaActor: true, codes: ["RESERVATION_NOT_FOUND"] },
  ),
);

const listReservations = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/users/{userId}/reservations",
      operationId: "listUserReservations",
      tags: ["Reservations"],
      summary: "A user's reservations, newest first",
      request: { params: UserParams },
      responses: { 200: jsonResponse(ReservationList, "The user's reservations", RESERVATION_LIST) },
    },
    { access: "public", viaActor: true },
  ),
);

const cancelReservation = createRoute(
  documented(
    {
      method: "delete",
      path: "/api/v1/reservations/{reservationId}",
      operationId: "cancelReservation",
      tags: ["Reservations"],
      summary: "Release a held reservation; its seats are free again",
      request: { params: ReservationParams },
      responses: {
        200: jsonResponse(ReservationSchema, "The reservation, now CANCELLED", RESERVATION_CANCELLED),
      },
    },
    {
      access: "queueToken",
      viaActor: true,
      codes: [...TOKEN_ACCESS_CODES, "NOT_OWNER", "RESERVATION_NOT_FOUND", "RESERVATION_NOT_HELD"],
    },
  ),
);

const pay = createRoute(
  documented(
    {
      method: "post",
      path: "/api/v1/payments",
      operationId: "payReservation",
      tags: ["Payments"],
      summary: "Pay a held reservation from the balance; books its seats and ends the token",
      request: { headers: IdempotencyHeaders, ...jsonBody(PayBody, PAY_REQUEST) },
      responses: {
        201: jsonResponse(PaymentSchema, "Paid: the reservation is CONFIRMED and its seats BOOKED", PAYMENT),
      },
    },
    {
      access: "queueToken",
      viaActor: true,
      codes: [
        ...TOKEN_ACCESS_CODES,
        "INSUFFICIENT_BALANCE",
        "NOT_OWNER",
        "RESERVATION_NOT_FOUND",
        "ALREADY_PAID",
        "HOLD_EXPIRED",
        "IDEMPOTENCY_KEY_REUSED",
        // Only in a cluster, when the payer's wallet is on another shard (README, "Payments across shards").
        "PAYMENT_IN_PROGRESS",
        "FUNDS_PENDING_LIMIT_REACHED",
      ],
    },
  ),
);

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
