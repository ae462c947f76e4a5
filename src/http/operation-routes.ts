import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { BlankEnv } from "hono/types";
import type { AppDeps } from "./app.ts";
import { sendError } from "./errors.ts";
import { documented, jsonResponse } from "./openapi-helpers.ts";
import { HEALTH_FAILED, HEALTH_OK } from "./examples.ts";
import { Health } from "./schemas.ts";

const health = createRoute(
  documented(
    {
      method: "get",
      path: "/health",
      operationId: "getHealth",
      tags: ["Operations"],
      summary: "Liveness, with the last durable journal seq",
      responses: {
        200: jsonResponse(Health, "Serving", HEALTH_OK),
        503: jsonResponse(Health, "The journal failed; writes are refused", HEALTH_FAILED),
      },
    },
    { access: "public", viaActor: false },
  ),
);

const metricsRoute = createRoute(
  documented(
    {
      method: "get",
      path: "/metrics",
      operationId: "getMetrics",
      tags: ["Operations"],
      summary: "Prometheus metrics, in the text exposition format",
      responses: {
        200: {
          description: "Every series, for a Prometheus scrape",
          content: {
            "text/plain": {
              schema: z.string(),
              example:
                "# HELP app_holds_total Seat hold requests answered, by outcome (HELD or the rejection code)\n" +
                "# TYPE app_holds_total counter\n" +
                'app_holds_total{outcome="HELD"} 42\n',
            },
          },
        },
      },
    },
    { access: "public", viaActor: false },
  ),
);

const Readiness = z.strictObject({ status: z.literal("ready") }).openapi("Readiness");

const readiness = documented(
  createRoute({
    method: "get",
    path: "/health/ready",
    operationId: "getReadiness",
    tags: ["Operations"],
    summary: "Readiness, for a load balancer: whether to send this server requests",
    description:
      "503 DRAINING from SIGTERM until the server closes its connections (`DRAIN_DELAY_MS`), so that a " +
      "balancer stops sending before they close; 503 JOURNAL_UNAVAILABLE once the journal has failed. " +
      "`/health` is the liveness check.",
    responses: { 200: jsonResponse(Readiness, "Ready: send requests", { status: "ready" }) },
  }),
  { access: "public", viaActor: false, codes: ["DRAINING", "JOURNAL_UNAVAILABLE"] },
);

export function registerOperationRoutes(
  app: OpenAPIHono,
  { engine, metrics, startedAtMs, isDraining }: AppDeps,
): void {
  app.openapi(health, (c) => {
    const failed = engine.journalFailed();
    return c.json(
      {
        status: failed ? ("failed" as const) : ("ok" as const),
        journalSeq: engine.journalSeq(),
        uptimeSeconds: Math.floor((Date.now() - startedAtMs) / 1000),
      },
      failed ? 503 : 200,
    );
  });

  // Not ready is answered before the route, as the admin guard does: the route only says "ready".
  app.use(
    readiness.path,
    createMiddleware<BlankEnv>(async (c, next) => {
      if (engine.journalFailed()) {
        return sendError(c, "JOURNAL_UNAVAILABLE", "the journal failed; this server refuses every request");
      }
      if (isDraining?.() === true) {
        return sendError(c, "DRAINING", "the server is draining before it stops; send requests elsewhere");
      }
      return next();
    }),
  );
  app.openapi(readiness, (c) => c.json({ status: "ready" as const }, 200));

  app.openapi(metricsRoute, async (c) => {
    // The exposition format's own content type (with its version), not text/plain's default one.
    return c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType });
  });
}
