import { z } from "@hono/zod-openapi";
import {
  CHARGE_WON_MAX,
  CHARGE_WON_MIN,
  CONCERT_TITLE_LENGTH_MAX,
  IDEMPOTENCY_KEY_LENGTH_MAX,
  SCHEDULES_PER_CONCERT_MAX,
  SEAT_PRICE_WON_MAX,
  SEAT_PRICE_WON_MIN,
  SEATS_PER_HOLD_MAX,
  SEATS_PER_SCHEDULE_MAX,
  USER_ID_PATTERN,
} from "../engine/limits.ts";
import {
  WAITING_ROOM_INTEGER_SETTING_NAMES,
  WAITING_ROOM_SETTING_FIELDS,
  type WaitingRoomIntegerSettingName,
} from "../engine/waiting-room/index.ts";
import { DESCRIPTION_OF, PUBLIC_ERROR_CODES, STATUS_OF } from "./errors.ts";
import { REQUEST_ID_CHARS_MAX } from "./request-log.ts";

/**
 * The request and response shapes of the API. The same schemas validate requests and generate
 * /openapi.json, so the document cannot drift from what the server accepts. Response objects are
 * strict (`additionalProperties: false` in the document): the tests check every answer against them,
 * so a field the document does not name fails a test instead of reaching clients unannounced.
 */

/** Longest id the engine ever issues or accepts in a path (nanoid ids are 21 characters). */
const ENTITY_ID_LENGTH_MAX = 64;
const ENTITY_ID_PATTERN = /^[A-Za-z0-9_-]+$/;
export const TRANSACTIONS_LIMIT_MAX = 500;
export const TRANSACTIONS_LIMIT_DEFAULT = 50;

export const UserId = z
  .string()
  .regex(USER_ID_PATTERN, "userId must be 1..64 of A-Z a-z 0-9 _ -")
  .openapi({ example: "user-123" });
const EntityId = (name: string) =>
  z
    .string()
    .min(1)
    .max(ENTITY_ID_LENGTH_MAX)
    .regex(ENTITY_ID_PATTERN, `${name} must be 1..${ENTITY_ID_LENGTH_MAX} of A-Z a-z 0-9 _ -`);
export const ConcertId = EntityId("concertId").openapi({ example: "V1StGXR8_Z5jdHi6B-myT" });
export const ScheduleId = EntityId("scheduleId");
export const ReservationId = EntityId("reservationId");
const IsoTime = z.string().openapi({ format: "date-time", example: "2026-12-24T19:00:00.000Z" });
const IsoTimeInput = z.iso.datetime({ offset: true }).openapi({ example: "2026-12-24T19:00:00Z" });
const SeatNumber = z.number().int().min(1).max(SEATS_PER_SCHEDULE_MAX);
const Won = z.number().int().nonnegative();
/** What request-log.ts keeps of a client's X-Request-Id, and every id it makes itself. */
const REQUEST_ID_PATTERN = new RegExp(`^[\\x20-\\x7e]{1,${REQUEST_ID_CHARS_MAX}}$`);

/** The public `code` enum, with each code's status and meaning from the tables in errors.ts. */
export const ErrorCodeSchema = z.enum(PUBLIC_ERROR_CODES).openapi("ErrorCode", {
  description: [
    "A stable code per failure mode: switch on it, not on the message.",
    "",
    "| code | status | meaning |",
    "| --- | --- | --- |",
    ...PUBLIC_ERROR_CODES.map((code) => `| \`${code}\` | ${STATUS_OF[code]} | ${DESCRIPTION_OF[code]} |`),
  ].join("\n"),
  "x-enumDescriptions": Object.fromEntries(PUBLIC_ERROR_CODES.map((code) => [code, DESCRIPTION_OF[code]])),
});

/**
 * Every error answer's body. Besides code, message and request id, an error carries only the fields
 * a client needs to act on it, each named here; any other field is a breach of the contract.
 */
