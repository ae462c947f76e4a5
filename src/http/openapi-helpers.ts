import type { RouteConfig, z } from "@hono/zod-openapi";
import {
  DESCRIPTION_OF,
  PUBLIC_ERROR_CODES,
  STATUS_OF,
  type ErrorCode,
  type PublicErrorCode,
} from "./errors.ts";
import { ERROR_EXAMPLES, EXAMPLE_REQUEST_ID } from "./examples.ts";

/**
 * Small builders that keep route definitions to what differs between routes, and `documented`, which
 * derives each operation's error responses from what the route is (its request parts, its method,
 * who may call it, whether it goes through an actor) and the codes its engine call can refuse with.
 */

export function jsonBody<T extends z.ZodType>(schema: T, example: z.input<T>) {
  return { body: { content: { "application/json": { schema, example } }, required: true } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string, example: z.output<T>) {
  return { content: { "application/json": { schema, example } }, description };
}

/** Who may call an operation: anyone, the holder of a queue token, or the operator. */
export type Access = "public" | "queueToken" | "admin";

const SECURITY_OF: Readonly<Record<Access, RouteConfig["security"]>> = {
  public: [],
  queueToken: [{ queueToken: [] }],
  admin: [{ adminToken: [] }],
};

/** The codes of `decideTokenAccess`: every change made with a queue token can be refused with them. */
export const TOKEN_ACCESS_CODES = [
  "TOKEN_INVALID",
  "TOKEN_EXPIRED",
  "TOKEN_NOT_ACTIVE",
  "TOKEN_CONCERT_MISMATCH",
] as const satisfies readonly PublicErrorCode[];

export interface OperationErrors {
  readonly access: Access;
  /** True when the handler asks an actor: its mailbox may be full, and its answer waits on the journal. */
  readonly viaActor: boolean;
  /** The codes the engine call itself can answer with, beyond those `documented` derives. */
  readonly codes?: readonly PublicErrorCode[];
}

/** Headers every response, and every 503 error, carries: `registerDocsRoutes` defines them once. */
export const RESPONSE_HEADERS = {
  RequestId: {
    description:
      "The request's id: the client's own X-Request-Id when it was 1..128 printable characters, else a new one.",
    required: true,
    schema: { type: "string" as const, example: EXAMPLE_REQUEST_ID },
  },
  RetryAfter: {
    description: "Seconds to wait before retrying.",
    required: true,
    schema: { type: "integer" as const, minimum: 0 },
  },
  Allow: {
    description: "The methods the path has.",
    required: true,
    schema: { type: "string" as const, example: "GET, POST" },
  },
};
const REQUEST_ID_HEADER = { "X-Request-Id": { $ref: "#/components/headers/RequestId" } };
const RETRY_AFTER_HEADER = { "Retry-After": { $ref: "#/components/headers/RetryAfter" } };
const ALLOW_HEADER = { Allow: { $ref: "#/components/headers/Allow" } };

/** The headers of an error response beyond the request id, by status. */
function errorHeadersOf(status: number) {
  switch (status) {
    case 405:
      return { ...REQUEST_ID_HEADER, ...ALLOW_HEADER };
    case 503:
      return { ...REQUEST_ID_HEADER, ...RETRY_AFTER_HEADER };
    default:
      return REQUEST_ID_HEADER;
  }
}

/**
 * The codes an operation can answer with. Validation runs on every request part a route declares,
 * and a body sent to any method but GET is read (and may be too large, or not JSON) before routing;
 * the admin middleware answers before the route; a mailbox refuses when full, and a failed journal
 * fails every answer that waits on it; in a cluster the owning shard may be down; any handler can
 * fail (500). Every operation's path answers 405
 * to a method it does not have, which is listed on the operations the path has.
 */
export function errorCodesOf(
  route: RouteConfig,
  { access, viaActor, codes = [] }: OperationErrors,
): PublicErrorCode[] {
  const request = route.request;
  const readsBody = route.method !== "get" && route.method !== "head";
  const validated =
    readsBody ||
    request?.params !== undefined ||
    request?.query !== undefined ||
    request?.headers !== undefined ||
    request?.body !== undefined;
  const derived: PublicErrorCode[] = [
    ...(validated ? (["VALIDATION_FAILED"] as const) : []),
    ...(readsBody ? (["PAYLOAD_TOO_LARGE"] as const) : []),
    ...(access === "queueToken" ? (["TOKEN_INVALID"] as const) : []),
    ...(access === "admin" ? (["ADMIN_UNAUTHORIZED", "ADMIN_DISABLED"] as const) : []),
    // A cluster's router answers SHARD_UNAVAILABLE for any request an owning shard cannot take.
    ...(viaActor ? (["OVERLOADED", "JOURNAL_UNAVAILABLE", "SHARD_UNAVAILABLE"] as const) : []),
    "METHOD_NOT_ALLOWED",
    "INTERNAL_ERROR",
  ];
  const all = new Set<PublicErrorCode>([...derived, ...codes]);
  // In the order of the code table, so that each status lists its codes the same way everywhere.
  return PUBLIC_ERROR_CODES.filter((code) => all.has(code));
}

/** The error responses of `codes`, one per status, each naming the codes it may carry. */
export function errorResponses(codes: readonly PublicErrorCode[]) {
  const byStatus = new Map<number, PublicErrorCode[]>();
  for (const code of codes) {
    const status = STATUS_OF[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, statusCodes]) => [status, errorResponse(status, statusCodes)]),
  );
}

function errorResponse(status: number, codes: readonly PublicErrorCode[]) {
  return {
    description: codes.map((code) => `\`${code}\`: ${DESCRIPTION_OF[code]}`).join("\n\n"),
    headers: errorHeadersOf(status),
    content: {
      "application/json": {
        // The shared Error shape, with `code` narrowed to what this operation answers with this status.
        schema: {
          allOf: [
            { $ref: "#/components/schemas/Error" },
            {
              type: "object" as const,
              required: ["error"],
              properties: {
                error: {
                  type: "object" as const,
                  required: ["code"],
                  properties: { code: { type: "string" as const, enum: [...codes] } },
                },
              },
            },
          ],
        },
        // Shared examples, one per code: `openApiDocument` adds those the operations name.
        examples: Object.fromEntries(codes.map((code) => [code, { $ref: `#/components/examples/${code}` }])),
      },
    },
  };
}

/** The example error body of `code`, as `components.examples` holds it. */
export function errorExample(code: ErrorCode) {
  return {
    summary: code,
    value: { error: { code, ...ERROR_EXAMPLES[code], requestId: EXAMPLE_REQUEST_ID } },
  };
}

/**
 * A route with its security and every error response it can give, derived by `errorCodesOf`. Every
 * response also documents the X-Request-Id header.
 */
export function documented<R extends RouteConfig>(route: R, errors: OperationErrors): R {
  const responses: Record<string, object> = {};
  for (const [status, response] of Object.entries(route.responses)) {
    const given = response as { headers?: object };
    responses[status] = { ...response, headers: { ...REQUEST_ID_HEADER, ...given.headers } };
  }
  return {
    ...route,
    security: SECURITY_OF[errors.access],
    responses: { ...responses, ...errorResponses(errorCodesOf(route, errors)) },
  };
}
