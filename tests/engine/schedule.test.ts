import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import { SEATS_PER_HOLD_MAX, SEATS_PER_USER_PER_SCHEDULE_MAX } from "../../src/engine/limits.ts";
import {
  evolveSchedule,
  isLiveHold,
  reservationOf as findReservationIn,
  SEAT_AVAILABLE,
  SEAT_BOOKED,
  SEAT_HELD,
  SEAT_STATUS_NAMES,
  seatsHeldBy,
  slotOf as findSlot,
  statusAt,
  type HoldSeats,
  type Reservation,
  type ScheduleState,
} from "../../src/engine/schedule.ts";
import {
  CONCERT_ID,
  HOLD_TTL_MS,
  holdCancelled,
  holdExpired,
  PRICE,
  reservationConfirmed,
  SCHEDULE_ID,
  scheduleDecider,
  SEAT_COUNT,
  seatsHeld,
} from "./fixtures.ts";
import { deciderSpec, fold, T0_MS } from "./spec.ts";

const spec = deciderSpec(scheduleDecider);

function hold(userId: string, seatNumbers: readonly number[]): HoldSeats {
  return { type: "HoldSeats", userId, seatNumbers, holdTtlMs: HOLD_TTL_MS };
}

function seatNames(state: ScheduleState): string[] {
  return [...state.seats].map((byte) => SEAT_STATUS_NAMES[byte] ?? `unknown byte ${byte}`);
}

function reservationOf(state: ScheduleState, reservationId: string): Reservation {
  const reservation = findReservationIn(state, reservationId);
  expect(reservation).toBeDefined();
  return reservation as Reservation;
}

function slotOf(state: ScheduleState, reservationId: string): number {
  return findSlot(state, reservationId) ?? expect.fail(`no reservation ${reservationId}`);
}

describe("seat status bytes", () => {
  it("name AVAILABLE, HELD and BOOKED in that order", () => {
    expect(SEAT_STATUS_NAMES[SEAT_AVAILABLE]).toBe("AVAILABLE");
    expect(SEAT_STATUS_NAMES[SEAT_HELD]).toBe("HELD");
    expect(SEAT_STATUS_NAMES[SEAT_BOOKED]).toBe("BOOKED");
  });

  it("start with every seat of a new schedule available", () => {
    const state = scheduleDecider.initialState();
    expect(state.seats).toHaveLength(SEAT_COUNT);
    expect(seatNames(state).every((name) => name === "AVAILABLE")).toBe(true);
    expect([state.availableCount, state.heldCount, state.bookedCount]).toEqual([SEAT_COUNT, 0, 0]);
  });
});

describe("holding seats", () => {
  it("holds free seats for the user at the schedule's price until now plus the hold time", () => {
    const state = spec
      .given([])
      .when(hold("alice", [3, 4]), { nowMs: T0_MS + 5 })
      .then([
        {
          type: "SeatsHeld",
          scheduleId: SCHEDULE_ID,
          reservationId: "id-1",
          userId: "alice",
          seatNumbers: [3, 4],
          amount: 2 * PRICE,
          atMs: T0_MS + 5,
          expiresAtMs: T0_MS + 5 + HOLD_TTL_MS,
        },
      ]);
    expect(seatNames(state)).toEqual([
      "AVAILABLE",
      "AVAILABLE",
      "HELD",
      "HELD",
      ...Array<string>(6).fill("AVAILABLE"),
    ]);
    expect([state.availableCount, state.heldCount, state.bookedCount]).toEqual([8, 2, 0]);
    expect(seatsHeldBy(state, "alice")).toBe(2);
    expect(reservationOf(state, "id-1")).toStrictEqual({
      reservationId: "id-1",
      userId: "alice",
      concertId: CONCERT_ID,
      scheduleId: SCHEDULE_ID,
      seatNumbers: [3, 4],
      amount: 2 * PRICE,
      status: "HELD",
      heldAtMs: T0_MS + 5,
      expiresAtMs: T0_MS + 5 + HOLD_TTL_MS,
      paymentId: null,
      paidAtMs: null,
    });
  });

  it("holds the first and the last seat of the schedule", () => {
    spec
      .given([])
      .when(hold("alice", [1, SEAT_COUNT]))
      .then([seatsHeld("id-1", "alice", [1, SEAT_COUNT])]);
  });

  it(`holds up to ${SEATS_PER_HOLD_MAX} seats at once`, () => {
    spec
      .given([])
      .when(hold("alice", [7, 2, 9, 5]))
      .then([seatsHeld("id-1", "alice", [7, 2, 9, 5])]);
  });

  it("records a copy of the seat numbers, so the caller's array cannot change the event later", () => {
    const seatNumbers = [1, 2];
    const outcome = spec.given([]).when(hold("alice", seatNumbers));
    seatNumbers.push(3);
    outcome.then([seatsHeld("id-1", "alice", [1, 2])]);
  });

  it("takes its reservation id from the context", () => {
    spec
      .given([])
      .when(hold("alice", [1]), { newId: () => "chosen-id" })
      .then([seatsHeld("chosen-id", "alice", [1])]);
  });

  it("holds seats another user just released", () => {
    spec
      .given([seatsHeld("r-1", "bob", [1, 2]), holdCancelled("r-1")])
      .when(hold("alice", [1, 2]), { nowMs: T0_MS + 2_000 })
      .then([seatsHeld("id-1", "alice", [1, 2], T0_MS + 2_000)]);
  });

  it("holds seats whose earlier hold has expired", () => {
    const atMs = T0_MS + HOLD_TTL_MS + 1;
    spec
      .given([seatsHeld("r-1", "bob", [1, 2]), holdExpired("r-1")])
      .when(hold("alice", [2]), { nowMs: atMs })
      .then([seatsHeld("id-1", "alice", [2], atMs)]);
  });
});

