import { evolveCatalog, initialCatalogState, type CatalogEvent, type CatalogState } from "./catalog.ts";
import { assert, InvariantViolation } from "./decider.ts";
import {
  evolveIdempotency,
  initialIdempotencyState,
  type IdempotencyKeyRecorded,
  type IdempotencyState,
} from "./idempotency.ts";
import type { KeyedResult } from "./receipts.ts";
import {
  evolveSchedule,
  initialScheduleState,
  type Reservation,
  type ScheduleEvent,
  type ScheduleState,
} from "./schedule.ts";
import {
  evolveWaitingRoom,
  initialWaitingRoomState,
  WAITING_ROOM_SETTINGS_DEFAULT,
  type WaitingRoomEvent,
  type WaitingRoomSettings,
  type WaitingRoomState,
} from "./waiting-room/index.ts";
import { evolveWallet, initialWalletState, type WalletEvent, type WalletState } from "./wallet.ts";

/**
 * Everything the engine knows, as plain data: it is what a snapshot holds and what replay rebuilds.
 * Each actor owns one part (a schedule, a shard of wallets); the indexes are derived from events.
 */
export interface EngineState {
  readonly catalog: CatalogState;
  readonly schedules: Map<string, ScheduleState>;
  readonly wallets: Map<string, WalletState>;
  readonly idempotency: IdempotencyState<KeyedResult>;
  /** Which schedule a reservation belongs to, so a payment by reservation id finds its actor. */
  readonly reservationSchedules: Map<string, string>;
  /** Each user's reservation ids, oldest first. */
  readonly userReservations: Map<string, string[]>;
  /** One waiting room per concert. */
  readonly waitingRooms: Map<string, WaitingRoomState>;
  /**
   * Waiting-room settings an operator set through the admin API. They outlast restarts and win over
   * the defaults from the environment, which apply to every setting not named here.
   */
  readonly waitingRoomOverrides: Map<string, Partial<WaitingRoomSettings>>;
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
  | IdempotencyKeyRecorded<KeyedResult>;

export function initialEngineState(): EngineState {
  return {
    catalog: initialCatalogState(),
    schedules: new Map(),
    wallets: new Map(),
    idempotency: initialIdempotencyState(),
    reservationSchedules: new Map(),
    userReservations: new Map(),
    waitingRooms: new Map(),
    waitingRoomOverrides: new Map(),
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
      return `wallet:${event.userId}`;
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

/** A reservation wherever it is, through the reservation index; undefined for an unknown id. */
export function findReservation(state: EngineState, reservationId: string): Reservation | undefined {
  const scheduleId = state.reservationSchedules.get(reservationId);
  return scheduleId === undefined
    ? undefined
    : state.schedules.get(scheduleId)?.reservations.get(reservationId);
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
        state.schedules.set(spec.scheduleId, initialScheduleState(event.concertId, spec));
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
      evolveSchedule(scheduleOf(state, event.scheduleId), event);
      state.reservationSchedules.set(event.reservationId, event.scheduleId);
      const mine = state.userReservations.get(event.userId);
      if (mine === undefined) {
        state.userReservations.set(event.userId, [event.reservationId]);
      } else {
        mine.push(event.reservationId);
      }
      break;
    }
    case "HoldExpired":
    case "HoldCancelled":
    case "ReservationConfirmed":
      evolveSchedule(scheduleOf(state, event.scheduleId), event);
      break;
    case "BalanceCharged":
    case "PaymentDebited":
      evolveWallet(walletOf(state, event.userId), event);
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
