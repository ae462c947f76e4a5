/**
 * The ceiling of this stack: the fastest bare Hono app on @hono/node-server 2.x with the engine's
 * routes. Per request it does what any handler of the route must and nothing else: it parses the
 * JSON body (`c.req.json()`, which node-server 2.x reads straight from Node's request without
 * building a web Request) and answers the reply captured from the engine with `c.json()`, which keeps
 * node-server on its cached-response path (one plain header object, no web Headers). No middleware.
 * Whatever the engine does beyond this is its own cost.
 *
 * Run as a child process: `node --import tsx bench/baseline-server.ts`, configured by `CEILING_PORT`
 * and `CEILING_ROUTES` (see bench/ceiling-routes.ts).
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

import { ceilingConfig, HEALTH_REPLY, NOT_AN_OBJECT_REPLY, takesBody } from "./ceiling-routes.ts";

function main(): void {
  const { port, routes } = ceilingConfig();
  const app = new Hono();
  app.get("/health", (c) => c.json(HEALTH_REPLY));
  for (const route of routes) {
    const status = route.status as ContentfulStatusCode;
    if (!takesBody(route)) {
      app.on(route.method, route.path, (c) => c.json(route.body, status));
      continue;
    }
    app.on(route.method, route.path, async (c) => {
      const parsed: unknown = await c.req.json();
      if (typeof parsed !== "object" || parsed === null) {
        return c.json(NOT_AN_OBJECT_REPLY, 400);
      }
      return c.json(route.body, status);
    });
  }
  serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => {
    console.log(`baseline (bare Hono) listening on 127.0.0.1:${port}`);
  });
  // Nothing to flush: the baseline keeps no state, so it may stop at once.
  process.once("SIGTERM", () => process.exit(0));
}

main();
