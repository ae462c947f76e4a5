import type { Context, MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { Level, Logger } from "pino";
import { newId } from "../actors/ids.ts";

/** The longest request id a client may send; a longer one is replaced. */
export const REQUEST_ID_CHARS_MAX = 128;
/** An incoming id is kept when it is 1..REQUEST_ID_CHARS_MAX printable ASCII characters. */
const KEPT_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;
/** Routes that balancers and Prometheus poll: their successes are logged at debug, not info. */
const PROBE_ROUTES: ReadonlySet<string> = new Set(["/health", "/health/ready", "/metrics"]);

/**
 * Hono's request-id middleware, set so that a client's `X-Request-Id` of 1..128 printable ASCII
 * characters is kept, and any other (or none) is replaced by a fresh id from the engine's id source.
 * Hono keeps only ids of word characters, `-` and `=`, and asks the generator otherwise; the generator
 * keeps the rest of the printable ones. The id is `c.var.requestId`, echoed in the `X-Request-Id`
 * response header, in every error body and in the request's log line.
 */
export function requestIds(): MiddlewareHandler {
  return requestId({ limitLength: REQUEST_ID_CHARS_MAX, generator: keptOrNewId });
}

function keptOrNewId(c: Context): string {
  const incoming = c.req.header("x-request-id");
  return incoming !== undefined && KEPT_REQUEST_ID.test(incoming) ? incoming : newId();
}

/**
 * The level of a request's line. A server error is an error, an overload or a failed journal (503)
 * a warning (the journal's failure itself is logged once, at error), a client's mistake is info like
 * any other request, and a successful probe debug.
 */
function levelOf(status: number, route: string): Level {
  if (status >= 500) {
    return status === 503 ? "warn" : "error";
  }
  return status < 400 && PROBE_ROUTES.has(route) ? "debug" : "info";
}

/**
 * Writes the one line of a finished request: request id, method, route pattern (`routeLabel`: the
 * route that served it, `_unmatched` for a 404 or 405), status and duration.
 * A server error's line carries the error with its stack (`err`); a client never sees it.
 */
export function logRequest(logger: Logger, c: Context, route: string, seconds: number): void {
  const status = c.res.status;
  const level = levelOf(status, route);
  if (!logger.isLevelEnabled(level)) {
    return;
  }
  const line = {
    requestId: c.var.requestId,
    method: c.req.method,
    route,
    status,
    durationMs: Math.round(seconds * 1e6) / 1e3,
  };
  if (level === "error" && c.error !== undefined) {
    logger.error({ ...line, err: c.error }, "unexpected error");
  } else {
    logger[level](line, "request");
  }
}
