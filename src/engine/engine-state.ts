import { evolveCatalog, initialCatalogState, type CatalogEvent, type CatalogState } from "./catalog.ts";
import { assert, InvariantViolation } from "./decider.ts";
import {
  evolveIdempotency,
  initialIdempotencyState,
  type IdempotencyKeyRecorded,
  type IdempotencyState,
} from "./idempotency.ts";
import {
  evolvePaymentSaga,
  initialPaymentSagaState,
  type PaymentSagaEvent,
  type PaymentSagaState,
} from "./payment-saga.ts";
import type { KeyedResult } from "./receipts.ts";
import {
  evolveSchedule,
  holderAt,
  initialScheduleState,
  reservationAt,
  restoreScheduleState,
  storedScheduleState,
  type Reservation,
  type ScheduleEvent,
  type ScheduleState,
  type SeatsHeld,
  type StoredScheduleState,
} from "./schedule.ts";
import { emptyIdIndex, findId, indexOfIds, NOT_INDEXED, withId } from "./id-index.ts";
import { grown, grownCapacity } from "./table-growth.ts";
import {
  evolveWaitingRoom,
  initialWaitingRoomState,
  WAITING_ROOM_SETTINGS_DEFAULT,
  type WaitingRoomEvent,
  type WaitingRoomSettings,
  type WaitingRoomState,
} from "./waiting-room/index.ts";
import {
  evolveWallet,
  initialWalletState,
  type FundsEvent,
  type WalletEvent,
  type WalletState,
} from "./wallet.ts";

/**
 * Everything the engine knows, as plain data: it is what a snapshot holds and what replay rebuilds.
 * Each actor owns one part (a schedule, a shard of wallets); the indexes are derived from events.
 */
export interface EngineState {
  readonly catalog: CatalogState;
  readonly schedules: Map<string, ScheduleState>;
  /** Schedule ids in the order the schedules were created: a schedule's ordinal is its place here. */
  readonly scheduleIds: string[];
  readonly wallets: Map<string, WalletState>;
  readonly idempotency: IdempotencyState<KeyedResult>;
  readonly reservations: ReservationIndex;
  readonly reservationLookup: ReservationLookup;
  /** One waiting room per concert. */
  readonly waitingRooms: Map<string, WaitingRoomState>;
  /**
   * Waiting-room settings an operator set through the admin API. They outlast restarts and win over
   * the defaults from the environment, which apply to every setting not named here.
   */
  readonly waitingRoomOverrides: Map<string, Partial<WaitingRoomSettings>>;
  /**
   * The cross-shard payments this shard coordinated (payment-saga.ts), one state for every schedule of
   * the shard. Empty on a single node and for payments whose wallet is local, which stay one entry.
   */
  readonly paymentSagas: PaymentSagaState;
}

/** The slots the reservation index starts with (see table-growth.ts for how it grows). */
const RESERVATION_INDEX_SLOTS_INITIAL = 1024;

/** No reservation: the end of a user's list. */
export const NO_RESERVATION = -1;

/**
 * Every reservation of every schedule, numbered in the order they were made (the journal's order), so a
 * payment or a read by reservation id finds the schedule and slot, and a user's reservations can be
 * listed across schedules. Typed arrays by number, grown together like a schedule's tables.
 */
export interface ReservationIndex {
  /** Reservations made so far; the next one gets this number. */
  count: number;
  /** By number: the ordinal of the reservation's schedule. */
  scheduleOrdinal: Int32Array;
  /** By number: the reservation's slot in its schedule's hold table. */
  slot: Int32Array;
}

/**
 * The indexes from ids into the reservation index, and each user's reservations as a list threaded
 * through it. All derived from the index and the schedules' tables: a snapshot leaves them out (they
 * repeat every id) and `restoreEngineState` rebuilds them.
 */
export interface ReservationLookup {
  /** By number: the reservation's id (the string its schedule's table holds). */
  readonly reservationIds: string[];
  /** Reservation id → number (see id-index.ts); use `numberOf`. */
  numberIndex: Int32Array;
  /** User id → the number of their newest reservation. */
  readonly newestOfUser: Map<string, number>;
  /** By number: the same user's reservation before it, or `NO_RESERVATION`. As long as the index's arrays. */
  previousOfUser: Int32Array;
}

/** An operator changed some of a waiting room's settings (the room's own event carries the result). */
export interface WaitingRoomSettingsOverridden {
  readonly type: "WaitingRoomSettingsOverridden";
  readonly concertId: string;
  readonly settings: Partial<WaitingRoomSettings>;
  readonly atMs: number;
}

