import { accept, assert, refuse, type DecideContext, type Decision } from "./decider.ts";
import type { ScheduleSpec } from "./catalog.ts";
import { SEATS_PER_HOLD_MAX, SEATS_PER_SCHEDULE_MAX, SEATS_PER_USER_PER_SCHEDULE_MAX } from "./limits.ts";
import { emptyIdIndex, findId, indexOfIds, NOT_INDEXED, withId } from "./id-index.ts";
import { NOT_OWNER, rejection, RESERVATION_NOT_FOUND } from "./rejection.ts";
import { grown, grownCapacity } from "./table-growth.ts";

/** Seat states as bytes, so a 100,000-seat map is 100 KB rather than 100,000 objects. */
export const SEAT_AVAILABLE = 0;
export const SEAT_HELD = 1;
export const SEAT_BOOKED = 2;

export type SeatStatusName = "AVAILABLE" | "HELD" | "BOOKED";
export const SEAT_STATUS_NAMES: readonly SeatStatusName[] = ["AVAILABLE", "HELD", "BOOKED"];

export type ReservationStatus = "HELD" | "CONFIRMED" | "EXPIRED" | "CANCELLED";

/** Reservation statuses as bytes in the hold table; 0 marks a slot no reservation has taken yet. */
export const RESERVATION_HELD = 1;
export const RESERVATION_CONFIRMED = 2;
export const RESERVATION_EXPIRED = 3;
export const RESERVATION_CANCELLED = 4;
const RESERVATION_STATUS_NAMES: Readonly<Record<number, ReservationStatus>> = {
  [RESERVATION_HELD]: "HELD",
  [RESERVATION_CONFIRMED]: "CONFIRMED",
  [RESERVATION_EXPIRED]: "EXPIRED",
  [RESERVATION_CANCELLED]: "CANCELLED",
};

/** The slots a schedule's hold and holder tables start with (see table-growth.ts for how they grow). */
export const SCHEDULE_TABLE_SLOTS_INITIAL = 16;

// A holder's seat count is a byte, and the seat numbers of a hold are 32-bit slots.
if (SEATS_PER_USER_PER_SCHEDULE_MAX > 255) {
  throw new Error("a holder's seat count must fit in a byte");
}
if (SEATS_PER_SCHEDULE_MAX > 2 ** 31 - 1) {
  throw new Error("a seat number must fit in an Int32Array");
}

/**
 * A reservation as the API shows it: a hold of 1..4 seats by one user. The state does not keep these
 * records (see `HoldTable`); `reservationAt` builds one when a reply or a read needs it, and nothing
 * changes a record once built, so a reply can keep it.
 */
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

/**
 * Every reservation made in one schedule, as struct-of-arrays indexed by a slot: the n-th reservation
 * made here has slot n. A reservation is a record that is never removed, so slots are never reused and
 * replay gives every reservation the slot it had live. A hold costs a few typed-array slots and two
 * array entries rather than an object and its map entries, so holding allocates almost nothing that
 * lives on, and the garbage collector has little to trace. The typed arrays all have the same length,
 * the capacity; they grow together, deterministically, so a replayed table equals the live one.
 */
export interface HoldTable {
  /** Slots taken: the reservations made here so far. */
  count: number;
  /** By slot; as long as `count`. */
  readonly reservationIds: string[];
  /** By slot: who made it, as an index into the schedule's `HolderTable`. */
  holder: Int32Array;
  /** By slot: a RESERVATION_* byte. */
  status: Uint8Array;
  /** `SEATS_PER_HOLD_MAX` per slot (slot × SEATS_PER_HOLD_MAX + i); 0 after the last seat of a smaller hold. */
  seatNumbers: Int32Array;
  heldAtMs: Float64Array;
  expiresAtMs: Float64Array;
  /** By slot: the price of its seats in won. */
  amount: Float64Array;
  /** By slot; as long as `count`; null until it is paid. */
  readonly paymentIds: (string | null)[];
  /** By slot: when it was paid; 0 until then. */
  paidAtMs: Float64Array;
}

