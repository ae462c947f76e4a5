import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Result } from "../engine/decider.ts";
import { sendRejection } from "./errors.ts";

/** Maps an engine result to a response: the view of the value with `status`, or the rejection. */
export function respond<T>(
  c: Context,
  result: Result<T>,
  status: ContentfulStatusCode,
  view: (value: T) => unknown,
): Response {
  return result.ok ? c.json(view(result.value), status) : sendRejection(c, result.rejection);
}

/** The bearer credential of a request, or undefined when there is none. */
export function bearerToken(c: Context): string | undefined {
  const header = c.req.header("authorization");
  if (header === undefined) {
    return undefined;
  }
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  return match?.[1];
}
