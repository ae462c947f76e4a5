import type { z } from "@hono/zod-openapi";
import type { ErrorCode } from "./errors.ts";
import type {
  Balance,
  ChargeReceipt,
  ConcertList,
  CreatedConcert,
  Health,
  PaymentSchema,
  ReservationList,
  ReservationSchema,
  ScheduleList,
  SeatMap,
  TokenSchema,
  TransactionList,
  WaitingRoomSettingsSchema,
} from "./schemas.ts";

/**
 * Whole request and response bodies for the OpenAPI document, one story throughout: alice takes a
 * token for the demo concert, holds seats 7 and 8 of its first schedule, charges her balance and
 * pays. Each is typed by its schema, and the contract test validates every example in the document.
 */

export const EXAMPLE_REQUEST_ID = "0Ghb2YtQ7pWm4LxK9sNc3";
const CONCERT_ID = "V1StGXR8_Z5jdHi6B-myT";
const SCHEDULE_ID = "Uakgb_J5m9g-0JDMbcJqL";
const RESERVATION_ID = "Xh7Qd2oP9sLk4TmWbN1aZ";
const TOKEN = `${CONCERT_ID}.1z.k8Dj3nQ9wXs2LpT5vYb7R`;
const USER_ID = "alice";
const SHOW_AT = "2026-12-24T19:00:00.000Z";
const NOW = "2026-11-01T10:00:00.000Z";
const HOLD_ENDS_AT = "2026-11-01T10:05:00.000Z";
const PAID_AT = "2026-11-01T10:02:13.412Z";

export const ISSUE_TOKEN_REQUEST = { userId: USER_ID, concertId: CONCERT_ID };

export const TOKEN_ACTIVE: z.output<typeof TokenSchema> = {
  token: TOKEN,
  userId: USER_ID,
  concertId: CONCERT_ID,
  status: "ACTIVE",
  position: 0,
  estimatedWaitSeconds: 0,
  expiresAt: "2026-11-01T10:10:00.000Z",
  pollAfterSeconds: 5,
  opensAt: null,
};

export const TOKEN_WAITING: z.output<typeof TokenSchema> = {
  ...TOKEN_ACTIVE,
  status: "WAITING",
  position: 1234,
  estimatedWaitSeconds: 62,
  expiresAt: null,
  pollAfterSeconds: 6,
};

export const CONCERT_LIST: z.output<typeof ConcertList> = {
  concerts: [{ concertId: CONCERT_ID, title: "Demo Concert" }],
};

export const SCHEDULE_LIST: z.output<typeof ScheduleList> = {
  concertId: CONCERT_ID,
  schedules: [{ scheduleId: SCHEDULE_ID, startsAt: SHOW_AT, totalSeats: 50, availableSeats: 48 }],
};

export const SEAT_MAP: z.output<typeof SeatMap> = {
  scheduleId: SCHEDULE_ID,
  concertId: CONCERT_ID,
  seats: [
    { seatNumber: 6, status: "AVAILABLE", price: 50_000 },
    { seatNumber: 7, status: "HELD", price: 50_000 },
    { seatNumber: 8, status: "BOOKED", price: 50_000 },
  ],
};

export const CREATE_CONCERT_REQUEST = {
  title: "Demo Concert",
  onSaleAt: null,
  schedules: [{ startsAt: "2026-12-24T19:00:00Z", seatCount: 50, price: 50_000 }],
};

export const CREATED_CONCERT: z.output<typeof CreatedConcert> = {
  concertId: CONCERT_ID,
  title: "Demo Concert",
  onSaleAt: null,
  schedules: [{ scheduleId: SCHEDULE_ID, startsAt: SHOW_AT, totalSeats: 50, price: 50_000 }],
};

export const WAITING_ROOM_SETTINGS_REQUEST = { maxActive: 500, onSaleAt: "2026-11-01T10:00:00Z" };

export const WAITING_ROOM_SETTINGS: z.output<typeof WaitingRoomSettingsSchema> = {
  concertId: CONCERT_ID,
  maxActive: 500,
  admitBatch: 100,
  admitIntervalMs: 1000,
  activeTtlMs: 600_000,
  waitIdleTtlMs: 300_000,
  onSaleAt: "2026-11-01T10:00:00.000Z",
};

export const BALANCE: z.output<typeof Balance> = { userId: USER_ID, balance: 200_000 };

export const CHARGE_REQUEST = { amount: 200_000 };

export const CHARGE_RECEIPT: z.output<typeof ChargeReceipt> = {
  userId: USER_ID,
  balance: 200_000,
  transactionId: "tX3mK7qZ1vB9nW5rJ2pLd",
};

export const TRANSACTION_LIST: z.output<typeof TransactionList> = {
  userId: USER_ID,
  transactions: [
    {
      transactionId: "pA9nR2s5Tb8wQe1yLc4Vx",
      type: "PAYMENT",
      amount: 100_000,
      balanceAfter: 100_000,
      createdAt: PAID_AT,
    },
    {
      transactionId: "tX3mK7qZ1vB9nW5rJ2pLd",
      type: "CHARGE",
      amount: 200_000,
      balanceAfter: 200_000,
      createdAt: NOW,
    },
  ],
};

