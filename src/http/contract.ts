import { pino } from "pino";
import type { Engine } from "../actors/engine.ts";
import { createApp } from "./app.ts";
import { openApiDocument } from "./docs-routes.ts";
import { HttpMetrics } from "./metrics.ts";

/**
 * The OpenAPI document without a server: the app is built over an engine that is never asked
 * anything (building the routes touches no dependency), and its document read. `npm run
 * contract:generate` commits it, and the tests check every answer against it.
 */
export function contractDocument(): ReturnType<typeof openApiDocument> {
  const app = createApp({
    engine: NO_ENGINE,
    metrics: new HttpMetrics(),
    adminToken: undefined,
    startedAtMs: 0,
    logger: pino({ level: "silent" }),
  });
  return openApiDocument(app);
}

/** Fails loudly should building the routes ever start to use the engine. */
const NO_ENGINE = new Proxy({} as Engine, {
  get(_target, property) {
    throw new Error(`the contract's app has no engine (asked for ${String(property)})`);
  },
});
