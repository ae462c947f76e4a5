/**
 * What the two ceiling servers share: the routes they serve, each with the reply captured from the
 * engine before timing, and how a child server reads them from its environment. The bare-Hono
 * baseline (bench/baseline-server.ts) and raw `node:http` (bench/raw-http-server.ts) answer the same
 * routes with the same statuses and bytes, so the only difference between them is the stack.
 */

/** One route of a ceiling server: what it answers, captured from the engine. */
export interface CeilingRoute {
  method: "GET" | "POST" | "DELETE";
  /** A Hono path pattern, the same shape as the engine's route, e.g. `/api/v1/schedules/:scheduleId/seats`. */
  path: string;
  status: number;
  /** The engine's reply body, returned verbatim (serialised per request, as a handler would). */
  body: unknown;
}

/** The environment a ceiling server is started with. */
export const CEILING_PORT_ENV = "CEILING_PORT";
export const CEILING_ROUTES_ENV = "CEILING_ROUTES";

/** What every ceiling answers on `GET /health`, the readiness check the harness polls. */
export const HEALTH_REPLY = { status: "ok" } as const;

/** The reply to a POST body that is JSON but not an object, as the engine's validation answers it. */
export const NOT_AN_OBJECT_REPLY = {
  error: { code: "VALIDATION_FAILED", message: "body must be an object" },
} as const;

/** Only POST routes carry a body; a DELETE's is ignored, as the engine ignores it. */
export function takesBody(route: Pick<CeilingRoute, "method">): boolean {
  return route.method === "POST";
}

/** Reads the port and routes of a ceiling server from its environment, or throws naming what is wrong. */
export function ceilingConfig(env: NodeJS.ProcessEnv = process.env): {
  port: number;
  routes: CeilingRoute[];
} {
  const port = Number(env[CEILING_PORT_ENV]);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error(`${CEILING_PORT_ENV} must be a port number`);
  }
  const text = env[CEILING_ROUTES_ENV];
  if (text === undefined) {
    throw new Error(`${CEILING_ROUTES_ENV} is not set`);
  }
  const routes = JSON.parse(text) as CeilingRoute[];
  if (!Array.isArray(routes) || routes.length === 0) {
    throw new Error(`${CEILING_ROUTES_ENV} must be a non-empty JSON array`);
  }
  return { port, routes };
}
