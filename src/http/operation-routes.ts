import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppDeps } from "./app.ts";
import { jsonResponse } from "./openapi-helpers.ts";
import { Health } from "./schemas.ts";

const health = createRoute({
  method: "get",
  path: "/health",
  tags: ["Operations"],
  summary: "Liveness, with the last durable journal seq",
  responses: {
    200: jsonResponse(Health, "Serving"),
    503: jsonResponse(Health, "The journal failed; writes are refused"),
  },
});

export function registerOperationRoutes(app: OpenAPIHono, { engine, metrics, startedAtMs }: AppDeps): void {
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

  app.get("/metrics", async (c) => {
    c.header("Content-Type", metrics.registry.contentType);
    return c.body(await metrics.registry.metrics());
  });
}
