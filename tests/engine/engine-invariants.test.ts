import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import { checkEngineInvariants } from "../../src/engine/engine-invariants.ts";
import {
  evolveEngine,
  initialEngineState,
  scheduleOf,
  walletOf,
  type EngineEvent,
  type EngineState,
} from "../../src/engine/engine-state.ts";
import {
  RESERVATION_HELD,
  reservationAt,
  SEAT_BOOKED,
  SEAT_HELD,
  slotOf as findSlot,
  type ScheduleState,
} from "../../src/engine/schedule.ts";
import {
  balanceCharged,
  concertCreated,
  CONCERT_ID,
  holdCancelled,
  holdExpired,
  paymentDebited,
  PRICE,
  reservationConfirmed,
  SCHEDULE_ID,
  seatsHeld,
} from "./fixtures.ts";
import { Room } from "./waiting-room-harness.ts";

/**
 * A state with something of everything: seats held, booked, expired and cancelled, a wallet that paid
 * for its booking, and a waiting room with fans waiting and admitted.
 */
function lively(): EngineState {
  const room = new Room();
  room.configure({ maxActive: 2 });
  room.issueMany(5);
  room.tick();
  const events: EngineEvent[] = [
    concertCreated(),
    ...room.journal,
    seatsHeld("r-1", "alice", [1, 2]),
    seatsHeld("r-2", "bob", [3]),
    balanceCharged("alice", "tx-1", 3 * PRICE, 3 * PRICE),
    reservationConfirmed("r-1"),
    paymentDebited("alice", "r-1", 2 * PRICE, PRICE),
    seatsHeld("r-3", "carol", [4]),
    holdExpired("r-3"),
    seatsHeld("r-4", "bob", [4, 5]),
    holdCancelled("r-4"),
    seatsHeld("r-5", "carol", [4]),
  ];
  return events.reduce(evolveEngine, initialEngineState());
}

function slotOf(schedule: ScheduleState, reservationId: string): number {
  return findSlot(schedule, reservationId) ?? expect.fail(`no ${reservationId}`);
}

/** Where an id index (see id-index.ts) keeps place + 1 for `place`. */
function bucketOf(index: Int32Array, place: number): number {
  for (let i = 1; i < index.length; i += 2) {
    if (index[i] === place + 1) {
      return i;
    }
  }
  return expect.fail(`place ${place} is not in the index`);
}

function holderOf(schedule: ScheduleState, userId: string): number {
  return schedule.lookup.holderOf.get(userId) ?? expect.fail(`no holder ${userId}`);
}

function expectBroken(state: EngineState, message: RegExp): void {
  expect(() => checkEngineInvariants(state)).toThrow(InvariantViolation);
  expect(() => checkEngineInvariants(state)).toThrow(message);
}

describe("a state built by folding valid events", () => {
  it("holds every invariant, empty or lively", () => {
    expect(() => checkEngineInvariants(initialEngineState())).not.toThrow();
    expect(() => checkEngineInvariants(lively())).not.toThrow();
  });

  it("is left exactly as it was by the check", () => {
    const state = lively();
    const before = structuredClone(state);
    checkEngineInvariants(state);
    expect(state).toEqual(before);
  });
});

describe("seat conservation is counted from the seat bytes", () => {
  it("catches a seat byte flipped behind the counters' back", () => {
    const state = lively();
    scheduleOf(state, SCHEDULE_ID).seats[9] = SEAT_HELD;
    expectBroken(state, /seats miscounted/);
  });

  it("catches a held seat that no reservation holds, even with the counters adjusted", () => {
    const state = lively();
    const schedule = scheduleOf(state, SCHEDULE_ID);
    schedule.seats[9] = SEAT_HELD;
    schedule.availableCount -= 1;
    schedule.heldCount += 1;
    expectBroken(state, /belongs to no live reservation/);
  });

  it("catches a booked seat whose reservation is only held", () => {
    const state = lively();
    const schedule = scheduleOf(state, SCHEDULE_ID);
    schedule.seats[2] = SEAT_BOOKED;
    schedule.heldCount -= 1;
    schedule.bookedCount += 1;
    expectBroken(state, /seat 3 of HELD reservation r-2 has status 2/);
  });
});

