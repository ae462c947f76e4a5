import type { IncomingMessage } from "node:http";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Result } from "../engine/decider.ts";
import { RejectionError } from "./errors.ts";

/** The value of an engine result, or a throw that `app.onError` turns into the error response. */
export function valueOf<T>(result: Result<T>): T {
  if (!result.ok) {
    throw new RejectionError(result.rejection);
  }
  return result.value;
}

/** Maps an engine result to a response: the view of the value with `status`, or the rejection. */
export function respond<T, V, S extends ContentfulStatusCode>(
  c: Context,
  result: Result<T>,
  status: S,
  view: (value: T) => V,
) {
  return c.json(view(valueOf(result)), status);
}

/**
 * The bearer credential of a request, or undefined when there is none. Read from Node's parsed
 * headers when there are some: asking Hono would build a web Headers object for this one header.
 */
export function bearerToken(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const header = incoming === undefined ? c.req.header("authorization") : incoming.headers.authorization;
  if (header === undefined) {
    return undefined;
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  return match?.[1];
}
