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
  | "INTERNAL_ERROR";

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
  METHOD_NOT_ALLOWED: 405,
  SEAT_UNAVAILABLE: 409,
  HOLD_LIMIT_REACHED: 409,
  RESERVATION_NOT_HELD: 409,
  ALREADY_PAID: 409,
  HOLD_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  BALANCE_LIMIT_EXCEEDED: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL_ERROR: 500,
  OVERLOADED: 503,
  JOURNAL_UNAVAILABLE: 503,
};

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
  return c.json(errorBody(code, message, details), status);
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
