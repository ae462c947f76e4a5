import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Engine } from "../actors/engine.ts";
import type { ShardRoutes } from "../cluster/shard-routes.ts";
import type { Logger } from "../logging.ts";
import { RejectionError, sendError, sendRejection } from "./errors.ts";
import { routeLabel, type HttpMetrics } from "./metrics.ts";
import { registerBookingRoutes } from "./booking-routes.ts";
import { registerCatalogRoutes } from "./catalog-routes.ts";
import { registerDocsRoutes } from "./docs-routes.ts";
import { registerOperationRoutes } from "./operation-routes.ts";
import { registerQueueRoutes } from "./queue-routes.ts";
import { registerWalletRoutes } from "./wallet-routes.ts";
import { ClientWentAway, jsonBody } from "./json-body.ts";
import { ValidatedOpenAPIHono } from "./validated-routes.ts";
import { logRequest, requestIds } from "./request-log.ts";

export { REQUEST_BODY_BYTES_MAX } from "./json-body.ts";

export interface AppDeps {
  readonly engine: Engine;
  readonly metrics: HttpMetrics;
  /** Unset disables the admin API (403 ADMIN_DISABLED). */
  readonly adminToken: string | undefined;
  readonly startedAtMs: number;
  /**
   * Gets one line per request (`request-log.ts`): a server error's at error level with its stack,
   * never a client's mistake.
   */
  readonly logger: Logger;
  /** True once the server drains before it stops: GET /health/ready answers 503 DRAINING. */
  readonly isDraining?: () => boolean;
  /** Set when the server is a shard of a cluster (src/cluster/shard-routes.ts); unset for a single node. */
  readonly shard?: ShardRoutes;
}

export type App = OpenAPIHono;

/**
 * Builds the HTTP API over an engine. Handlers validate, call one engine method and map its
 * result; every error, whoever raises it, leaves through the same error body and status table.
 */
export function createApp(deps: AppDeps): App {
  const app = new ValidatedOpenAPIHono();

  // First, so that every answer, an error from any middleware included, carries the request id.
  app.use(requestIds());
  app.use(async (c, next) => {
    const startedNs = process.hrtime.bigint();
    await next();
    const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
    const route = routeLabel(c);
    deps.metrics.observeRequest(c.req.method, route, c.res.status, seconds);
    logRequest(deps.logger, c, route, seconds);
  });
  app.use(jsonBody());
  if (deps.shard !== undefined) {
    app.use(deps.shard.middleware);
    deps.shard.registerInternal(app);
  }

  registerQueueRoutes(app, deps);
  registerCatalogRoutes(app, deps);
  registerWalletRoutes(app, deps);
  registerBookingRoutes(app, deps);
  registerOperationRoutes(app, deps);

  registerDocsRoutes(app);

  const routes = app.routes
    .filter((route) => route.method !== "ALL")
    .map((route) => ({ method: route.method, pattern: routePattern(route.path) }));
  app.notFound((c) => {
    const allowed = routes.filter((route) => route.pattern.test(c.req.path)).map((route) => route.method);
    if (allowed.length > 0) {
      c.header("Allow", [...new Set(allowed)].join(", "));
      return sendError(c, "METHOD_NOT_ALLOWED", `${c.req.method} is not allowed on ${c.req.path}`);
    }
    return sendError(c, "NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`);
  });
  app.onError(handleError);
  return app;
}

/** Answers any error thrown on the way; Hono keeps it as `c.error`, for the request's log line. */
function handleError(error: Error, c: Context): Response {
  if (error instanceof RejectionError) {
    return sendRejection(c, error.rejection);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // The JSON validator raises this for a body that does not parse.
    return sendError(c, "VALIDATION_FAILED", error.message || "the request body is not valid JSON");
  }
  if (clientWentAway(error, c)) {
    // The client closed the connection (or was cut off for sending too slowly) before its body
    // arrived whole: nothing was done, nobody will read this answer, and it is not a server error.
    return sendError(c, "VALIDATION_FAILED", "the request body did not arrive whole");
  }
  return sendError(c, "INTERNAL_ERROR", "the server failed to answer this request");
}

/** True when reading the request failed because its connection was closed by the client. */
function clientWentAway(error: Error, c: Context): boolean {
  if (error instanceof ClientWentAway) {
    return true;
  }
  const code: unknown = (error as { code?: unknown }).code;
  return c.req.raw.signal.aborted || (code === "ECONNRESET" && error.message === "aborted");
}

/**
 * A route path such as /api/v1/schedules/:scheduleId/seats as a regular expression. It matches exactly
 * what the router matches (routing is strict: no trailing slash), so a path the router does not serve
 * with any method is a 404, never a 405 that names the method the client used as allowed.
 */
function routePattern(path: string): RegExp {
  const source = path
    .split("/")
    .map((part) =>
      part.startsWith(":") ? "[^/]+" : part === "*" ? ".*" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"),
    )
    .join("/");
  return new RegExp(`^${source}$`);
}
