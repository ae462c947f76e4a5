import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Rejection, RejectionCode } from "../engine/rejection.ts";

/** Codes the HTTP layer adds to the engine's: they concern the request, not the domain. */
export type HttpErrorCode =
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "PAYLOAD_TOO_LARGE"
  | "ADMIN_DISABLED"
  | "ADMIN_UNAUTHORIZED"
  | "INTERNAL_ERROR"
  | "DRAINING";

export type ErrorCode = RejectionCode | HttpErrorCode;

/** The one table from error code to HTTP status. */
export const STATUS_OF: Readonly<Record<ErrorCode, ContentfulStatusCode>> = {
  VALIDATION_FAILED: 400,
  TOKEN_INVALID: 401,
  TOKEN_EXPIRED: 401,
  ADMIN_UNAUTHORIZED: 401,
  INSUFFICIENT_BALANCE: 402,
  TOKEN_NOT_ACTIVE: 403,
  TOKEN_CONCERT_MISMATCH: 403,
  NOT_OWNER: 403,
  ADMIN_DISABLED: 403,
  NOT_FOUND: 404,
  CONCERT_NOT_FOUND: 404,
  SCHEDULE_NOT_FOUND: 404,
  SEAT_NOT_FOUND: 404,
  RESERVATION_NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  SEAT_UNAVAILABLE: 409,
  HOLD_LIMIT_REACHED: 409,
  RESERVATION_NOT_HELD: 409,
  ALREADY_PAID: 409,
  PAYMENT_IN_PROGRESS: 409,
  FUNDS_NOT_RESERVED: 409,
  FUNDS_PENDING_LIMIT_REACHED: 409,
  HOLD_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  BALANCE_LIMIT_EXCEEDED: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL_ERROR: 500,
  OVERLOADED: 503,
  JOURNAL_UNAVAILABLE: 503,
  DRAINING: 503,
  SHARD_UNAVAILABLE: 503,
};

/**
 * What each code means to whoever receives it. The OpenAPI document's `code` enum, and each
 * operation's error responses, are built from this table and STATUS_OF (for the public codes of
 * AUDIENCE_OF), so a new public code cannot go undocumented.
 */
export const DESCRIPTION_OF: Readonly<Record<ErrorCode, string>> = {
  VALIDATION_FAILED:
    "The request is malformed: a path, query, header or body value breaks its schema, or the body is not JSON.",
  TOKEN_INVALID: "The queue token is missing, malformed or unknown.",
  TOKEN_EXPIRED: "The queue token has expired, was used by a payment, or was given up.",
  ADMIN_UNAUTHORIZED: "The admin API needs the admin bearer token, and the request has none or another.",
  INSUFFICIENT_BALANCE:
    "The balance is below the reservation's amount (`balance` and `amount` say by how much); nothing changes and the hold stays.",
  TOKEN_NOT_ACTIVE:
    "The queue token is still waiting its turn; `position` is its place (null before the queue opens).",
  TOKEN_CONCERT_MISMATCH: "The queue token is for another concert than the schedule or reservation.",
  NOT_OWNER: "The reservation belongs to another user.",
  ADMIN_DISABLED: "The admin API is disabled: the server runs without ADMIN_TOKEN.",
  NOT_FOUND: "No route has this path (a path this document does not list).",
  CONCERT_NOT_FOUND: "No concert has this id.",
  SCHEDULE_NOT_FOUND: "No schedule has this id.",
  SEAT_NOT_FOUND: "A seat number is outside the schedule (`seatNumbers` lists them).",
  RESERVATION_NOT_FOUND: "No reservation has this id.",
  PAYMENT_NOT_FOUND: "No payment has this id.",
  METHOD_NOT_ALLOWED:
    "The path exists but not with this method; the `Allow` header lists the methods it has.",
  SEAT_UNAVAILABLE: "A seat is already held or booked (`seatNumbers` lists them); no seat was held.",
  HOLD_LIMIT_REACHED: "The user would hold or own more seats of the schedule than a user may.",
  RESERVATION_NOT_HELD: "The reservation is no longer held: it was paid, cancelled or has expired.",
  ALREADY_PAID: "The reservation is already paid.",
  PAYMENT_IN_PROGRESS:
    "Another payment of this reservation is under way, or (in a cluster) this payment waits for the shard of the payer's wallet and goes on; retry with the same Idempotency-Key to get its outcome, or after it ends.",
  FUNDS_NOT_RESERVED:
    "The payment has no funds reserved in the wallet to take (a message between shards out of turn); nothing changed.",
  FUNDS_PENDING_LIMIT_REACHED:
    "The wallet already has as many payments in flight as it may; the payment was aborted and no money was taken.",
  HOLD_EXPIRED: "The hold expired or was cancelled before the payment; no money was taken.",
  PAYLOAD_TOO_LARGE: "The request body is over the size limit.",
  BALANCE_LIMIT_EXCEEDED: "The charge would take the balance over its limit (`balance` is the balance now).",
  IDEMPOTENCY_KEY_REUSED: "The Idempotency-Key was already used by this user for a different request.",
  INTERNAL_ERROR: "The server failed to answer (a bug); the request id finds it in the server's log.",
  OVERLOADED:
    "Too many requests wait for the same resource, or the waiting room is full; retry after `Retry-After` seconds.",
  JOURNAL_UNAVAILABLE:
    "The journal cannot make changes durable (a failed disk, say); nothing was changed. Retry on another server.",
  DRAINING: "The server is draining before it stops; send requests to another server.",
  SHARD_UNAVAILABLE:
    "Only in a cluster: the shard that owns this key (or, for a list, one of the shards it spans) is down or restarting, or the key belongs to another shard than the one asked; retry after `Retry-After` seconds.",
};

