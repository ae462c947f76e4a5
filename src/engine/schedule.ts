import { accept, assert, refuse, type DecideContext, type Decision } from "./decider.ts";
import type { ScheduleSpec } from "./catalog.ts";
import { SEATS_PER_HOLD_MAX, SEATS_PER_USER_PER_SCHEDULE_MAX } from "./limits.ts";
import { NOT_OWNER, rejection, RESERVATION_NOT_FOUND } from "./rejection.ts";

/** Seat states as bytes, so a 100,000-seat map is 100 KB rather than 100,000 objects. */
export const SEAT_AVAILABLE = 0;
export const SEAT_HELD = 1;
export const SEAT_BOOKED = 2;

export type SeatStatusName = "AVAILABLE" | "HELD" | "BOOKED";
export const SEAT_STATUS_NAMES: readonly SeatStatusName[] = ["AVAILABLE", "HELD", "BOOKED"];

export type ReservationStatus = "HELD" | "CONFIRMED" | "EXPIRED" | "CANCELLED";

/** A hold of 1..4 seats by one user. Records are replaced, never mutated, so a reply can keep one. */
export interface Reservation {
  readonly reservationId: string;
  readonly userId: string;
  readonly concertId: string;
  readonly scheduleId: string;
  readonly seatNumbers: readonly number[];
  readonly amount: number;
  readonly status: ReservationStatus;
  readonly heldAtMs: number;
  readonly expiresAtMs: number;
  readonly paymentId: string | null;
  readonly paidAtMs: number | null;
}

export interface ScheduleState {
  readonly scheduleId: string;
  readonly concertId: string;
  readonly startsAtMs: number;
  readonly seatCount: number;
  readonly price: number;
  /** Status byte per seat; seat number n is at index n - 1. */
  readonly seats: Uint8Array;
  availableCount: number;
  heldCount: number;
  bookedCount: number;
  readonly reservations: Map<string, Reservation>;
  /** Seats each user holds or owns here (HELD + BOOKED), for the per-user limit. */
  readonly seatsByUser: Map<string, number>;
}

export interface HoldSeats {
  readonly type: "HoldSeats";
  readonly userId: string;
  readonly seatNumbers: readonly number[];
  readonly holdTtlMs: number;
}

/** Delivered by the schedule's timer; a no-op unless the hold is still HELD and due. */
export interface ExpireHold {
  readonly type: "ExpireHold";
  readonly reservationId: string;
}

export interface CancelHold {
  readonly type: "CancelHold";
  readonly userId: string;
  readonly reservationId: string;
}

export type ScheduleCommand = HoldSeats | ExpireHold | CancelHold;

export interface SeatsHeld {
  readonly type: "SeatsHeld";
  readonly scheduleId: string;
  readonly reservationId: string;
  readonly userId: string;
  readonly seatNumbers: readonly number[];
  readonly amount: number;
  readonly atMs: number;
  readonly expiresAtMs: number;
}

export interface HoldExpired {
  readonly type: "HoldExpired";
  readonly scheduleId: string;
  readonly reservationId: string;
  readonly atMs: number;
}

export interface HoldCancelled {
  readonly type: "HoldCancelled";
  readonly scheduleId: string;
  readonly reservationId: string;
  readonly atMs: number;
}

export interface ReservationConfirmed {
  readonly type: "ReservationConfirmed";
  readonly scheduleId: string;
  readonly reservationId: string;
  readonly paymentId: string;
  readonly atMs: number;
}

export type ScheduleEvent = SeatsHeld | HoldExpired | HoldCancelled | ReservationConfirmed;

export function initialScheduleState(concertId: string, spec: ScheduleSpec): ScheduleState {
  return {
    scheduleId: spec.scheduleId,
    concertId,
    startsAtMs: spec.startsAtMs,
    seatCount: spec.seatCount,
    price: spec.price,
    seats: new Uint8Array(spec.seatCount),
    availableCount: spec.seatCount,
    heldCount: 0,
    bookedCount: 0,
    reservations: new Map(),
    seatsByUser: new Map(),
  };
}