/** Everyone who has held seats in the schedule, indexed by the order of their first hold here. */
export interface HolderTable {
  readonly userIds: string[];
  /** By holder: the seats they hold or own here (HELD + BOOKED), for the per-user limit. */
  seatCount: Uint8Array;
}

/**
 * The indexes from ids into the tables. They are derived from the tables (the holder map repeats every
 * user id in them), so a snapshot leaves them out and `restoreScheduleState` rebuilds them.
 */
export interface ScheduleLookup {
  /** Reservation id → slot (see id-index.ts); use `slotOf`. */
  slotIndex: Int32Array;
  /** User id → holder. */
  readonly holderOf: Map<string, number>;
}

export interface ScheduleState {
  readonly scheduleId: string;
  readonly concertId: string;
  readonly startsAtMs: number;
  readonly seatCount: number;
  readonly price: number;
  /** The schedule's place among all schedules in the order they were created (`EngineState.scheduleIds`). */
  readonly ordinal: number;
  /** Status byte per seat; seat number n is at index n - 1. */
  readonly seats: Uint8Array;
  availableCount: number;
  heldCount: number;
  bookedCount: number;
  readonly holds: HoldTable;
  readonly holders: HolderTable;
  readonly lookup: ScheduleLookup;
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

export function initialScheduleState(concertId: string, spec: ScheduleSpec, ordinal: number): ScheduleState {
  return scheduleState(
    {
      scheduleId: spec.scheduleId,
      concertId,
      startsAtMs: spec.startsAtMs,
      seatCount: spec.seatCount,
      price: spec.price,
      ordinal,
      seats: new Uint8Array(spec.seatCount),
      availableCount: spec.seatCount,
      heldCount: 0,
      bookedCount: 0,
      holds: {
        count: 0,
        reservationIds: [],
        holder: new Int32Array(SCHEDULE_TABLE_SLOTS_INITIAL),
        status: new Uint8Array(SCHEDULE_TABLE_SLOTS_INITIAL),
        seatNumbers: new Int32Array(SCHEDULE_TABLE_SLOTS_INITIAL * SEATS_PER_HOLD_MAX),
        heldAtMs: new Float64Array(SCHEDULE_TABLE_SLOTS_INITIAL),
        expiresAtMs: new Float64Array(SCHEDULE_TABLE_SLOTS_INITIAL),
        amount: new Float64Array(SCHEDULE_TABLE_SLOTS_INITIAL),
        paymentIds: [],
        paidAtMs: new Float64Array(SCHEDULE_TABLE_SLOTS_INITIAL),
      },
      holders: { userIds: [], seatCount: new Uint8Array(SCHEDULE_TABLE_SLOTS_INITIAL) },
    },
    { slotIndex: emptyIdIndex(), holderOf: new Map() },
  );
}

/** A schedule as a snapshot stores it: without its lookups, which are derived from its tables. */
export type StoredScheduleState = Omit<ScheduleState, "lookup">;

export function storedScheduleState(state: ScheduleState): StoredScheduleState {
  return {
    scheduleId: state.scheduleId,
    concertId: state.concertId,
    startsAtMs: state.startsAtMs,
    seatCount: state.seatCount,
    price: state.price,
    ordinal: state.ordinal,
    seats: state.seats,
    availableCount: state.availableCount,
    heldCount: state.heldCount,
    bookedCount: state.bookedCount,
    holds: state.holds,
    holders: state.holders,
  };
}

/** A schedule from what `storedScheduleState` stored, with its lookups rebuilt from its tables. */
export function restoreScheduleState(stored: StoredScheduleState): ScheduleState {
  const lookup: ScheduleLookup = { slotIndex: indexOfIds(stored.holds.reservationIds), holderOf: new Map() };
  const { userIds } = stored.holders;
  for (let holder = 0; holder < userIds.length; holder += 1) {
    lookup.holderOf.set(userIds[holder] as string, holder);
  }
  return scheduleState(stored, lookup);
}

/**
 * The one place a schedule state object is made, fresh or restored, with its fields in one order: the hot
 * paths then see one object shape whether the schedule was created live or decoded from a snapshot.
 */
function scheduleState(fields: StoredScheduleState, lookup: ScheduleLookup): ScheduleState {
  const { holds, holders } = fields;
  return {
    scheduleId: fields.scheduleId,
    concertId: fields.concertId,
    startsAtMs: fields.startsAtMs,
    seatCount: fields.seatCount,
    price: fields.price,
    ordinal: fields.ordinal,
    seats: fields.seats,
    availableCount: fields.availableCount,
    heldCount: fields.heldCount,
    bookedCount: fields.bookedCount,
    holds: {
      count: holds.count,
      reservationIds: holds.reservationIds,
      holder: holds.holder,
      status: holds.status,
      seatNumbers: holds.seatNumbers,
      heldAtMs: holds.heldAtMs,
      expiresAtMs: holds.expiresAtMs,
      amount: holds.amount,
      paymentIds: holds.paymentIds,
      paidAtMs: holds.paidAtMs,
    },
    holders: { userIds: holders.userIds, seatCount: holders.seatCount },
    lookup,
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
  const alreadyHeld = seatsHeldBy(state, command.userId);
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
  const slot = slotOf(state, command.reservationId);
  if (
    slot === undefined ||
    state.holds.status[slot] !== RESERVATION_HELD ||
    ctx.nowMs < (state.holds.expiresAtMs[slot] as number)
  ) {
    return accept([]);
  }
  return accept([
    {
      type: "HoldExpired",
      scheduleId: state.scheduleId,
      reservationId: state.holds.reservationIds[slot] as string,
      atMs: ctx.nowMs,
    },
  ]);
}

function cancelHold(state: ScheduleState, command: CancelHold, ctx: DecideContext): Decision<ScheduleEvent> {
  const slot = slotOf(state, command.reservationId);
  if (slot === undefined) {
    return refuse(RESERVATION_NOT_FOUND);
  }
  if (holderAt(state, slot) !== command.userId) {
    return refuse(NOT_OWNER);
  }
  if (!isLiveHold(state, slot, ctx.nowMs)) {
    return refuse(
      rejection("RESERVATION_NOT_HELD", `the reservation is ${statusOfSlotAt(state, slot, ctx.nowMs)}`),
    );
  }
  return accept([
    {
      type: "HoldCancelled",
      scheduleId: state.scheduleId,
      reservationId: state.holds.reservationIds[slot] as string,
      atMs: ctx.nowMs,
    },
  ]);
}

// Reads of the tables, for the deciders (which must not allocate on the way to a hold) and for replies.

/** The slot of the reservation `reservationId`, or undefined when this schedule has none of that id. */
export function slotOf(state: ScheduleState, reservationId: string): number | undefined {
  const slot = findId(state.lookup.slotIndex, state.holds.reservationIds, reservationId);
  return slot === NOT_INDEXED ? undefined : slot;
}

/** The seats `userId` holds or owns in this schedule (HELD + BOOKED). */
export function seatsHeldBy(state: ScheduleState, userId: string): number {
  const holder = state.lookup.holderOf.get(userId);
  return holder === undefined ? 0 : (state.holders.seatCount[holder] as number);
}

/** The user who made the reservation in `slot`. */
export function holderAt(state: ScheduleState, slot: number): string {
  return state.holders.userIds[state.holds.holder[slot] as number] as string;
}

/** A hold past its expiry time is dead even before its ExpireHold message has been handled. */
export function isLiveHold(state: ScheduleState, slot: number, nowMs: number): boolean {
  return state.holds.status[slot] === RESERVATION_HELD && nowMs < (state.holds.expiresAtMs[slot] as number);
}

/** The status a client should see: a due hold reads as EXPIRED at once, whatever the timer's lag. */
export function statusAt(reservation: Reservation, nowMs: number): ReservationStatus {
  return reservation.status === "HELD" && nowMs >= reservation.expiresAtMs ? "EXPIRED" : reservation.status;
}

/** `statusAt` for the reservation in `slot`, without building its record. */
function statusOfSlotAt(state: ScheduleState, slot: number, nowMs: number): ReservationStatus {
  const status = state.holds.status[slot] as number;
  return status === RESERVATION_HELD && !isLiveHold(state, slot, nowMs) ? "EXPIRED" : statusName(status);
}

function statusName(status: number): ReservationStatus {
  const name = RESERVATION_STATUS_NAMES[status];
  assert(name !== undefined, `a reservation has the unknown status byte ${status}`);
  return name;
}

/** The seats of the reservation in `slot`, in the order they were held. */
function seatNumbersAt(holds: HoldTable, slot: number): number[] {
  const seatNumbers: number[] = [];
  forEachSeat(holds, slot, (seatNumber) => seatNumbers.push(seatNumber));
  return seatNumbers;
}

/** The reservation in `slot` as a record, as it stands (see `statusAt` for how a client sees it). */
export function reservationAt(state: ScheduleState, slot: number): Reservation {
  const { holds } = state;
  const status = statusName(holds.status[slot] as number);
  return {
    reservationId: holds.reservationIds[slot] as string,
    userId: holderAt(state, slot),
    concertId: state.concertId,
    scheduleId: state.scheduleId,
    seatNumbers: seatNumbersAt(holds, slot),
    amount: holds.amount[slot] as number,
    status,
    heldAtMs: holds.heldAtMs[slot] as number,
    expiresAtMs: holds.expiresAtMs[slot] as number,
    paymentId: holds.paymentIds[slot] ?? null,
    paidAtMs: status === "CONFIRMED" ? (holds.paidAtMs[slot] as number) : null,
  };
}

/** The reservation `reservationId` of this schedule as a record, or undefined. */
export function reservationOf(state: ScheduleState, reservationId: string): Reservation | undefined {
  const slot = slotOf(state, reservationId);
  return slot === undefined ? undefined : reservationAt(state, slot);
}

export function evolveSchedule(state: ScheduleState, event: ScheduleEvent): ScheduleState {
  switch (event.type) {
    case "SeatsHeld":
      holdInNewSlot(state, event);
      break;
    case "HoldExpired":
      releaseHold(state, heldSlot(state, event.reservationId), RESERVATION_EXPIRED);
      break;
    case "HoldCancelled":
      releaseHold(state, heldSlot(state, event.reservationId), RESERVATION_CANCELLED);
      break;
    case "ReservationConfirmed": {
      const slot = heldSlot(state, event.reservationId);
      const { holds } = state;
      const count = forEachSeat(holds, slot, (seatNumber) => {
        state.seats[seatNumber - 1] = SEAT_BOOKED;
      });
      state.heldCount -= count;
      state.bookedCount += count;
      holds.status[slot] = RESERVATION_CONFIRMED;
      holds.paymentIds[slot] = event.paymentId;
      holds.paidAtMs[slot] = event.atMs;
      break;
    }
  }
  assertSeatConservation(state);
  return state;
}

/** SeatsHeld: the reservation takes the next slot, and its holder's seat count grows. */
function holdInNewSlot(state: ScheduleState, event: SeatsHeld): void {
  const { seatNumbers } = event;
  const count = seatNumbers.length;
  assert(count >= 1 && count <= SEATS_PER_HOLD_MAX, `a hold of ${count} seats`);
  const holds = holdTableWithRoom(state);
  const slot = holds.count;
  const base = slot * SEATS_PER_HOLD_MAX;
  for (let i = 0; i < count; i += 1) {
    const seatNumber = seatNumbers[i] as number;
    assert(state.seats[seatNumber - 1] === SEAT_AVAILABLE, `seat ${seatNumber} held twice`);
    state.seats[seatNumber - 1] = SEAT_HELD;
    holds.seatNumbers[base + i] = seatNumber;
  }
  holds.reservationIds.push(event.reservationId);
  state.lookup.slotIndex = withId(state.lookup.slotIndex, holds.reservationIds, slot);
  const holder = holderOrNew(state, event.userId);
  const seatsOfHolder = (state.holders.seatCount[holder] as number) + count;
  assert(seatsOfHolder <= SEATS_PER_USER_PER_SCHEDULE_MAX, `${event.userId} holds ${seatsOfHolder} seats`);
  state.holders.seatCount[holder] = seatsOfHolder;
  holds.count = slot + 1;
  holds.holder[slot] = holder;
  holds.status[slot] = RESERVATION_HELD;
  holds.heldAtMs[slot] = event.atMs;
  holds.expiresAtMs[slot] = event.expiresAtMs;
  holds.amount[slot] = event.amount;
  holds.paymentIds.push(null);
  state.availableCount -= count;
  state.heldCount += count;
}

/** The hold table, grown first when every slot is taken. */
function holdTableWithRoom(state: ScheduleState): HoldTable {
  const { holds } = state;
  const capacity = holds.status.length;
  if (holds.count < capacity) {
    return holds;
  }
  const grownTo = grownCapacity(capacity, SCHEDULE_TABLE_SLOTS_INITIAL);
  holds.holder = grown(holds.holder, grownTo);
  holds.status = grown(holds.status, grownTo);
  holds.seatNumbers = grown(holds.seatNumbers, grownTo * SEATS_PER_HOLD_MAX);
  holds.heldAtMs = grown(holds.heldAtMs, grownTo);
  holds.expiresAtMs = grown(holds.expiresAtMs, grownTo);
  holds.amount = grown(holds.amount, grownTo);
  holds.paidAtMs = grown(holds.paidAtMs, grownTo);
  return holds;
}

/** The holder index of `userId`, added (and the table grown) on their first hold here. */
function holderOrNew(state: ScheduleState, userId: string): number {
  const { holderOf } = state.lookup;
  const known = holderOf.get(userId);
  if (known !== undefined) {
    return known;
  }
  const { holders } = state;
  const holder = holders.userIds.length;
  if (holder === holders.seatCount.length) {
    holders.seatCount = grown(
      holders.seatCount,
      grownCapacity(holders.seatCount.length, SCHEDULE_TABLE_SLOTS_INITIAL),
    );
  }
  holders.userIds.push(userId);
  holderOf.set(userId, holder);
  return holder;
}

function heldSlot(state: ScheduleState, reservationId: string): number {
  const slot = slotOf(state, reservationId);
  assert(slot !== undefined, `event for unknown reservation ${reservationId}`);
  const status = state.holds.status[slot] as number;
  assert(status === RESERVATION_HELD, `reservation ${reservationId} is ${statusName(status)}, not HELD`);
  return slot;
}

/** Calls `visit` with each seat of the reservation in `slot`; returns how many there are. */
function forEachSeat(holds: HoldTable, slot: number, visit: (seatNumber: number) => void): number {
  const base = slot * SEATS_PER_HOLD_MAX;
  let count = 0;
  while (count < SEATS_PER_HOLD_MAX && holds.seatNumbers[base + count] !== 0) {
    visit(holds.seatNumbers[base + count] as number);
    count += 1;
  }
  return count;
}

function releaseHold(
  state: ScheduleState,
  slot: number,
  status: typeof RESERVATION_EXPIRED | typeof RESERVATION_CANCELLED,
): void {
  const { holds } = state;
  const count = forEachSeat(holds, slot, (seatNumber) => {
    assert(state.seats[seatNumber - 1] === SEAT_HELD, `released seat ${seatNumber} was not held`);
    state.seats[seatNumber - 1] = SEAT_AVAILABLE;
  });
  state.heldCount -= count;
  state.availableCount += count;
  const holder = holds.holder[slot] as number;
  state.holders.seatCount[holder] = (state.holders.seatCount[holder] as number) - count;
  holds.status[slot] = status;
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
