/**
 * The HTTP ceiling of this stack: a bare Hono app on @hono/node-server with the engine's routes,
 * which parses the same JSON request bodies and answers with a fixed reply captured from the engine
 * before timing (same status, same bytes). Whatever the engine does beyond this is its own cost.
 *
 * Run as a child process: `node --import tsx bench/baseline-server.ts`, configured by
 * `BASELINE_PORT` and `BASELINE_ROUTES` (JSON array of {@link BaselineRoute}).
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** One route of the baseline: what it answers, captured from the engine. */
export interface BaselineRoute {
  method: "GET" | "POST" | "DELETE";
  /** A Hono path pattern, the same shape as the engine's route. */
  path: string;
  status: number;
  /** The engine's reply body, returned verbatim (re-serialised per request, as a handler would). */
  body: unknown;
}

function parseRoutes(text: string | undefined): BaselineRoute[] {
  if (text === undefined) {
    throw new Error("BASELINE_ROUTES is not set");
  }
  const routes = JSON.parse(text) as BaselineRoute[];
  if (!Array.isArray(routes) || routes.length === 0) {
    throw new Error("BASELINE_ROUTES must be a non-empty JSON array");
  }
  return routes;
}

function main(): void {
  const port = Number(process.env.BASELINE_PORT);
  if (!Number.isInteger(port) || port <= 0) {
    throw new Error("BASELINE_PORT must be a port number");
  }
  const app = new Hono();
  app.get("/health", (c) => c.json({ status: "ok" }));
  for (const route of parseRoutes(process.env.BASELINE_ROUTES)) {
    const status = route.status as ContentfulStatusCode;
    const hasBody = route.method === "POST";
    app.on(route.method, route.path, async (c) => {
      if (hasBody) {
        const parsed: unknown = await c.req.json();
        if (typeof parsed !== "object" || parsed === null) {
          return c.json({ error: { code: "VALIDATION_FAILED", message: "body must be an object" } }, 400);
        }
      }
      return c.json(route.body, status);
    });
  }
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => {
    console.log(`baseline listening on 127.0.0.1:${port}`);
  });
  // Nothing to flush: the baseline keeps no state, so it may stop at once.
  process.once("SIGTERM", () => process.exit(0));
}

main();