export function decideSchedule(
  state: ScheduleState,
  command: ScheduleCommand,
  ctx: DecideContext,
): Decision<ScheduleEvent> {
  switch (command.type) {
    case "HoldSeats":
      return holdSeats(state, command, ctx);
    case "ExpireHold":
      return expireHold(state, command, ctx);
    case "CancelHold":
      return cancelHold(state, command, ctx);
  }
}

function holdSeats(state: ScheduleState, command: HoldSeats, ctx: DecideContext): Decision<ScheduleEvent> {
  const { seatNumbers } = command;
  if (!Number.isSafeInteger(command.holdTtlMs) || command.holdTtlMs <= 0) {
    return refuse(rejection("VALIDATION_FAILED", "a hold must last a positive whole number of milliseconds"));
  }
  if (seatNumbers.length === 0 || seatNumbers.length > SEATS_PER_HOLD_MAX) {
    return refuse(rejection("VALIDATION_FAILED", `a hold has 1..${SEATS_PER_HOLD_MAX} seats`));
  }
  // Checked with loops, not sets and filters: this is the hottest decision of an on-sale, and on the
  // way to a hold it allocates nothing; the lists of offending seats are only built to refuse.
  let allExist = true;
  let allAvailable = true;
  for (let i = 0; i < seatNumbers.length; i += 1) {
    const seatNumber = seatNumbers[i] as number;
    for (let j = 0; j < i; j += 1) {
      if (seatNumbers[j] === seatNumber) {
        return refuse(rejection("VALIDATION_FAILED", "seat numbers must be distinct"));
      }
    }
    if (!Number.isSafeInteger(seatNumber) || seatNumber < 1 || seatNumber > state.seatCount) {
      allExist = false;
    } else if (state.seats[seatNumber - 1] !== SEAT_AVAILABLE) {
      allAvailable = false;
    }
  }
  if (!allExist) {
    const missing = seatNumbers.filter((n) => !Number.isSafeInteger(n) || n < 1 || n > state.seatCount);
    return refuse(
      rejection("SEAT_NOT_FOUND", `no such seat in this schedule: ${missing.join(", ")}`, {
        seatNumbers: missing,
      }),
    );
  }
  if (!allAvailable) {
    const unavailable = seatNumbers.filter((n) => state.seats[n - 1] !== SEAT_AVAILABLE);
    return refuse(
      rejection("SEAT_UNAVAILABLE", `seats already held or booked: ${unavailable.join(", ")}`, {
        seatNumbers: unavailable,
      }),
    );
  }
  const alreadyHeld = state.seatsByUser.get(command.userId) ?? 0;
  if (alreadyHeld + seatNumbers.length > SEATS_PER_USER_PER_SCHEDULE_MAX) {
    return refuse(
      rejection(
        "HOLD_LIMIT_REACHED",
        `a user may hold or own at most ${SEATS_PER_USER_PER_SCHEDULE_MAX} seats of a schedule; already ${alreadyHeld}`,
      ),
    );
  }
  return accept([
    {
      type: "SeatsHeld",
      scheduleId: state.scheduleId,
      reservationId: ctx.newId(),
      userId: command.userId,
      seatNumbers: [...seatNumbers],
      amount: state.price * seatNumbers.length,
      atMs: ctx.nowMs,
      expiresAtMs: ctx.nowMs + command.holdTtlMs,
    },
  ]);
}

function expireHold(state: ScheduleState, command: ExpireHold, ctx: DecideContext): Decision<ScheduleEvent> {
  const reservation = state.reservations.get(command.reservationId);
  if (reservation === undefined || reservation.status !== "HELD" || ctx.nowMs < reservation.expiresAtMs) {
    return accept([]);
  }
  return accept([
    {
      type: "HoldExpired",
      scheduleId: state.scheduleId,
      reservationId: reservation.reservationId,
      atMs: ctx.nowMs,
    },
  ]);
}

function cancelHold(state: ScheduleState, command: CancelHold, ctx: DecideContext): Decision<ScheduleEvent> {
  const reservation = state.reservations.get(command.reservationId);
  if (reservation === undefined) {
    return refuse(RESERVATION_NOT_FOUND);
  }
  if (reservation.userId !== command.userId) {
    return refuse(NOT_OWNER);
  }
  if (!isLiveHold(reservation, ctx.nowMs)) {
    return refuse(
      rejection("RESERVATION_NOT_HELD", `the reservation is ${statusAt(reservation, ctx.nowMs)}`),
    );
  }
  return accept([
    {
      type: "HoldCancelled",
      scheduleId: state.scheduleId,
      reservationId: reservation.reservationId,
      atMs: ctx.nowMs,
    },
  ]);
}