describe("no seat is in two live reservations", () => {
  it("catches a second live reservation of an already held seat", () => {
    const state = lively();
    const schedule = scheduleOf(state, SCHEDULE_ID);
    // Carol's expired hold of seat 4 comes back to life beside her live one of the same seat.
    const slot = slotOf(schedule, "r-3");
    schedule.holds.status[slot] = RESERVATION_HELD;
    const carol = holderOf(schedule, "carol");
    schedule.holders.seatCount[carol] = (schedule.holders.seatCount[carol] ?? 0) + 1;
    expectBroken(state, /seat 4 is in both r-3 and r-5/);
  });
});

describe("per-user seat counts and the reservation indexes agree with the reservations", () => {
  it("catches a user's seat count that is off", () => {
    const state = lively();
    const schedule = scheduleOf(state, SCHEDULE_ID);
    schedule.holders.seatCount[holderOf(schedule, "bob")] = 3;
    expectBroken(state, /the seats of bob are miscounted/);
  });

  it("catches a reservation missing from the index by reservation id", () => {
    const state = lively();
    const { numberIndex } = state.reservationLookup;
    numberIndex[bucketOf(numberIndex, 1)] = 0;
    expectBroken(state, /the number index is not the index of the reservation ids/);
  });

  it("catches a reservation filed under another slot of its schedule", () => {
    const state = lively();
    const { slotIndex } = scheduleOf(state, SCHEDULE_ID).lookup;
    // r-2's bucket now names r-1's slot.
    slotIndex[bucketOf(slotIndex, 1)] = 1;
    expectBroken(state, /the slot index is not the index of the reservation ids/);
  });

  it("catches a reservation number that points at another reservation", () => {
    const state = lively();
    state.reservations.slot[1] = 0;
    expectBroken(state, /reservation r-1 is filed under its own number 1/);
  });

  it("catches a taken slot past the last reservation", () => {
    const state = lively();
    const { holds } = scheduleOf(state, SCHEDULE_ID);
    holds.status[holds.count] = RESERVATION_HELD;
    expectBroken(state, /past the last reservation, is taken/);
  });

  it("catches a reservation listed under the wrong user", () => {
    const state = lively();
    const schedule = scheduleOf(state, SCHEDULE_ID);
    const bobsNewest = state.reservationLookup.newestOfUser.get("bob") ?? expect.fail("bob has none");
    expect(reservationAt(schedule, state.reservations.slot[bobsNewest] ?? -1).reservationId).toBe("r-4");
    state.reservationLookup.newestOfUser.set("alice", bobsNewest);
    expectBroken(state, /alice is listed with r-4, not theirs/);
  });
});

describe("balances equal their ledger and pay for exactly the seats booked", () => {
  it("catches a balance that differs from the sum of its ledger", () => {
    const state = lively();
    walletOf(state, "alice").balance += 1;
    expectBroken(state, /the ledger does not add up to the balance/);
  });

  it("catches money taken for a reservation that was never confirmed", () => {
    const state = lively();
    const schedule = scheduleOf(state, SCHEDULE_ID);
    const slot = slotOf(schedule, "r-1");
    expect(reservationAt(schedule, slot).status).toBe("CONFIRMED");
    schedule.holds.status[slot] = RESERVATION_HELD;
    schedule.holds.paymentIds[slot] = null;
    schedule.seats[0] = SEAT_HELD;
    schedule.seats[1] = SEAT_HELD;
    schedule.bookedCount -= 2;
    schedule.heldCount += 2;
    expectBroken(state, /wallet alice: 100000 won paid, but the confirmed reservations cost 0 won/);
  });

  it("catches a negative balance", () => {
    const state = lively();
    const wallet = walletOf(state, "carol");
    wallet.balance = -PRICE;
    wallet.transactions.push({
      transactionId: "tx-9",
      type: "PAYMENT",
      amount: PRICE,
      balanceAfter: -PRICE,
      atMs: 0,
    });
    expectBroken(state, /wallet carol: the ledger goes below zero at tx-9/);
  });
});

describe("every waiting room is checked in full", () => {
  it("catches a waiting room whose counts disagree with its tokens", () => {
    const state = lively();
    const room = state.waitingRooms.get(CONCERT_ID) ?? expect.fail("no waiting room");
    expect(room.waitingCount).toBeGreaterThan(0);
    room.waitingCount += 1;
    expectBroken(state, /waiting count/);
  });

  it("catches a concert without a waiting room", () => {
    const state = lively();
    state.waitingRooms.delete(CONCERT_ID);
    expectBroken(state, new RegExp(`concert ${CONCERT_ID} has a waiting room`));
  });
});
