import { timingSafeEqual, createHash } from "node:crypto";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { BlankEnv } from "hono/types";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "./app.ts";
import { sendError } from "./errors.ts";
import { ADMIN_BEARER, errorResponses, jsonBody, jsonResponse } from "./openapi-helpers.ts";
import { bearerToken, respond } from "./respond.ts";
import {
  ConcertList,
  ConcertParams,
  CreateConcertBody,
  CreatedConcert,
  ScheduleList,
  ScheduleParams,
  ScheduleQuery,
  SeatMap,
  SeatQuery,
  WaitingRoomSettingsBody,
  WaitingRoomSettingsSchema,
} from "./schemas.ts";
import { createdConcertView, scheduleView, waitingRoomSettingsView } from "./views.ts";

function timeOrNull(iso: string | null | undefined): number | null {
  return iso === undefined || iso === null ? null : Date.parse(iso);
}

const listConcerts = createRoute({
  method: "get",
  path: "/api/v1/concerts",
  tags: ["Concerts"],
  summary: "List concerts",
  responses: { 200: jsonResponse(ConcertList, "Every concert") },
});

const listSchedules = createRoute({
  method: "get",
  path: "/api/v1/concerts/{concertId}/schedules",
  tags: ["Concerts"],
  summary: "List a concert's schedules with their free seats",
  request: { params: ConcertParams, query: ScheduleQuery },
  responses: {
    200: jsonResponse(ScheduleList, "The concert's schedules; ?available=true keeps those with free seats"),
    ...errorResponses([400, "VALIDATION_FAILED"], [404, "CONCERT_NOT_FOUND"]),
  },
});

const seatMap = createRoute({
  method: "get",
  path: "/api/v1/schedules/{scheduleId}/seats",
  tags: ["Concerts"],
  summary: "The seat map of a schedule",
  request: { params: ScheduleParams, query: SeatQuery },
  responses: {
    200: jsonResponse(SeatMap, "Every seat with its status and price; ?status= filters"),
    ...errorResponses([400, "VALIDATION_FAILED"], [404, "SCHEDULE_NOT_FOUND"]),
  },
});

const createConcert = createRoute({
  method: "post",
  path: "/api/v1/admin/concerts",
  tags: ["Admin"],
  summary: "Create a concert with its schedules",
  security: ADMIN_BEARER,
  request: jsonBody(CreateConcertBody),
  responses: {
    201: jsonResponse(CreatedConcert, "The concert with its new schedule ids"),
    ...errorResponses([400, "VALIDATION_FAILED"], [401, "ADMIN_UNAUTHORIZED"], [403, "ADMIN_DISABLED"]),
  },
});

const configureWaitingRoom = createRoute({
  method: "patch",
  path: "/api/v1/admin/concerts/{concertId}/waiting-room",
  tags: ["Admin"],
  summary: "Change a concert's waiting-room settings at run time (journaled; outlasts restarts)",
  security: ADMIN_BEARER,
  request: { params: ConcertParams, ...jsonBody(WaitingRoomSettingsBody) },
  responses: {
    200: jsonResponse(WaitingRoomSettingsSchema, "The waiting room's settings after the change"),
    ...errorResponses(
      [400, "VALIDATION_FAILED"],
      [401, "ADMIN_UNAUTHORIZED"],
      [403, "ADMIN_DISABLED"],
      [404, "CONCERT_NOT_FOUND"],
    ),
  },
});

/** Compares digests, so the comparison takes the same time whatever the token's length or content. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Undefined when the request carries the admin token; otherwise the response that refuses it. */
export function refuseNonAdmin(c: Context, adminToken: string | undefined): Response | undefined {
  if (adminToken === undefined) {
    return sendError(c, "ADMIN_DISABLED", "the admin API is disabled: ADMIN_TOKEN is not set");
  }
  const given = bearerToken(c);
  if (given === undefined || !sameSecret(given, adminToken)) {
    return sendError(c, "ADMIN_UNAUTHORIZED", "a valid admin token is required");
  }
  return undefined;
}

export function registerCatalogRoutes(app: OpenAPIHono, { engine, adminToken }: AppDeps): void {
  app.openapi(listConcerts, async (c) =>
    respond(c, await engine.listConcerts(), 200, (concerts) => ({
      concerts: concerts.map(({ concertId, title }) => ({ concertId, title })),
    })),
  );

  app.openapi(listSchedules, async (c) => {
    const { concertId } = c.req.valid("param");
    const onlyAvailable = c.req.valid("query").available === "true";
    return respond(c, await engine.listSchedules(concertId), 200, (schedules) => ({
      concertId,
      schedules: schedules.filter((s) => !onlyAvailable || s.availableSeats > 0).map(scheduleView),
    }));
  });

  app.openapi(seatMap, async (c) => {
    const { scheduleId } = c.req.valid("param");
    return respond(c, await engine.seatMap(scheduleId, c.req.valid("query").status), 200, (map) => map);
  });

  // Admin checks come before body validation: an unauthorised caller learns nothing about the schema.
  app.use(
    "/api/v1/admin/*",
    createMiddleware<BlankEnv>(async (c, next) => refuseNonAdmin(c, adminToken) ?? next()),
  );
  app.openapi(createConcert, async (c) => {
    const body = c.req.valid("json");
    const result = await engine.createConcert({
      title: body.title,
      onSaleAtMs: timeOrNull(body.onSaleAt),
      schedules: body.schedules.map((s) => ({
        startsAtMs: Date.parse(s.startsAt),
        seatCount: s.seatCount,
        price: s.price,
      })),
    });
    return respond(c, result, 201, createdConcertView);
  });

  app.openapi(configureWaitingRoom, async (c) => {
    const { concertId } = c.req.valid("param");
    // The API names the on-sale time `onSaleAt` and carries it as an ISO time; the engine keeps epoch ms.
    const { onSaleAt, ...limits } = c.req.valid("json");
    const settings = onSaleAt === undefined ? limits : { ...limits, onSaleAtMs: timeOrNull(onSaleAt) };
    return respond(c, await engine.configureWaitingRoom(concertId, settings), 200, (applied) =>
      waitingRoomSettingsView(concertId, applied),
    );
  });
}