export type EngineEvent =
  | CatalogEvent
  | ScheduleEvent
  | WalletEvent
  | WaitingRoomEvent
  | WaitingRoomSettingsOverridden
  | IdempotencyKeyRecorded<KeyedResult>
  | PaymentSagaEvent
  | FundsEvent;

export function initialEngineState(): EngineState {
  return engineState(
    {
      catalog: initialCatalogState(),
      scheduleIds: [],
      wallets: new Map(),
      idempotency: initialIdempotencyState(),
      reservations: {
        count: 0,
        scheduleOrdinal: new Int32Array(RESERVATION_INDEX_SLOTS_INITIAL),
        slot: new Int32Array(RESERVATION_INDEX_SLOTS_INITIAL),
      },
      waitingRooms: new Map(),
      waitingRoomOverrides: new Map(),
      paymentSagas: initialPaymentSagaState(),
    },
    new Map(),
    {
      reservationIds: [],
      numberIndex: emptyIdIndex(),
      newestOfUser: new Map(),
      previousOfUser: new Int32Array(RESERVATION_INDEX_SLOTS_INITIAL),
    },
  );
}

/**
 * The engine state as a snapshot stores it: without the lookups of the engine and of each schedule. They
 * are derived from the tables, and a decoded snapshot would hold a second copy of every id they hold.
 */
export interface StoredEngineState extends Omit<
  EngineState,
  "schedules" | "reservationLookup" | "paymentSagas"
> {
  readonly schedules: Map<string, StoredScheduleState>;
  /**
   * The sagas by payment id; their indexes are derived (`restoreEngineState` rebuilds them). Absent
   * from a snapshot written before cross-shard payments existed: a missing map means none.
   */
  readonly paymentSagas?: Pick<PaymentSagaState, "sagas">;
}

/** What a snapshot of `state` stores; it shares the state's tables, so encode it before the next turn. */
export function snapshotOf(state: EngineState): StoredEngineState {
  const schedules = new Map<string, StoredScheduleState>();
  for (const [scheduleId, schedule] of state.schedules) {
    schedules.set(scheduleId, storedScheduleState(schedule));
  }
  return {
    catalog: state.catalog,
    schedules,
    scheduleIds: state.scheduleIds,
    wallets: state.wallets,
    idempotency: state.idempotency,
    reservations: state.reservations,
    waitingRooms: state.waitingRooms,
    waitingRoomOverrides: state.waitingRoomOverrides,
    paymentSagas: { sagas: state.paymentSagas.sagas },
  };
}

/** The engine state a snapshot stored (`snapshotOf`), with every lookup rebuilt from the tables. */
export function restoreEngineState(stored: StoredEngineState): EngineState {
  const schedules = new Map<string, ScheduleState>();
  for (const [scheduleId, schedule] of stored.schedules) {
    schedules.set(scheduleId, restoreScheduleState(schedule));
  }
  const { reservations } = stored;
  const lookup: ReservationLookup = {
    reservationIds: [],
    numberIndex: emptyIdIndex(),
    newestOfUser: new Map(),
    previousOfUser: new Int32Array(reservations.slot.length),
  };
  const state = engineState(
    { ...stored, paymentSagas: restorePaymentSagas(stored.paymentSagas) },
    schedules,
    lookup,
  );
  for (let number = 0; number < reservations.count; number += 1) {
    const schedule = scheduleAt(state, reservations.scheduleOrdinal[number] as number);
    const slot = reservations.slot[number] as number;
    lookup.reservationIds.push(schedule.holds.reservationIds[slot] as string);
    listUnderUser(lookup, number, holderAt(schedule, slot));
  }
  // Indexed once every id is listed; the index comes out as live evolution built it.
  lookup.numberIndex = indexOfIds(lookup.reservationIds);
  return state;
}

/**
 * The sagas a snapshot stored, with the indexes evolution keeps rebuilt from them: the sagas in
 * flight by reservation, and the unsettled ones in the order they started (the map's order).
 */
function restorePaymentSagas(stored: StoredEngineState["paymentSagas"]): PaymentSagaState {
  const state = initialPaymentSagaState();
  for (const [paymentId, saga] of stored?.sagas ?? []) {
    state.sagas.set(paymentId, saga);
    if (saga.outcome === "PENDING") {
      state.inFlightByReservation.set(saga.reservationId, paymentId);
    }
    if (!saga.settled) {
      state.unsettled.add(paymentId);
    }
  }
  return state;
}