describe("a hold is 1 to 4 distinct seats", () => {
  it("refuses a hold of no seats", () => {
    spec.given([]).when(hold("alice", [])).thenRejects("VALIDATION_FAILED");
  });

  it(`refuses a hold of ${SEATS_PER_HOLD_MAX + 1} seats`, () => {
    spec
      .given([])
      .when(hold("alice", [1, 2, 3, 4, 5]))
      .thenRejects("VALIDATION_FAILED");
  });

  it("refuses the same seat twice in one hold", () => {
    spec
      .given([])
      .when(hold("alice", [2, 3, 2]))
      .thenRejects("VALIDATION_FAILED");
  });
});

describe("only seats of the schedule can be held", () => {
  it("refuses seat 0 and seat N + 1, naming them", () => {
    spec
      .given([])
      .when(hold("alice", [0, 1, SEAT_COUNT + 1]))
      .thenRejects("SEAT_NOT_FOUND", { seatNumbers: [0, SEAT_COUNT + 1] });
  });

  it("refuses negative, fractional and non-numeric seat numbers", () => {
    spec
      .given([])
      .when(hold("alice", [-1, 1.5, Number.NaN]))
      .thenRejects("SEAT_NOT_FOUND", { seatNumbers: [-1, 1.5, Number.NaN] });
  });

  it("reports a missing seat before an unavailable one", () => {
    spec
      .given([seatsHeld("r-1", "bob", [1])])
      .when(hold("alice", [1, 11]))
      .thenRejects("SEAT_NOT_FOUND", { seatNumbers: [11] });
  });
});

describe("a seat is held or booked by one reservation at a time", () => {
  it("refuses a seat another user holds, naming only the unavailable seats", () => {
    spec
      .given([seatsHeld("r-1", "bob", [2, 3])])
      .when(hold("alice", [1, 3, 2, 4]))
      .thenRejects("SEAT_UNAVAILABLE", { seatNumbers: [3, 2] });
  });

  it("refuses a seat the same user already holds", () => {
    spec
      .given([seatsHeld("r-1", "alice", [2])])
      .when(hold("alice", [2]))
      .thenRejects("SEAT_UNAVAILABLE", { seatNumbers: [2] });
  });

  it("refuses a booked seat", () => {
    spec
      .given([seatsHeld("r-1", "bob", [5]), reservationConfirmed("r-1")])
      .when(hold("alice", [5]), { nowMs: T0_MS + HOLD_TTL_MS * 10 })
      .thenRejects("SEAT_UNAVAILABLE", { seatNumbers: [5] });
  });

  it("is all or nothing: one unavailable seat refuses the whole hold", () => {
    const outcome = spec.given([seatsHeld("r-1", "bob", [4])]).when(hold("alice", [3, 4]));
    outcome.thenRejects("SEAT_UNAVAILABLE", { seatNumbers: [4] });
    expect(outcome.state.seats[2]).toBe(SEAT_AVAILABLE);
  });

  it("keeps the seats of a hold past its deadline until its ExpireHold message is handled", () => {
    spec
      .given([seatsHeld("r-1", "bob", [1])])
      .when(hold("alice", [1]), { nowMs: T0_MS + HOLD_TTL_MS })
      .thenRejects("SEAT_UNAVAILABLE", { seatNumbers: [1] });
  });
});