/** A hold past its expiry time is dead even before its ExpireHold message has been handled. */
export function isLiveHold(reservation: Reservation, nowMs: number): boolean {
  return reservation.status === "HELD" && nowMs < reservation.expiresAtMs;
}

/** The status a client should see: a due hold reads as EXPIRED at once, whatever the timer's lag. */
export function statusAt(reservation: Reservation, nowMs: number): ReservationStatus {
  return reservation.status === "HELD" && nowMs >= reservation.expiresAtMs ? "EXPIRED" : reservation.status;
}

export function evolveSchedule(state: ScheduleState, event: ScheduleEvent): ScheduleState {
  switch (event.type) {
    case "SeatsHeld": {
      for (const seatNumber of event.seatNumbers) {
        assert(state.seats[seatNumber - 1] === SEAT_AVAILABLE, `seat ${seatNumber} held twice`);
        state.seats[seatNumber - 1] = SEAT_HELD;
      }
      const count = event.seatNumbers.length;
      state.availableCount -= count;
      state.heldCount += count;
      state.seatsByUser.set(event.userId, (state.seatsByUser.get(event.userId) ?? 0) + count);
      state.reservations.set(event.reservationId, {
        reservationId: event.reservationId,
        userId: event.userId,
        concertId: state.concertId,
        scheduleId: state.scheduleId,
        seatNumbers: event.seatNumbers,
        amount: event.amount,
        status: "HELD",
        heldAtMs: event.atMs,
        expiresAtMs: event.expiresAtMs,
        paymentId: null,
        paidAtMs: null,
      });
      break;
    }
    case "HoldExpired":
    case "HoldCancelled":
      releaseHold(
        state,
        heldReservation(state, event.reservationId),
        event.type === "HoldExpired" ? "EXPIRED" : "CANCELLED",
      );
      break;
    case "ReservationConfirmed": {
      const reservation = heldReservation(state, event.reservationId);
      for (const seatNumber of reservation.seatNumbers) {
        state.seats[seatNumber - 1] = SEAT_BOOKED;
      }
      state.heldCount -= reservation.seatNumbers.length;
      state.bookedCount += reservation.seatNumbers.length;
      state.reservations.set(reservation.reservationId, {
        ...reservation,
        status: "CONFIRMED",
        paymentId: event.paymentId,
        paidAtMs: event.atMs,
      });
      break;
    }
  }
  assertSeatConservation(state);
  return state;
}

function heldReservation(state: ScheduleState, reservationId: string): Reservation {
  const reservation = state.reservations.get(reservationId);
  assert(reservation !== undefined, `event for unknown reservation ${reservationId}`);
  assert(reservation.status === "HELD", `reservation ${reservationId} is ${reservation.status}, not HELD`);
  return reservation;
}

function releaseHold(state: ScheduleState, reservation: Reservation, status: "EXPIRED" | "CANCELLED"): void {
  for (const seatNumber of reservation.seatNumbers) {
    assert(state.seats[seatNumber - 1] === SEAT_HELD, `released seat ${seatNumber} was not held`);
    state.seats[seatNumber - 1] = SEAT_AVAILABLE;
  }
  const count = reservation.seatNumbers.length;
  state.heldCount -= count;
  state.availableCount += count;
  const remaining = (state.seatsByUser.get(reservation.userId) ?? 0) - count;
  if (remaining > 0) {
    state.seatsByUser.set(reservation.userId, remaining);
  } else {
    state.seatsByUser.delete(reservation.userId);
  }
  state.reservations.set(reservation.reservationId, { ...reservation, status });
}

function assertSeatConservation(state: ScheduleState): void {
  assert(state.availableCount >= 0, "available seats went negative");
  assert(state.heldCount >= 0, "held seats went negative");
  assert(state.bookedCount >= 0, "booked seats went negative");
  assert(
    state.availableCount + state.heldCount + state.bookedCount === state.seatCount,
    "available + held + booked must equal capacity",
  );
}