export const ErrorSchema = z
  .strictObject({
    error: z.strictObject({
      code: ErrorCodeSchema,
      message: z.string().min(1).openapi({ description: "For people; its wording may change." }),
      requestId: z.string().regex(REQUEST_ID_PATTERN).openapi({
        description: "The request's id, also in the X-Request-Id header and the server's log line.",
      }),
      seatNumbers: z
        .array(z.number().int())
        .optional()
        .openapi({ description: "SEAT_UNAVAILABLE and SEAT_NOT_FOUND: the seats concerned." }),
      position: z.number().int().nullable().optional().openapi({
        description: "TOKEN_NOT_ACTIVE: the token's place in line (null before the queue opens).",
      }),
      balance: Won.optional().openapi({
        description: "INSUFFICIENT_BALANCE and BALANCE_LIMIT_EXCEEDED: the balance now.",
      }),
      amount: Won.optional().openapi({ description: "INSUFFICIENT_BALANCE: the amount to pay." }),
    }),
  })
  .openapi("Error");

export const UserParams = z.object({ userId: UserId.openapi({ param: { name: "userId", in: "path" } }) });
export const ConcertParams = z.object({
  concertId: ConcertId.openapi({ param: { name: "concertId", in: "path" } }),
});
export const ScheduleParams = z.object({
  scheduleId: ScheduleId.openapi({ param: { name: "scheduleId", in: "path" } }),
});
export const ReservationParams = z.object({
  reservationId: ReservationId.openapi({ param: { name: "reservationId", in: "path" } }),
});

export const IdempotencyHeaders = z.object({
  "idempotency-key": z
    .string()
    .min(1)
    .max(IDEMPOTENCY_KEY_LENGTH_MAX)
    .regex(/^[\x20-\x7e]+$/, "Idempotency-Key must be printable ASCII")
    .optional()
    .openapi({
      param: {
        name: "idempotency-key",
        in: "header",
        description: "Idempotency-Key: 1..128 printable characters",
      },
    }),
});

// Waiting room
export const IssueTokenBody = z.object({ userId: UserId, concertId: ConcertId }).openapi("IssueTokenRequest");
export const TokenSchema = z
  .strictObject({
    token: z.string(),
    userId: z.string(),
    concertId: z.string(),
    status: z.enum(["WAITING", "ACTIVE"]),
    position: z.number().int().nullable(),
    estimatedWaitSeconds: z.number().nullable(),
    expiresAt: IsoTime.nullable(),
    pollAfterSeconds: z.number().int(),
    opensAt: IsoTime.nullable(),
  })
  .openapi("QueueToken");

// Concerts and seats
export const ConcertSummary = z.strictObject({ concertId: z.string(), title: z.string() }).openapi("Concert");
export const ConcertList = z.strictObject({ concerts: z.array(ConcertSummary) }).openapi("ConcertList");
export const ScheduleSummary = z
  .strictObject({
    scheduleId: z.string(),
    startsAt: IsoTime,
    totalSeats: z.number().int(),
    availableSeats: z.number().int(),
  })
  .openapi("Schedule");
export const ScheduleList = z
  .strictObject({ concertId: z.string(), schedules: z.array(ScheduleSummary) })
  .openapi("ScheduleList");
export const ScheduleQuery = z.object({
  available: z
    .enum(["true", "false"])
    .optional()
    .openapi({ param: { name: "available", in: "query" } }),
});
export const SeatStatus = z.enum(["AVAILABLE", "HELD", "BOOKED"]);
export const SeatQuery = z.object({
  status: SeatStatus.optional().openapi({ param: { name: "status", in: "query" } }),
});
export const SeatMap = z
  .strictObject({
    scheduleId: z.string(),
    concertId: z.string(),
    seats: z.array(z.strictObject({ seatNumber: z.number().int(), status: SeatStatus, price: Won })),
  })
  .openapi("SeatMap");

export const CreateConcertBody = z
  .object({
    title: z.string().trim().min(1).max(CONCERT_TITLE_LENGTH_MAX),
    onSaleAt: IsoTimeInput.nullable().optional(),
    schedules: z
      .array(
        z.object({
          startsAt: IsoTimeInput,
          seatCount: z.number().int().min(1).max(SEATS_PER_SCHEDULE_MAX),
          price: z.number().int().min(SEAT_PRICE_WON_MIN).max(SEAT_PRICE_WON_MAX),
        }),
      )
      .min(1)
      .max(SCHEDULES_PER_CONCERT_MAX),
  })
  .openapi("CreateConcertRequest");