describe(`a user holds or owns at most ${SEATS_PER_USER_PER_SCHEDULE_MAX} seats of a schedule`, () => {
  it("refuses a hold that would take the user past the limit", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1, 2, 3])])
      .when(hold("alice", [4, 5]))
      .thenRejects("HOLD_LIMIT_REACHED");
  });

  it("allows a hold that brings the user exactly to the limit", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1, 2, 3])])
      .when(hold("alice", [4]))
      .then([seatsHeld("id-1", "alice", [4])]);
  });

  it("counts booked seats as well as held ones", () => {
    spec
      .given([
        seatsHeld("r-1", "alice", [1, 2]),
        reservationConfirmed("r-1"),
        seatsHeld("r-2", "alice", [3, 4]),
      ])
      .when(hold("alice", [5]), { nowMs: T0_MS + 2_000 })
      .thenRejects("HOLD_LIMIT_REACHED");
  });

  it("gives seats back to the limit when a hold expires", () => {
    const atMs = T0_MS + HOLD_TTL_MS;
    spec
      .given([seatsHeld("r-1", "alice", [1, 2, 3, 4]), holdExpired("r-1", atMs)])
      .when(hold("alice", [5, 6, 7, 8]), { nowMs: atMs })
      .then([seatsHeld("id-1", "alice", [5, 6, 7, 8], atMs)]);
  });

  it("gives seats back to the limit when a hold is cancelled", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1, 2, 3, 4]), holdCancelled("r-1")])
      .when(hold("alice", [1, 2, 3, 4]), { nowMs: T0_MS + 2_000 })
      .then([seatsHeld("id-1", "alice", [1, 2, 3, 4], T0_MS + 2_000)]);
  });

  it("keeps counting the user's other hold when one of two is released", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1, 2]), seatsHeld("r-2", "alice", [3, 4]), holdCancelled("r-1")])
      .when(hold("alice", [5, 6, 7]), { nowMs: T0_MS + 2_000 })
      .thenRejects("HOLD_LIMIT_REACHED");
  });

  it("counts each user apart", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1, 2, 3, 4])])
      .when(hold("bob", [5, 6, 7, 8]))
      .then([seatsHeld("id-1", "bob", [5, 6, 7, 8])]);
  });

  it("still holds a due hold's seats against the limit until it is expired", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1, 2, 3, 4])])
      .when(hold("alice", [5]), { nowMs: T0_MS + HOLD_TTL_MS })
      .thenRejects("HOLD_LIMIT_REACHED");
  });
});

describe("holds expire when their ExpireHold message is handled after the deadline", () => {
  it("does nothing one millisecond before the deadline", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1])])
      .when({ type: "ExpireHold", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS - 1 })
      .thenNothingHappens();
  });

  it("expires the hold at the deadline and makes its seats available again", () => {
    const atMs = T0_MS + HOLD_TTL_MS;
    const state = spec
      .given([seatsHeld("r-1", "alice", [1, 2])])
      .when({ type: "ExpireHold", reservationId: "r-1" }, { nowMs: atMs })
      .then([{ type: "HoldExpired", scheduleId: SCHEDULE_ID, reservationId: "r-1", atMs }]);
    expect(reservationOf(state, "r-1").status).toBe("EXPIRED");
    expect(seatNames(state).slice(0, 2)).toEqual(["AVAILABLE", "AVAILABLE"]);
    expect([state.availableCount, state.heldCount, state.bookedCount]).toEqual([SEAT_COUNT, 0, 0]);
    expect(seatsHeldBy(state, "alice")).toBe(0);
  });

  it("expires a hold whose message arrives long after the deadline, stamped with the handling time", () => {
    const atMs = T0_MS + HOLD_TTL_MS * 100;
    spec
      .given([seatsHeld("r-1", "alice", [1])])
      .when({ type: "ExpireHold", reservationId: "r-1" }, { nowMs: atMs })
      .then([holdExpired("r-1", atMs)]);
  });

  it("does nothing to a paid reservation", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1]), reservationConfirmed("r-1")])
      .when({ type: "ExpireHold", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS })
      .thenNothingHappens();
  });

  it("does nothing to a cancelled hold", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1]), holdCancelled("r-1")])
      .when({ type: "ExpireHold", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS })
      .thenNothingHappens();
  });

  it("does nothing to a hold that has already expired", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1]), holdExpired("r-1")])
      .when({ type: "ExpireHold", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS + 1 })
      .thenNothingHappens();
  });

  it("does nothing for an unknown reservation", () => {
    spec
      .given([])
      .when({ type: "ExpireHold", reservationId: "nope" }, { nowMs: T0_MS + HOLD_TTL_MS })
      .thenNothingHappens();
  });

  it("leaves the other holds of the schedule alone", () => {
    const state = spec
      .given([seatsHeld("r-1", "alice", [1]), seatsHeld("r-2", "bob", [2], T0_MS + 1)])
      .when({ type: "ExpireHold", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS })
      .then([holdExpired("r-1")]);
    expect(reservationOf(state, "r-2").status).toBe("HELD");
    expect(seatNames(state).slice(0, 2)).toEqual(["AVAILABLE", "HELD"]);
  });
});