/** Every code the server can send, in the order of STATUS_OF. */
export const ERROR_CODES = Object.keys(STATUS_OF) as [ErrorCode, ...ErrorCode[]];

/**
 * Who can receive a code: any client, or only a peer shard through the internal endpoints
 * (/internal/v1, which HAProxy refuses to clients).
 */
export type ErrorAudience = "public" | "internal";

/**
 * Who can receive each code. The public OpenAPI document lists only the public ones, since a client
 * can never be answered an internal one; a new code must be placed here before it compiles.
 */
export const AUDIENCE_OF = {
  VALIDATION_FAILED: "public",
  TOKEN_INVALID: "public",
  TOKEN_EXPIRED: "public",
  ADMIN_UNAUTHORIZED: "public",
  INSUFFICIENT_BALANCE: "public",
  TOKEN_NOT_ACTIVE: "public",
  TOKEN_CONCERT_MISMATCH: "public",
  NOT_OWNER: "public",
  ADMIN_DISABLED: "public",
  NOT_FOUND: "public",
  CONCERT_NOT_FOUND: "public",
  SCHEDULE_NOT_FOUND: "public",
  SEAT_NOT_FOUND: "public",
  RESERVATION_NOT_FOUND: "public",
  PAYMENT_NOT_FOUND: "public",
  METHOD_NOT_ALLOWED: "public",
  SEAT_UNAVAILABLE: "public",
  HOLD_LIMIT_REACHED: "public",
  RESERVATION_NOT_HELD: "public",
  ALREADY_PAID: "public",
  PAYMENT_IN_PROGRESS: "public",
  // Only a wallet's shard refuses a post with it, and only to the coordinating shard, which retries.
  FUNDS_NOT_RESERVED: "internal",
  // Public: a wallet's refusal to reserve becomes the aborted saga's answer to the paying client.
  FUNDS_PENDING_LIMIT_REACHED: "public",
  HOLD_EXPIRED: "public",
  PAYLOAD_TOO_LARGE: "public",
  BALANCE_LIMIT_EXCEEDED: "public",
  IDEMPOTENCY_KEY_REUSED: "public",
  INTERNAL_ERROR: "public",
  OVERLOADED: "public",
  JOURNAL_UNAVAILABLE: "public",
  DRAINING: "public",
  SHARD_UNAVAILABLE: "public",
} as const satisfies Readonly<Record<ErrorCode, ErrorAudience>>;

/** A code a client of the public API can receive: the only codes an operation may document. */
export type PublicErrorCode = {
  [C in ErrorCode]: (typeof AUDIENCE_OF)[C] extends "public" ? C : never;
}[ErrorCode];

/** Every public code, in the order of STATUS_OF: the public document's `code` enum. */
export const PUBLIC_ERROR_CODES = ERROR_CODES.filter(
  (code): code is PublicErrorCode => AUDIENCE_OF[code] === "public",
) as [PublicErrorCode, ...PublicErrorCode[]];

/** How long a client should wait before retrying a 503. */
export const RETRY_AFTER_SECONDS = 1;

export interface ErrorBody {
  readonly error: { readonly code: ErrorCode; readonly message: string } & Readonly<Record<string, unknown>>;
}

export function errorBody(
  code: ErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): ErrorBody {
  return { error: { ...details, code, message } };
}

/** Answers with the error body and the status the table gives for its code. */
export function sendError(
  c: Context,
  code: ErrorCode,
  message: string,
  details?: Readonly<Record<string, unknown>>,
): Response {
  const status = STATUS_OF[code];
  if (status === 503) {
    c.header("Retry-After", String(RETRY_AFTER_SECONDS));
  }
  // The request id (request-log.ts) lets a client quote an error an operator can find in the log.
  return c.json(errorBody(code, message, { ...details, requestId: c.get("requestId") }), status);
}

export function sendRejection(c: Context, rejection: Rejection): Response {
  return sendError(c, rejection.code, rejection.message, rejection.details);
}

/**
 * A rejection on its way to `app.onError`, which answers it with the error body. Handlers throw it
 * so that they only ever return their success type.
 */
export class RejectionError extends Error {
  override readonly name = "RejectionError";

  constructor(readonly rejection: Rejection) {
    super(rejection.message);
  }
}
