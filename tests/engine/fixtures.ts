import type { ConcertCreated } from "../../src/engine/catalog.ts";
import { HOLD_TTL_MS_DEFAULT } from "../../src/engine/limits.ts";
import {
  decideSchedule,
  evolveSchedule,
  initialScheduleState,
  type HoldCancelled,
  type HoldExpired,
  type ReservationConfirmed,
  type ScheduleCommand,
  type ScheduleEvent,
  type ScheduleState,
  type SeatsHeld,
} from "../../src/engine/schedule.ts";
import {
  QUEUE_ACTIVE_TTL_MS_DEFAULT,
  QUEUE_TOKEN_SECRET_LENGTH_MIN,
  type TokenIssued,
  type TokenUsed,
} from "../../src/engine/waiting-room/index.ts";
import type { BalanceCharged, PaymentDebited } from "../../src/engine/wallet.ts";
import { T0_MS, type Decider } from "./spec.ts";

/** One schedule of ten seats at 50,000 won, the stage most engine specs play on. */
export const CONCERT_ID = "concert-1";
export const SCHEDULE_ID = "schedule-1";
export const SEAT_COUNT = 10;
export const PRICE = 50_000;
export const HOLD_TTL_MS = HOLD_TTL_MS_DEFAULT;
export const STARTS_AT_MS = T0_MS + 30 * 24 * 60 * 60 * 1000;

export const scheduleDecider: Decider<ScheduleState, ScheduleCommand, ScheduleEvent> = {
  decide: decideSchedule,
  evolve: evolveSchedule,
  initialState: () =>
    initialScheduleState(
      CONCERT_ID,
      {
        scheduleId: SCHEDULE_ID,
        startsAtMs: STARTS_AT_MS,
        seatCount: SEAT_COUNT,
        price: PRICE,
      },
      0,
    ),
};

export function concertCreated(seatCount = SEAT_COUNT, price = PRICE): ConcertCreated {
  return {
    type: "ConcertCreated",
    concertId: CONCERT_ID,
    title: "Demo Concert",
    onSaleAtMs: null,
    schedules: [{ scheduleId: SCHEDULE_ID, startsAtMs: STARTS_AT_MS, seatCount, price }],
    atMs: T0_MS,
  };
}

export function seatsHeld(
  reservationId: string,
  userId: string,
  seatNumbers: readonly number[],
  atMs = T0_MS,
  price = PRICE,
): SeatsHeld {
  return {
    type: "SeatsHeld",
    scheduleId: SCHEDULE_ID,
    reservationId,
    userId,
    seatNumbers,
    amount: price * seatNumbers.length,
    atMs,
    expiresAtMs: atMs + HOLD_TTL_MS,
  };
}

export function holdExpired(reservationId: string, atMs = T0_MS + HOLD_TTL_MS): HoldExpired {
  return { type: "HoldExpired", scheduleId: SCHEDULE_ID, reservationId, atMs };
}

export function holdCancelled(reservationId: string, atMs = T0_MS + 1_000): HoldCancelled {
  return { type: "HoldCancelled", scheduleId: SCHEDULE_ID, reservationId, atMs };
}

export function reservationConfirmed(
  reservationId: string,
  paymentId = `payment-of-${reservationId}`,
  atMs = T0_MS + 1_000,
): ReservationConfirmed {
  return { type: "ReservationConfirmed", scheduleId: SCHEDULE_ID, reservationId, paymentId, atMs };
}

export function balanceCharged(
  userId: string,
  transactionId: string,
  amount: number,
  balanceAfter: number,
  atMs = T0_MS,
): BalanceCharged {
  return { type: "BalanceCharged", userId, transactionId, amount, balanceAfter, atMs };
}

export function paymentDebited(
  userId: string,
  reservationId: string,
  amount: number,
  balanceAfter: number,
  atMs = T0_MS + 1_000,
): PaymentDebited {
  return {
    type: "PaymentDebited",
    userId,
    transactionId: `tx-of-${reservationId}`,
    paymentId: `payment-of-${reservationId}`,
    reservationId,
    amount,
    balanceAfter,
    atMs,
  };
}

/** The fans the engine specs know, each with the seq of the queue token they are given. */
const TOKEN_SEQS: Readonly<Record<string, number>> = { alice: 0, bob: 1, carol: 2 };

/** The queue token of one of the specs' fans, in the format the waiting room issues. */
export function tokenOf(userId: string): string {
  const seq = TOKEN_SEQS[userId];
  if (seq === undefined) {
    throw new Error(`no queue token for ${userId} in the fixtures`);
  }
  return [
    CONCERT_ID,
    seq.toString(36),
    `secret-of-${userId}`.padEnd(QUEUE_TOKEN_SECRET_LENGTH_MIN, "x"),
  ].join(".");
}

/** The fan is given a queue token that is ACTIVE at once (the room is open and empty). */
export function tokenIssued(userId: string, atMs = T0_MS): TokenIssued {
  return {
    type: "TokenIssued",
    concertId: CONCERT_ID,
    token: tokenOf(userId),
    seq: TOKEN_SEQS[userId] ?? -1,
    userId,
    expiresAtMs: atMs + QUEUE_ACTIVE_TTL_MS_DEFAULT,
    atMs,
  };
}

export function tokenUsed(userId: string, atMs = T0_MS + 1_000): TokenUsed {
  return { type: "TokenUsed", concertId: CONCERT_ID, seq: TOKEN_SEQS[userId] ?? -1, atMs };
}
