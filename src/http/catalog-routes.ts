import { timingSafeEqual, createHash } from "node:crypto";
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { BlankEnv } from "hono/types";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "./app.ts";
import { sendError } from "./errors.ts";
import {
  CONCERT_LIST,
  CREATE_CONCERT_REQUEST,
  CREATED_CONCERT,
  SCHEDULE_LIST,
  SEAT_MAP,
  WAITING_ROOM_SETTINGS,
  WAITING_ROOM_SETTINGS_REQUEST,
} from "./examples.ts";
import { documented, jsonBody, jsonResponse } from "./openapi-helpers.ts";
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

const listConcerts = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/concerts",
      operationId: "listConcerts",
      tags: ["Concerts"],
      summary: "List concerts",
      responses: { 200: jsonResponse(ConcertList, "Every concert", CONCERT_LIST) },
    },
    { access: "public", viaActor: true },
  ),
);

const listSchedules = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/concerts/{concertId}/schedules",
      operationId: "listSchedules",
      tags: ["Concerts"],
      summary: "List a concert's schedules with their free seats",
      request: { params: ConcertParams, query: ScheduleQuery },
      responses: {
        200: jsonResponse(
          ScheduleList,
          "The concert's schedules; ?available=true keeps those with free seats",
          SCHEDULE_LIST,
        ),
      },
    },
    { access: "public", viaActor: true, codes: ["CONCERT_NOT_FOUND"] },
  ),
);

const seatMap = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/schedules/{scheduleId}/seats",
      operationId: "getSeatMap",
      tags: ["Concerts"],
      summary: "The seat map of a schedule",
      request: { params: ScheduleParams, query: SeatQuery },
      responses: {
        200: jsonResponse(SeatMap, "Every seat with its status and price; ?status= filters", SEAT_MAP),
      },
    },
    { access: "public", viaActor: true, codes: ["SCHEDULE_NOT_FOUND"] },
  ),
);

const createConcert = createRoute(
  documented(
    {
      method: "post",
      path: "/api/v1/admin/concerts",
      operationId: "createConcert",
      tags: ["Admin"],
      summary: "Create a concert with its schedules",
      request: jsonBody(CreateConcertBody, CREATE_CONCERT_REQUEST),
      responses: {
        201: jsonResponse(CreatedConcert, "The concert with its new schedule ids", CREATED_CONCERT),
      },
    },
    { access: "admin", viaActor: true },
  ),
);

const configureWaitingRoom = createRoute(
  documented(
    {
      method: "patch",
      path: "/api/v1/admin/concerts/{concertId}/waiting-room",
      operationId: "configureWaitingRoom",
      tags: ["Admin"],
      summary: "Change a concert's waiting-room settings at run time (journaled; outlasts restarts)",
      request: { params: ConcertParams, ...jsonBody(WaitingRoomSettingsBody, WAITING_ROOM_SETTINGS_REQUEST) },
      responses: {
        200: jsonResponse(
          WaitingRoomSettingsSchema,
          "The waiting room's settings after the change",
          WAITING_ROOM_SETTINGS,
        ),
      },
    },
    { access: "admin", viaActor: true, codes: ["CONCERT_NOT_FOUND"] },
  ),
);

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
