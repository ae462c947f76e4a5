import type { IncomingMessage } from "node:http";
import { OpenAPIHono, type RouteConfig, type z } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { sendError } from "./errors.ts";

/** What a route may say about its request, as `createRoute` takes it. */
type RequestParts = NonNullable<RouteConfig["request"]>;

/** JSON media types, as @hono/zod-openapi recognises them in a route and in a request. */
const JSON_MEDIA_TYPE = /^application\/([a-z-.]+\+)?json/i;
const JSON_REQUEST_CONTENT_TYPE = /^application\/([a-z-.]+\+)?json(;\s*[a-zA-Z0-9-]+=([^;]+))*$/i;

/**
 * `OpenAPIHono` whose routes validate their request in one middleware. @hono/zod-openapi adds a
 * middleware per part of the request (query, path, headers, media type, body), each of which builds
 * a web `Headers` object, copies every header into a new object and parses asynchronously: on a seat
 * hold that chain cost more than the engine's own work. This one reads what it needs from Node's
 * request and parses synchronously, with the same schemas, in the same order, with the same answers:
 * the first part that fails is reported, and a body of another media type is refused.
 *
 * The route is still registered for the OpenAPI document, and handlers read what was validated
 * through `c.req.valid(...)`, as with @hono/zod-openapi's own `openapi()`.
 */
export class ValidatedOpenAPIHono extends OpenAPIHono {
  override openapi: OpenAPIHono["openapi"] = ({ middleware, hide, ...route }, handler) => {
    if (hide !== true) {
      this.openAPIRegistry.registerPath(route);
    }
    const routeMiddleware: MiddlewareHandler[] = middleware === undefined ? [] : [middleware].flat();
    this.on(
      [route.method],
      [route.path.replaceAll(/\/{(.+?)}/g, "/:$1")],
      ...routeMiddleware,
      validateRequest(route.request),
      // The handler's own type is the route's; to Hono's router it is one more middleware.
      handler as unknown as MiddlewareHandler,
    );
    return this;
  };
}

function validateRequest(request: RequestParts | undefined): MiddlewareHandler {
  const query = request?.query;
  const params = request?.params;
  const headers = request?.headers as z.ZodType | undefined;
  const json = jsonSchemaOf(request);
  return async (c, next) => {
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    const refused =
      (query === undefined ? undefined : refusal(c, "query", query, queryOf(c))) ??
      (params === undefined ? undefined : refusal(c, "param", params, c.req.param())) ??
      (headers === undefined ? undefined : refusal(c, "header", headers, headersOf(c, incoming)));
    if (refused !== undefined) {
      return refused;
    }
    if (json !== undefined) {
      const contentType =
        incoming === undefined ? c.req.header("content-type") : incoming.headers["content-type"];
      if (contentType === undefined ? hasBody(c, incoming) : !JSON_REQUEST_CONTENT_TYPE.test(contentType)) {
        throw new HTTPException(415, { message: "Unsupported Media Type" });
      }
      const bodyRefused = refusal(c, "json", json, contentType === undefined ? {} : await jsonOf(c));
      if (bodyRefused !== undefined) {
        return bodyRefused;
      }
    }
    return next();
  };
}

async function jsonOf(c: Context): Promise<unknown> {
  try {
    return (await c.req.json()) as unknown;
  } catch {
    throw new HTTPException(400, { message: "Malformed JSON in request body" });
  }
}

/** The schema of a JSON request body, when the route takes one. */
function jsonSchemaOf(request: RequestParts | undefined): z.ZodType | undefined {
  const content = request?.body?.content;
  if (content === undefined) {
    return undefined;
  }
  const mediaType = Object.keys(content).find((type) => JSON_MEDIA_TYPE.test(type));
  const described = mediaType === undefined ? undefined : content[mediaType];
  return described !== undefined && "schema" in described ? (described.schema as z.ZodType) : undefined;
}

/**
 * Validates one part of the request: undefined when it passes (handlers then read it through
 * `c.req.valid(target)`), else the answer the app gives an invalid request.
 */
function refusal(
  c: Context,
  target: "query" | "param" | "header" | "json",
  schema: z.ZodType,
  value: unknown,
): Response | undefined {
  const result = schema.safeParse(value);
  if (!result.success) {
    return sendError(c, "VALIDATION_FAILED", describeIssues(result.error.issues));
  }
  c.req.addValidatedData(target, result.data as object);
  return undefined;
}

/** The query string as Hono's validator gives it: a repeated key becomes an array. */
function queryOf(c: Context): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [key, values] of Object.entries(c.req.queries())) {
    query[key] = values.length === 1 ? (values[0] as string) : values;
  }
  return query;
}

/** Request headers by lower-case name, straight from Node's parsed headers when there are some. */
function headersOf(c: Context, incoming: IncomingMessage | undefined): Record<string, unknown> {
  return incoming === undefined ? c.req.header() : incoming.headers;
}

/** Whether a request without a Content-Type still carries a body (which is then refused). */
function hasBody(c: Context, incoming: IncomingMessage | undefined): boolean {
  if (incoming === undefined) {
    return c.req.raw.body !== null;
  }
  const length = incoming.headers["content-length"];
  return (length !== undefined && length !== "0") || incoming.headers["transfer-encoding"] !== undefined;
}

/** A validation failure as one line: the first few issues, each with the path it is about. */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues
    .slice(0, 5)
    .map((issue) =>
      issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message,
    )
    .join("; ");
}
