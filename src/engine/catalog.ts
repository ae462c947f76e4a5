import { accept, refuse, type DecideContext, type Decision } from "./decider.ts";
import {
  CONCERT_TITLE_LENGTH_MAX,
  SCHEDULES_PER_CONCERT_MAX,
  SEAT_PRICE_WON_MAX,
  SEAT_PRICE_WON_MIN,
  SEATS_PER_SCHEDULE_MAX,
} from "./limits.ts";
import { rejection } from "./rejection.ts";

/** A performance date of a concert: its seats are numbered 1..seatCount, all at one price. */
export interface ScheduleSpec {
  readonly scheduleId: string;
  readonly startsAtMs: number;
  readonly seatCount: number;
  readonly price: number;
}

export interface Concert {
  readonly concertId: string;
  readonly title: string;
  readonly onSaleAtMs: number | null;
  readonly schedules: readonly ScheduleSpec[];
  /**
   * When it was created (its ConcertCreated's `atMs`): a cluster lists the concerts of all its shards
   * in creation order by this. Undefined for a concert recovered from a snapshot older than the field.
   */
  readonly createdAtMs?: number;
}

/** The list of concerts, in creation order. Seat state lives in each schedule, not here. */
export interface CatalogState {
  readonly concerts: Map<string, Concert>;
}

export interface CreateConcert {
  readonly type: "CreateConcert";
  readonly title: string;
  readonly onSaleAtMs: number | null;
  readonly schedules: readonly {
    readonly startsAtMs: number;
    readonly seatCount: number;
    readonly price: number;
  }[];
}

export interface ConcertCreated {
  readonly type: "ConcertCreated";
  readonly concertId: string;
  readonly title: string;
  readonly onSaleAtMs: number | null;
  readonly schedules: readonly ScheduleSpec[];
  readonly atMs: number;
}

export type CatalogEvent = ConcertCreated;

export function initialCatalogState(): CatalogState {
  return { concerts: new Map() };
}

function isWholeIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}

export function decideCatalog(
  _state: CatalogState,
  command: CreateConcert,
  ctx: DecideContext,
): Decision<CatalogEvent> {
  const title = command.title.trim();
  if (title.length === 0 || title.length > CONCERT_TITLE_LENGTH_MAX) {
    return refuse(rejection("VALIDATION_FAILED", `title must be 1..${CONCERT_TITLE_LENGTH_MAX} characters`));
  }
  if (command.schedules.length === 0 || command.schedules.length > SCHEDULES_PER_CONCERT_MAX) {
    return refuse(rejection("VALIDATION_FAILED", `a concert has 1..${SCHEDULES_PER_CONCERT_MAX} schedules`));
  }
  if (command.onSaleAtMs !== null && !Number.isSafeInteger(command.onSaleAtMs)) {
    return refuse(rejection("VALIDATION_FAILED", "onSaleAt must be a valid time"));
  }
  for (const schedule of command.schedules) {
    if (!isWholeIn(schedule.seatCount, 1, SEATS_PER_SCHEDULE_MAX)) {
      return refuse(
        rejection("VALIDATION_FAILED", `seatCount must be an integer 1..${SEATS_PER_SCHEDULE_MAX}`),
      );
    }
    if (!isWholeIn(schedule.price, SEAT_PRICE_WON_MIN, SEAT_PRICE_WON_MAX)) {
      return refuse(
        rejection(
          "VALIDATION_FAILED",
          `price must be an integer ${SEAT_PRICE_WON_MIN}..${SEAT_PRICE_WON_MAX}`,
        ),
      );
    }
    if (!Number.isSafeInteger(schedule.startsAtMs)) {
      return refuse(rejection("VALIDATION_FAILED", "startsAt must be a valid time"));
    }
  }
  const schedules = command.schedules.map((schedule) => ({ scheduleId: ctx.newId(), ...schedule }));
  return accept([
    {
      type: "ConcertCreated",
      concertId: ctx.newId(),
      title,
      onSaleAtMs: command.onSaleAtMs,
      schedules,
      atMs: ctx.nowMs,
    },
  ]);
}

export function evolveCatalog(state: CatalogState, event: CatalogEvent): CatalogState {
  state.concerts.set(event.concertId, {
    concertId: event.concertId,
    title: event.title,
    onSaleAtMs: event.onSaleAtMs,
    schedules: event.schedules,
    createdAtMs: event.atMs,
  });
  return state;
}