/** The one place an engine state object is made, fresh or restored, with its fields in one order. */
function engineState(
  fields: Omit<StoredEngineState, "schedules" | "paymentSagas"> & {
    readonly paymentSagas: PaymentSagaState;
  },
  schedules: Map<string, ScheduleState>,
  reservationLookup: ReservationLookup,
): EngineState {
  const { reservations } = fields;
  return {
    catalog: fields.catalog,
    schedules,
    scheduleIds: fields.scheduleIds,
    wallets: fields.wallets,
    idempotency: fields.idempotency,
    reservations: {
      count: reservations.count,
      scheduleOrdinal: reservations.scheduleOrdinal,
      slot: reservations.slot,
    },
    reservationLookup,
    waitingRooms: fields.waitingRooms,
    waitingRoomOverrides: fields.waitingRoomOverrides,
    paymentSagas: fields.paymentSagas,
  };
}

/** The journal's stream id of an event: the aggregate it belongs to. */
export function streamOf(event: EngineEvent): string {
  switch (event.type) {
    case "ConcertCreated":
      return `concert:${event.concertId}`;
    case "SeatsHeld":
    case "HoldExpired":
    case "HoldCancelled":
    case "ReservationConfirmed":
      return `schedule:${event.scheduleId}`;
    case "BalanceCharged":
    case "PaymentDebited":
    case "FundsReserved":
    case "FundsReserveRefused":
    case "FundsPosted":
    case "FundsVoided":
      return `wallet:${event.userId}`;
    case "PaymentStarted":
    case "PaymentCompleted":
    case "PaymentAborted":
    case "PaymentSettled":
      return `payment:${event.paymentId}`;
    case "IdempotencyKeyRecorded":
      return `idempotency:${event.userId}`;
    case "WaitingRoomConfigured":
    case "WaitingRoomSettingsOverridden":
    case "TokenIssued":
    case "QueueOpened":
    case "TokensAdmitted":
    case "TokenLeft":
    case "TokenUsed":
    case "TokensExpired":
    case "TokensAbandoned":
    case "TokensReclaimed":
      return `waiting-room:${event.concertId}`;
    default: {
      const unknown: never = event;
      throw new InvariantViolation(`an event of unknown type ${JSON.stringify(unknown)}`);
    }
  }
}

export function scheduleOf(state: EngineState, scheduleId: string): ScheduleState {
  const schedule = state.schedules.get(scheduleId);
  assert(schedule !== undefined, `event for unknown schedule ${scheduleId}`);
  return schedule;
}

/** The schedule with this ordinal (its place in `scheduleIds`). */
function scheduleAt(state: EngineState, ordinal: number): ScheduleState {
  const scheduleId = state.scheduleIds[ordinal];
  assert(scheduleId !== undefined, `no schedule has the ordinal ${ordinal}`);
  return scheduleOf(state, scheduleId);
}

/** The number of the reservation `reservationId`, or undefined for an unknown id. */
function numberOf(state: EngineState, reservationId: string): number | undefined {
  const { numberIndex, reservationIds } = state.reservationLookup;
  const number = findId(numberIndex, reservationIds, reservationId);
  return number === NOT_INDEXED ? undefined : number;
}

/** The schedule a reservation belongs to, through the reservation index; undefined for an unknown id. */
export function scheduleOfReservation(state: EngineState, reservationId: string): ScheduleState | undefined {
  const number = numberOf(state, reservationId);
  return number === undefined
    ? undefined
    : scheduleAt(state, state.reservations.scheduleOrdinal[number] as number);
}

/** A reservation wherever it is, through the reservation index; undefined for an unknown id. */
export function findReservation(state: EngineState, reservationId: string): Reservation | undefined {
  const number = numberOf(state, reservationId);
  return number === undefined ? undefined : reservationNumbered(state, number);
}

/** A user's reservations across every schedule, newest first. */
export function reservationsOfUser(state: EngineState, userId: string): Reservation[] {
  const { previousOfUser } = state.reservationLookup;
  const reservations: Reservation[] = [];
  let number = state.reservationLookup.newestOfUser.get(userId) ?? NO_RESERVATION;
  while (number !== NO_RESERVATION) {
    reservations.push(reservationNumbered(state, number));
    number = previousOfUser[number] as number;
  }
  return reservations;
}

function reservationNumbered(state: EngineState, number: number): Reservation {
  const schedule = scheduleAt(state, state.reservations.scheduleOrdinal[number] as number);
  return reservationAt(schedule, state.reservations.slot[number] as number);
}

