/**
 * Every expected way a request can fail, each with a stable code that clients can switch on.
 * A rejection changes no state and is never journaled.
 */
export type RejectionCode =
  | "VALIDATION_FAILED"
  | "CONCERT_NOT_FOUND"
  | "SCHEDULE_NOT_FOUND"
  | "SEAT_NOT_FOUND"
  | "SEAT_UNAVAILABLE"
  | "HOLD_LIMIT_REACHED"
  | "HOLD_EXPIRED"
  | "RESERVATION_NOT_FOUND"
  | "RESERVATION_NOT_HELD"
  | "NOT_OWNER"
  | "ALREADY_PAID"
  | "INSUFFICIENT_BALANCE"
  | "BALANCE_LIMIT_EXCEEDED"
  | "PAYMENT_NOT_FOUND"
  | "PAYMENT_IN_PROGRESS"
  | "FUNDS_NOT_RESERVED"
  | "FUNDS_PENDING_LIMIT_REACHED"
  | "IDEMPOTENCY_KEY_REUSED"
  | "TOKEN_INVALID"
  | "TOKEN_EXPIRED"
  | "TOKEN_NOT_ACTIVE"
  | "TOKEN_CONCERT_MISMATCH"
  | "OVERLOADED"
  | "JOURNAL_UNAVAILABLE"
  | "SHARD_UNAVAILABLE";

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
  /** Extra fields a client needs to act on the rejection, e.g. the unavailable `seatNumbers`. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export function rejection(
  code: RejectionCode,
  message: string,
  details?: Record<string, unknown>,
): Rejection {
  return details === undefined ? { code, message } : { code, message, details };
}

/** The rejections whose wording never varies, defined once for every place that refuses with them. */
export const TOKEN_INVALID = rejection("TOKEN_INVALID", "the queue token is missing or unknown");
export const TOKEN_EXPIRED = rejection(
  "TOKEN_EXPIRED",
  "the queue token has expired, was used or was given up",
);
export const TOKEN_CONCERT_MISMATCH = rejection(
  "TOKEN_CONCERT_MISMATCH",
  "the queue token is for another concert",
);
export const CONCERT_NOT_FOUND = rejection("CONCERT_NOT_FOUND", "no such concert");
export const SCHEDULE_NOT_FOUND = rejection("SCHEDULE_NOT_FOUND", "no such schedule");
export const RESERVATION_NOT_FOUND = rejection("RESERVATION_NOT_FOUND", "no such reservation");
export const NOT_OWNER = rejection("NOT_OWNER", "this reservation belongs to another user");
export const ALREADY_PAID = rejection("ALREADY_PAID", "this reservation is already paid");
export const HOLD_EXPIRED = rejection(
  "HOLD_EXPIRED",
  "the hold has expired or was cancelled; no money was taken",
);

/** A token still in line, with its place (null in the pre-queue) so the client can show it. */
export function tokenNotActive(position: number | null): Rejection {
  return rejection("TOKEN_NOT_ACTIVE", "the queue token is still waiting", { position });
}
