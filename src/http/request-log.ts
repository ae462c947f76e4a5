import type { Context, MiddlewareHandler } from "hono";
import { requestId } from "hono/request-id";
import type { IncomingMessage } from "node:http";
import type { Level, Logger } from "pino";
import { newId } from "../actors/ids.ts";
import { writeRequestLine } from "../logging.ts";
import { SecuredResponse } from "./security-headers.ts";

/** The longest request id a client may send; a longer one is replaced. */
export const REQUEST_ID_CHARS_MAX = 128;
/** An incoming id is kept when it is 1..REQUEST_ID_CHARS_MAX printable ASCII characters. */
const KEPT_REQUEST_ID = /^[\x20-\x7e]{1,128}$/;
/** Routes that balancers and Prometheus poll: their successes are logged at debug, not info. */
const PROBE_ROUTES: ReadonlySet<string> = new Set(["/health", "/health/ready", "/metrics"]);

/**
 * Hono's request-id middleware, set so that a client's `X-Request-Id` of 1..128 printable ASCII
 * characters is kept, and any other (or none) is replaced by a fresh id from the engine's id source.
 * The id is `c.var.requestId`, echoed in the `X-Request-Id` response header, in every error body and
 * in the request's log line.
 *
 * The middleware is given no header name: it then only asks the generator for the id and sets
 * `c.var.requestId`, and the generator reads the incoming header and sends the id back. On Node's
 * server the id goes to the `SecuredResponse`, which writes it with the security headers; setting it
 * through Hono (`c.header`) would build a web `Headers` object for every answer, and @hono/node-server
 * would copy it out again (about 2.5 µs a request).
 */
export function requestIds(): MiddlewareHandler {
  return requestId({ limitLength: REQUEST_ID_CHARS_MAX, headerName: "", generator: keptOrNewId });
}

function keptOrNewId(c: Context): string {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: unknown } | undefined;
  const incoming = env?.incoming;
  // Node's parsed headers, as `bearerToken` reads them: asking Hono would build its header view.
  const given = incoming === undefined ? c.req.header("x-request-id") : incoming.headers["x-request-id"];
  const id = typeof given === "string" && KEPT_REQUEST_ID.test(given) ? given : newId();
  const outgoing = env?.outgoing;
  if (outgoing instanceof SecuredResponse) {
    outgoing.requestId = id;
  } else {
    c.header("X-Request-Id", id);
  }
  return id;
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
  // `c.get`, not `c.var`: `c.var` copies every variable into a new object on each read.
  const requestId = c.get("requestId");
  const method = c.req.method;
  const durationMs = Math.round(seconds * 1e6) / 1e3;
  if (level === "error" && c.error !== undefined) {
    logger.error({ requestId, method, route, status, durationMs, err: c.error }, "unexpected error");
  } else {
    writeRequestLine(logger, level, requestId, method, route, status, durationMs);
  }
}
