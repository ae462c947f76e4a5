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
  | "IDEMPOTENCY_KEY_REUSED"
  | "TOKEN_INVALID"
  | "TOKEN_EXPIRED"
  | "TOKEN_NOT_ACTIVE"
  | "TOKEN_CONCERT_MISMATCH"
  | "OVERLOADED"
  | "JOURNAL_UNAVAILABLE";

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