describe("a user releases their own live hold", () => {
  it("cancels the hold and makes its seats available again", () => {
    const atMs = T0_MS + 1_000;
    const state = spec
      .given([seatsHeld("r-1", "alice", [1, 2])])
      .when({ type: "CancelHold", userId: "alice", reservationId: "r-1" }, { nowMs: atMs })
      .then([{ type: "HoldCancelled", scheduleId: SCHEDULE_ID, reservationId: "r-1", atMs }]);
    expect(reservationOf(state, "r-1").status).toBe("CANCELLED");
    expect([state.availableCount, state.heldCount, state.bookedCount]).toEqual([SEAT_COUNT, 0, 0]);
  });

  it("cancels one millisecond before the deadline", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1])])
      .when({ type: "CancelHold", userId: "alice", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS - 1 })
      .then([holdCancelled("r-1", T0_MS + HOLD_TTL_MS - 1)]);
  });

  it("refuses an unknown reservation", () => {
    spec
      .given([])
      .when({ type: "CancelHold", userId: "alice", reservationId: "nope" })
      .thenRejects("RESERVATION_NOT_FOUND");
  });

  it("refuses another user's hold", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1])])
      .when({ type: "CancelHold", userId: "bob", reservationId: "r-1" })
      .thenRejects("NOT_OWNER");
  });

  it("refuses a paid reservation", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1]), reservationConfirmed("r-1")])
      .when({ type: "CancelHold", userId: "alice", reservationId: "r-1" }, { nowMs: T0_MS + 2_000 })
      .thenRejects("RESERVATION_NOT_HELD");
  });

  it("refuses a hold that was already cancelled", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1]), holdCancelled("r-1")])
      .when({ type: "CancelHold", userId: "alice", reservationId: "r-1" }, { nowMs: T0_MS + 2_000 })
      .thenRejects("RESERVATION_NOT_HELD");
  });

  it("refuses an expired hold", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1]), holdExpired("r-1")])
      .when({ type: "CancelHold", userId: "alice", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS })
      .thenRejects("RESERVATION_NOT_HELD");
  });

  it("refuses a hold past its deadline even before its ExpireHold message is handled", () => {
    spec
      .given([seatsHeld("r-1", "alice", [1])])
      .when({ type: "CancelHold", userId: "alice", reservationId: "r-1" }, { nowMs: T0_MS + HOLD_TTL_MS })
      .thenRejects("RESERVATION_NOT_HELD");
  });
});

describe("a hold is live until its deadline", () => {
  const state = fold(scheduleDecider, [
    seatsHeld("held", "alice", [1]),
    seatsHeld("paid", "alice", [2]),
    reservationConfirmed("paid"),
    seatsHeld("cancelled", "alice", [3]),
    holdCancelled("cancelled"),
  ]);
  const deadline = T0_MS + HOLD_TTL_MS;

  it("is live and reads HELD before the deadline", () => {
    expect(isLiveHold(state, slotOf(state, "held"), deadline - 1)).toBe(true);
    expect(statusAt(reservationOf(state, "held"), deadline - 1)).toBe("HELD");
  });

  it("is dead and reads EXPIRED from the deadline on, before any ExpireHold message", () => {
    expect(isLiveHold(state, slotOf(state, "held"), deadline)).toBe(false);
    expect(statusAt(reservationOf(state, "held"), deadline)).toBe("EXPIRED");
  });

  it("keeps the status of paid and cancelled reservations whatever the time", () => {
    for (const nowMs of [T0_MS, deadline, deadline * 2]) {
      expect(isLiveHold(state, slotOf(state, "paid"), nowMs)).toBe(false);
      expect(statusAt(reservationOf(state, "paid"), nowMs)).toBe("CONFIRMED");
      expect(isLiveHold(state, slotOf(state, "cancelled"), nowMs)).toBe(false);
      expect(statusAt(reservationOf(state, "cancelled"), nowMs)).toBe("CANCELLED");
    }
  });
});

