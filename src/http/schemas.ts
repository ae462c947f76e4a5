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

/**
 * The request and response shapes of the API. The same schemas validate requests and generate
 * /openapi.json, so the document cannot drift from what the server accepts.
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

export const ErrorSchema = z
  .object({
    error: z.object({ code: z.string(), message: z.string() }).catchall(z.unknown()),
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
  .object({
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
export const ConcertSummary = z.object({ concertId: z.string(), title: z.string() }).openapi("Concert");
export const ConcertList = z.object({ concerts: z.array(ConcertSummary) }).openapi("ConcertList");
export const ScheduleSummary = z
  .object({
    scheduleId: z.string(),
    startsAt: IsoTime,
    totalSeats: z.number().int(),
    availableSeats: z.number().int(),
  })
  .openapi("Schedule");
export const ScheduleList = z
  .object({ concertId: z.string(), schedules: z.array(ScheduleSummary) })
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
  .object({
    scheduleId: z.string(),
    concertId: z.string(),
    seats: z.array(z.object({ seatNumber: z.number().int(), status: SeatStatus, price: Won })),
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
  .object({
    concertId: z.string(),
    title: z.string(),
    onSaleAt: IsoTime.nullable(),
    schedules: z.array(
      z.object({ scheduleId: z.string(), startsAt: IsoTime, totalSeats: z.number().int(), price: Won }),
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
  .object({
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
export const Balance = z.object({ userId: z.string(), balance: Won }).openapi("Balance");
export const ChargeBody = z
  .object({ amount: z.number().int().min(CHARGE_WON_MIN).max(CHARGE_WON_MAX) })
  .openapi("ChargeRequest");
export const ChargeReceipt = z
  .object({ userId: z.string(), balance: Won, transactionId: z.string() })
  .openapi("ChargeReceipt");
export const TransactionQuery = z.object({
  limit: z
    .string()
    .regex(/^[0-9]{1,4}$/, "limit must be a whole number")
    .transform(Number)
    .pipe(z.number().int().min(1).max(TRANSACTIONS_LIMIT_MAX))
    .optional()
    .openapi({ param: { name: "limit", in: "query" }, example: 50 }),
});
export const TransactionList = z
  .object({
    userId: z.string(),
    transactions: z.array(
      z.object({
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
  .object({
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
  .object({ userId: z.string(), reservations: z.array(ReservationSchema) })
  .openapi("ReservationList");
export const PayBody = z.object({ reservationId: ReservationId }).openapi("PaymentRequest");
export const PaymentSchema = z
  .object({
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
  .object({ status: z.enum(["ok", "failed"]), journalSeq: z.number().int(), uptimeSeconds: z.number() })
  .openapi("Health");
