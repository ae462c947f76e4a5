import { decideCatalog, type CreateConcert } from "./catalog.ts";
import { accept, assert, type DecideContext, type Decision } from "./decider.ts";
import { waitingRoomOf, type EngineEvent, type EngineState } from "./engine-state.ts";
import {
  decideWaitingRoom,
  initialWaitingRoomState,
  WAITING_ROOM_SETTINGS_DEFAULT,
  type WaitingRoomSettings,
} from "./waiting-room/index.ts";

/** The settings every new waiting room starts with (from the environment); a concert adds its on-sale time. */
export type WaitingRoomDefaults = Omit<WaitingRoomSettings, "onSaleAtMs">;

/**
 * Creates a concert, its schedules and its waiting room with the defaults, as one decision: a concert
 * is never journaled without the settings of its waiting room.
 */
export function decideCreateConcert(
  state: EngineState,
  command: CreateConcert,
  defaults: WaitingRoomDefaults,
  ctx: DecideContext,
): Decision<EngineEvent> {
  const created = decideCatalog(state.catalog, command, ctx);
  if (!created.ok) {
    return created;
  }
  const [concert] = created.events;
  assert(concert !== undefined && created.events.length === 1, "a concert is created by one event");
  // The room as evolving ConcertCreated leaves it, configured with the defaults in the same entry.
  const fresh = initialWaitingRoomState(concert.concertId, {
    ...WAITING_ROOM_SETTINGS_DEFAULT,
    onSaleAtMs: concert.onSaleAtMs,
  });
  const configured = decideWaitingRoom(
    fresh,
    {
      type: "ConfigureWaitingRoom",
      concertId: concert.concertId,
      settings: { ...defaults, onSaleAtMs: concert.onSaleAtMs },
    },
    ctx,
  );
  assert(configured.ok, "the configured waiting-room defaults are valid");
  return accept([...created.events, ...configured.events]);
}

/**
 * An operator changes some of a room's settings. The change is also remembered as an override, so
 * it outlasts restarts and wins over the defaults of the environment.
 */
export function decideOverrideWaitingRoom(
  state: EngineState,
  concertId: string,
  settings: Partial<WaitingRoomSettings>,
  ctx: DecideContext,
): Decision<EngineEvent> {
  const configured = decideWaitingRoom(
    waitingRoomOf(state, concertId),
    { type: "ConfigureWaitingRoom", concertId, settings },
    ctx,
  );
  if (!configured.ok) {
    return configured;
  }
  return accept([
    ...configured.events,
    { type: "WaitingRoomSettingsOverridden", concertId, settings, atMs: ctx.nowMs },
  ]);
}

/**
 * At start-up, a room takes the environment's defaults for every setting an operator has not
 * overridden. No event when nothing changes.
 */
export function decideWaitingRoomDefaults(
  state: EngineState,
  concertId: string,
  defaults: WaitingRoomDefaults,
  ctx: DecideContext,
): Decision<EngineEvent> {
  const settings = { ...defaults, ...state.waitingRoomOverrides.get(concertId) };
  return decideWaitingRoom(
    waitingRoomOf(state, concertId),
    { type: "ConfigureWaitingRoom", concertId, settings },
    ctx,
  );
}