export const CreatedConcert = z
  .strictObject({
    concertId: z.string(),
    title: z.string(),
    onSaleAt: IsoTime.nullable(),
    schedules: z.array(
      z.strictObject({ scheduleId: z.string(), startsAt: IsoTime, totalSeats: z.number().int(), price: Won }),
    ),
  })
  .openapi("CreatedConcert");

/** An integer waiting-room setting in a PATCH body, within the bounds of its entry in the settings table. */
function waitingRoomIntegerSetting(name: WaitingRoomIntegerSettingName) {
  const { min, max } = WAITING_ROOM_SETTING_FIELDS[name];
  return z.number().int().min(min).max(max).optional();
}
const waitingRoomIntegerSettings = Object.fromEntries(
  WAITING_ROOM_INTEGER_SETTING_NAMES.map((name) => [name, waitingRoomIntegerSetting(name)]),
) as Record<WaitingRoomIntegerSettingName, ReturnType<typeof waitingRoomIntegerSetting>>;

export const WaitingRoomSettingsBody = z
  .object({
    ...waitingRoomIntegerSettings,
    onSaleAt: IsoTimeInput.nullable().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "name at least one setting to change")
  .openapi("WaitingRoomSettingsRequest");
export const WaitingRoomSettingsSchema = z
  .strictObject({
    concertId: z.string(),
    maxActive: z.number().int(),
    admitBatch: z.number().int(),
    admitIntervalMs: z.number().int(),
    activeTtlMs: z.number().int(),
    waitIdleTtlMs: z.number().int(),
    onSaleAt: IsoTime.nullable(),
  })
  .openapi("WaitingRoomSettings");

// Balance
export const Balance = z.strictObject({ userId: z.string(), balance: Won }).openapi("Balance");
export const ChargeBody = z
  .object({ amount: z.number().int().min(CHARGE_WON_MIN).max(CHARGE_WON_MAX) })
  .openapi("ChargeRequest");
export const ChargeReceipt = z
  .strictObject({ userId: z.string(), balance: Won, transactionId: z.string() })
  .openapi("ChargeReceipt");
export const TransactionQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, "limit must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1).max(TRANSACTIONS_LIMIT_MAX))
    .optional()
    .openapi({ param: { name: "limit", in: "query" }, example: "50" }),
});
export const TransactionList = z
  .strictObject({
    userId: z.string(),
    transactions: z.array(
      z.strictObject({
        transactionId: z.string(),
        type: z.enum(["CHARGE", "PAYMENT"]),
        amount: Won,
        balanceAfter: Won,
        createdAt: IsoTime,
      }),
    ),
  })
  .openapi("TransactionList");

// Reservations and payments
export const HoldBody = z
  .union([
    z.object({
      scheduleId: ScheduleId,
      seatNumbers: z
        .array(SeatNumber)
        .min(1)
        .max(SEATS_PER_HOLD_MAX)
        .refine((seats) => new Set(seats).size === seats.length, "seatNumbers must be distinct"),
    }),
    z.object({ scheduleId: ScheduleId, seatNumber: SeatNumber }),
  ])
  .openapi("HoldRequest");
export const ReservationSchema = z
  .strictObject({
    reservationId: z.string(),
    userId: z.string(),
    concertId: z.string(),
    scheduleId: z.string(),
    seatNumbers: z.array(z.number().int()),
    status: z.enum(["HELD", "CONFIRMED", "EXPIRED", "CANCELLED"]),
    amount: Won,
    expiresAt: IsoTime,
    paidAt: IsoTime.nullable(),
  })
  .openapi("Reservation");
export const ReservationList = z
  .strictObject({ userId: z.string(), reservations: z.array(ReservationSchema) })
  .openapi("ReservationList");
export const PayBody = z.object({ reservationId: ReservationId }).openapi("PaymentRequest");
export const PaymentSchema = z
  .strictObject({
    paymentId: z.string(),
    reservationId: z.string(),
    userId: z.string(),
    amount: Won,
    balance: Won,
    status: z.literal("COMPLETED"),
    paidAt: IsoTime,
  })
  .openapi("Payment");

export const Health = z
  .strictObject({ status: z.enum(["ok", "failed"]), journalSeq: z.number().int(), uptimeSeconds: z.number() })
  .openapi("Health");