describe("a payment books the held seats", () => {
  it("marks the seats booked and the reservation confirmed with its payment", () => {
    const state = fold(scheduleDecider, [
      seatsHeld("r-1", "alice", [9, 10]),
      reservationConfirmed("r-1", "p-1", T0_MS + 7),
    ]);
    expect(seatNames(state).slice(8)).toEqual(["BOOKED", "BOOKED"]);
    expect([state.availableCount, state.heldCount, state.bookedCount]).toEqual([8, 0, 2]);
    expect(seatsHeldBy(state, "alice")).toBe(2);
    expect(reservationOf(state, "r-1")).toMatchObject({
      status: "CONFIRMED",
      paymentId: "p-1",
      paidAtMs: T0_MS + 7,
    });
  });

  it("replaces a reservation record instead of mutating it, so a reply that kept one stays true", () => {
    const state = fold(scheduleDecider, [seatsHeld("r-1", "alice", [1])]);
    const reply = reservationOf(state, "r-1");
    evolveSchedule(state, reservationConfirmed("r-1"));
    expect(reply.status).toBe("HELD");
    expect(reservationOf(state, "r-1").status).toBe("CONFIRMED");
  });
});

describe("evolve refuses events that cannot happen", () => {
  function given(events: Parameters<typeof evolveSchedule>[1][]): ScheduleState {
    return fold(scheduleDecider, events);
  }

  it("throws an InvariantViolation when a booked seat is held", () => {
    const state = given([seatsHeld("r-1", "alice", [1]), reservationConfirmed("r-1")]);
    expect(() => evolveSchedule(state, seatsHeld("r-2", "bob", [1]))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when a held seat is held again", () => {
    const state = given([seatsHeld("r-1", "alice", [1])]);
    expect(() => evolveSchedule(state, seatsHeld("r-2", "bob", [2, 1]))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when one event holds the same seat twice", () => {
    expect(() => evolveSchedule(given([]), seatsHeld("r-1", "alice", [3, 3]))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when a seat outside the schedule is held", () => {
    expect(() => evolveSchedule(given([]), seatsHeld("r-1", "alice", [SEAT_COUNT + 1]))).toThrow(
      InvariantViolation,
    );
    expect(() => evolveSchedule(given([]), seatsHeld("r-1", "alice", [0]))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when an unknown reservation expires, is cancelled or is paid", () => {
    expect(() => evolveSchedule(given([]), holdExpired("nope"))).toThrow(InvariantViolation);
    expect(() => evolveSchedule(given([]), holdCancelled("nope"))).toThrow(InvariantViolation);
    expect(() => evolveSchedule(given([]), reservationConfirmed("nope"))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when a paid reservation expires or is cancelled", () => {
    const paid = () => given([seatsHeld("r-1", "alice", [1]), reservationConfirmed("r-1")]);
    expect(() => evolveSchedule(paid(), holdExpired("r-1"))).toThrow(InvariantViolation);
    expect(() => evolveSchedule(paid(), holdCancelled("r-1"))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when an expired or cancelled hold is paid", () => {
    const expired = given([seatsHeld("r-1", "alice", [1]), holdExpired("r-1")]);
    expect(() => evolveSchedule(expired, reservationConfirmed("r-1"))).toThrow(InvariantViolation);
    const cancelled = given([seatsHeld("r-1", "alice", [1]), holdCancelled("r-1")]);
    expect(() => evolveSchedule(cancelled, reservationConfirmed("r-1"))).toThrow(InvariantViolation);
  });

  it("throws an InvariantViolation when a hold is released twice", () => {
    const cancelled = given([seatsHeld("r-1", "alice", [1]), holdCancelled("r-1")]);
    expect(() => evolveSchedule(cancelled, holdExpired("r-1"))).toThrow(InvariantViolation);
    const expired = given([seatsHeld("r-1", "alice", [1]), holdExpired("r-1")]);
    expect(() => evolveSchedule(expired, holdCancelled("r-1"))).toThrow(InvariantViolation);
  });
});