export const HOLD_REQUEST = { scheduleId: SCHEDULE_ID, seatNumbers: [7, 8] };

export const RESERVATION_HELD: z.output<typeof ReservationSchema> = {
  reservationId: RESERVATION_ID,
  userId: USER_ID,
  concertId: CONCERT_ID,
  scheduleId: SCHEDULE_ID,
  seatNumbers: [7, 8],
  status: "HELD",
  amount: 100_000,
  expiresAt: HOLD_ENDS_AT,
  paidAt: null,
};

export const RESERVATION_CANCELLED: z.output<typeof ReservationSchema> = {
  ...RESERVATION_HELD,
  status: "CANCELLED",
};

export const RESERVATION_LIST: z.output<typeof ReservationList> = {
  userId: USER_ID,
  reservations: [{ ...RESERVATION_HELD, status: "CONFIRMED", paidAt: PAID_AT }],
};

export const PAY_REQUEST = { reservationId: RESERVATION_ID };

export const PAYMENT: z.output<typeof PaymentSchema> = {
  paymentId: "pA9nR2s5Tb8wQe1yLc4Vx",
  reservationId: RESERVATION_ID,
  userId: USER_ID,
  amount: 100_000,
  balance: 100_000,
  status: "COMPLETED",
  paidAt: PAID_AT,
};

export const HEALTH_OK: z.output<typeof Health> = { status: "ok", journalSeq: 1042, uptimeSeconds: 3600 };
export const HEALTH_FAILED: z.output<typeof Health> = { ...HEALTH_OK, status: "failed" };

/** The message and detail fields of an example error body per code (code and request id are added). */
export const ERROR_EXAMPLES: Readonly<
  Record<ErrorCode, { readonly message: string } & Readonly<Record<string, unknown>>>
> = {
  VALIDATION_FAILED: { message: "seatNumbers: Too big: expected array to have <=4 items" },
  TOKEN_INVALID: { message: "the queue token is missing or unknown" },
  TOKEN_EXPIRED: { message: "the queue token has expired, was used or was given up" },
  ADMIN_UNAUTHORIZED: { message: "a valid admin token is required" },
  INSUFFICIENT_BALANCE: {
    message: "the balance of 50000 won is below 100000 won",
    balance: 50_000,
    amount: 100_000,
  },
  TOKEN_NOT_ACTIVE: { message: "the queue token is still waiting", position: 1234 },
  TOKEN_CONCERT_MISMATCH: { message: "the queue token is for another concert" },
  NOT_OWNER: { message: "this reservation belongs to another user" },
  ADMIN_DISABLED: { message: "the admin API is disabled: ADMIN_TOKEN is not set" },
  NOT_FOUND: { message: "no route for GET /api/v1/concert" },
  CONCERT_NOT_FOUND: { message: "no such concert" },
  SCHEDULE_NOT_FOUND: { message: "no such schedule" },
  SEAT_NOT_FOUND: { message: "no such seat in this schedule: 51", seatNumbers: [51] },
  RESERVATION_NOT_FOUND: { message: "no such reservation" },
  PAYMENT_NOT_FOUND: { message: "no such payment" },
  METHOD_NOT_ALLOWED: { message: "PUT is not allowed on /api/v1/concerts" },
  SEAT_UNAVAILABLE: { message: "seats already held or booked: 7", seatNumbers: [7] },
  HOLD_LIMIT_REACHED: { message: "a user may hold or own at most 4 seats of a schedule; already 3" },
  RESERVATION_NOT_HELD: { message: "the reservation is CONFIRMED" },
  ALREADY_PAID: { message: "this reservation is already paid" },
  PAYMENT_IN_PROGRESS: { message: "a payment of this reservation is already under way" },
  FUNDS_NOT_RESERVED: { message: "payment pA9nR2s5Tb8wQe1yLc4Vx has no pending reservation to post" },
  FUNDS_PENDING_LIMIT_REACHED: { message: "a wallet may have at most 32 payments in flight" },
  HOLD_EXPIRED: { message: "the hold has expired or was cancelled; no money was taken" },
  PAYLOAD_TOO_LARGE: { message: "request bodies are limited to 16384 bytes" },
  BALANCE_LIMIT_EXCEEDED: { message: "a balance may not exceed 100000000 won", balance: 99_500_000 },
  IDEMPOTENCY_KEY_REUSED: { message: "this Idempotency-Key was already used for a different request" },
  INTERNAL_ERROR: { message: "the server failed to answer this request" },
  OVERLOADED: { message: "too many requests are waiting for this resource; retry shortly" },
  JOURNAL_UNAVAILABLE: { message: "the journal cannot make changes durable; no change was made" },
  DRAINING: { message: "the server is draining before it stops; send requests elsewhere" },
  SHARD_UNAVAILABLE: {
    message: "the shard that owns this key is unavailable; retry after Retry-After seconds",
  },
};