/** SeatsHeld, for the index: the new reservation (the newest slot of `schedule`) gets the next number. */
function indexReservation(state: EngineState, schedule: ScheduleState, event: SeatsHeld): void {
  const { reservations, reservationLookup: lookup } = state;
  const number = reservations.count;
  const capacity = reservations.slot.length;
  if (number === capacity) {
    const grownTo = grownCapacity(capacity, RESERVATION_INDEX_SLOTS_INITIAL);
    reservations.scheduleOrdinal = grown(reservations.scheduleOrdinal, grownTo);
    reservations.slot = grown(reservations.slot, grownTo);
    lookup.previousOfUser = grown(lookup.previousOfUser, grownTo);
  }
  reservations.count = number + 1;
  reservations.scheduleOrdinal[number] = schedule.ordinal;
  reservations.slot[number] = schedule.holds.count - 1;
  lookup.reservationIds.push(event.reservationId);
  lookup.numberIndex = withId(lookup.numberIndex, lookup.reservationIds, number);
  listUnderUser(lookup, number, event.userId);
}

/** Puts reservation `number` at the head of its user's list. */
function listUnderUser(lookup: ReservationLookup, number: number, userId: string): void {
  lookup.previousOfUser[number] = lookup.newestOfUser.get(userId) ?? NO_RESERVATION;
  lookup.newestOfUser.set(userId, number);
}

/** The user's wallet, created empty on first use: every valid user id has a balance of 0 to start. */
export function walletOf(state: EngineState, userId: string): WalletState {
  let wallet = state.wallets.get(userId);
  if (wallet === undefined) {
    wallet = initialWalletState(userId);
    state.wallets.set(userId, wallet);
  }
  return wallet;
}

export function waitingRoomOf(state: EngineState, concertId: string): WaitingRoomState {
  const room = state.waitingRooms.get(concertId);
  assert(room !== undefined, `event for the waiting room of unknown concert ${concertId}`);
  return room;
}

/** Applies one event. Recovery is `events.reduce(evolveEngine, initialEngineState())`. */
export function evolveEngine(state: EngineState, event: EngineEvent): EngineState {
  switch (event.type) {
    case "ConcertCreated":
      evolveCatalog(state.catalog, event);
      for (const spec of event.schedules) {
        state.schedules.set(
          spec.scheduleId,
          initialScheduleState(event.concertId, spec, state.scheduleIds.length),
        );
        state.scheduleIds.push(spec.scheduleId);
      }
      // Its real settings follow in a WaitingRoomConfigured event of the same journal entry.
      state.waitingRooms.set(
        event.concertId,
        initialWaitingRoomState(event.concertId, {
          ...WAITING_ROOM_SETTINGS_DEFAULT,
          onSaleAtMs: event.onSaleAtMs,
        }),
      );
      break;
    case "SeatsHeld": {
      const schedule = scheduleOf(state, event.scheduleId);
      evolveSchedule(schedule, event);
      indexReservation(state, schedule, event);
      break;
    }
    case "HoldExpired":
    case "HoldCancelled":
    case "ReservationConfirmed":
      evolveSchedule(scheduleOf(state, event.scheduleId), event);
      break;
    case "BalanceCharged":
    case "PaymentDebited":
    case "FundsReserved":
    case "FundsReserveRefused":
    case "FundsPosted":
    case "FundsVoided":
      evolveWallet(walletOf(state, event.userId), event);
      break;
    case "PaymentStarted":
    case "PaymentCompleted":
    case "PaymentAborted":
    case "PaymentSettled":
      evolvePaymentSaga(state.paymentSagas, event);
      break;
    case "IdempotencyKeyRecorded":
      evolveIdempotency(state.idempotency, event);
      break;
    case "WaitingRoomSettingsOverridden":
      state.waitingRoomOverrides.set(event.concertId, {
        ...state.waitingRoomOverrides.get(event.concertId),
        ...event.settings,
      });
      break;
    case "WaitingRoomConfigured":
    case "TokenIssued":
    case "QueueOpened":
    case "TokensAdmitted":
    case "TokenLeft":
    case "TokenUsed":
    case "TokensExpired":
    case "TokensAbandoned":
    case "TokensReclaimed":
      evolveWaitingRoom(waitingRoomOf(state, event.concertId), event);
      break;
    default: {
      const unknown: never = event;
      throw new InvariantViolation(`an event of unknown type ${JSON.stringify(unknown)}`);
    }
  }
  return state;
}
