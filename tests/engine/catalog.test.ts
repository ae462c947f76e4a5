import { describe, expect, it } from "vitest";
import {
  decideCatalog,
  evolveCatalog,
  initialCatalogState,
  type CatalogEvent,
  type CatalogState,
  type CreateConcert,
} from "../../src/engine/catalog.ts";
import { evolveEngine, initialEngineState } from "../../src/engine/engine-state.ts";
import {
  CONCERT_TITLE_LENGTH_MAX,
  SCHEDULES_PER_CONCERT_MAX,
  SEAT_PRICE_WON_MAX,
  SEAT_PRICE_WON_MIN,
  SEATS_PER_SCHEDULE_MAX,
} from "../../src/engine/limits.ts";
import { SEAT_AVAILABLE } from "../../src/engine/schedule.ts";
import { deciderSpec, fold, T0_MS, type Decider } from "./spec.ts";

const catalogDecider: Decider<CatalogState, CreateConcert, CatalogEvent> = {
  decide: decideCatalog,
  evolve: evolveCatalog,
  initialState: initialCatalogState,
};
const spec = deciderSpec(catalogDecider);

const STARTS_AT_MS = T0_MS + 7 * 24 * 60 * 60 * 1000;

type ScheduleInput = CreateConcert["schedules"][number];

function schedule(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return { startsAtMs: STARTS_AT_MS, seatCount: 50, price: 50_000, ...overrides };
}

function createConcert(overrides: Partial<Omit<CreateConcert, "type">> = {}): CreateConcert {
  return {
    type: "CreateConcert",
    title: "Demo Concert",
    onSaleAtMs: null,
    schedules: [schedule()],
    ...overrides,
  };
}

describe("creating a concert", () => {
  it("creates the concert with its schedules, ids coming from the context", () => {
    spec
      .given([])
      .when(
        createConcert({
          onSaleAtMs: T0_MS + 1_000,
          schedules: [schedule(), schedule({ startsAtMs: STARTS_AT_MS + 1, seatCount: 3, price: 7 })],
        }),
        { nowMs: T0_MS + 42 },
      )
      .then([
        {
          type: "ConcertCreated",
          concertId: "id-3",
          title: "Demo Concert",
          onSaleAtMs: T0_MS + 1_000,
          schedules: [
            { scheduleId: "id-1", startsAtMs: STARTS_AT_MS, seatCount: 50, price: 50_000 },
            { scheduleId: "id-2", startsAtMs: STARTS_AT_MS + 1, seatCount: 3, price: 7 },
          ],
          atMs: T0_MS + 42,
        },
      ]);
  });

  it("trims the title", () => {
    const outcome = spec.given([]).when(createConcert({ title: "  Spring Tour \n" }));
    expect(outcome.decision.ok && outcome.decision.events[0]?.title).toBe("Spring Tour");
  });

  it("lists concerts in creation order", () => {
    const first = createConcert({ title: "First" });
    const second = createConcert({ title: "Second" });
    const events: CatalogEvent[] = [];
    for (const [i, command] of [first, second].entries()) {
      const decision = decideCatalog(initialCatalogState(), command, {
        nowMs: T0_MS,
        newId: () => `${command.title}-${i}`,
      });
      expect(decision.ok).toBe(true);
      events.push(...(decision.ok ? decision.events : []));
    }
    const state = fold(catalogDecider, events);
    expect([...state.concerts.values()].map((concert) => concert.title)).toEqual(["First", "Second"]);
  });

  it("gives the engine one schedule state per schedule, every seat available", () => {
    const outcome = spec.given([]).when(createConcert({ schedules: [schedule({ seatCount: 3, price: 9 })] }));
    const events = outcome.decision.ok ? outcome.decision.events : [];
    const engine = fold({ evolve: evolveEngine, initialState: initialEngineState }, events);
    const created = engine.schedules.get("id-1");
    expect(created).toMatchObject({
      scheduleId: "id-1",
      concertId: "id-2",
      seatCount: 3,
      price: 9,
      availableCount: 3,
      heldCount: 0,
      bookedCount: 0,
    });
    expect([...(created?.seats ?? [])]).toEqual([SEAT_AVAILABLE, SEAT_AVAILABLE, SEAT_AVAILABLE]);
    expect(engine.catalog.concerts.get("id-2")?.title).toBe("Demo Concert");
  });
});

describe("a concert's title has 1 to 200 characters", () => {
  it.each([
    ["an empty title", ""],
    ["a title of spaces", "   "],
    ["a title one character too long", "x".repeat(CONCERT_TITLE_LENGTH_MAX + 1)],
  ])("refuses %s", (_name, title) => {
    spec.given([]).when(createConcert({ title })).thenRejects("VALIDATION_FAILED");
  });

  it("accepts a one-character and a 200-character title", () => {
    for (const title of ["x", "x".repeat(CONCERT_TITLE_LENGTH_MAX)]) {
      expect(spec.given([]).when(createConcert({ title })).decision.ok).toBe(true);
    }
  });
});

describe("a concert has 1 to 100 schedules", () => {
  it("refuses a concert without schedules", () => {
    spec
      .given([])
      .when(createConcert({ schedules: [] }))
      .thenRejects("VALIDATION_FAILED");
  });

  it("refuses 101 schedules", () => {
    const schedules = Array.from({ length: SCHEDULES_PER_CONCERT_MAX + 1 }, () => schedule());
    spec.given([]).when(createConcert({ schedules })).thenRejects("VALIDATION_FAILED");
  });

  it("accepts 100 schedules", () => {
    const schedules = Array.from({ length: SCHEDULES_PER_CONCERT_MAX }, () => schedule());
    const outcome = spec.given([]).when(createConcert({ schedules }));
    expect(outcome.decision.ok && outcome.decision.events[0]?.schedules.length).toBe(
      SCHEDULES_PER_CONCERT_MAX,
    );
  });
});

describe("a schedule has 1 to 100,000 seats at an integer price of 1 to 10,000,000 won", () => {
  it.each([
    ["no seats", { seatCount: 0 }],
    ["100,001 seats", { seatCount: SEATS_PER_SCHEDULE_MAX + 1 }],
    ["a fractional seat count", { seatCount: 1.5 }],
    ["a price of 0", { price: 0 }],
    ["a price over 10,000,000 won", { price: SEAT_PRICE_WON_MAX + 1 }],
    ["a fractional price", { price: 0.5 }],
    ["a start time that is not a number", { startsAtMs: Number.NaN }],
  ])("refuses a schedule with %s", (_name, overrides: Partial<ScheduleInput>) => {
    spec
      .given([])
      .when(createConcert({ schedules: [schedule(), schedule(overrides)] }))
      .thenRejects("VALIDATION_FAILED");
  });

  it("accepts the bounds: 1 and 100,000 seats, prices of 1 and 10,000,000 won", () => {
    const outcome = spec.given([]).when(
      createConcert({
        schedules: [
          schedule({ seatCount: 1, price: SEAT_PRICE_WON_MIN }),
          schedule({ seatCount: SEATS_PER_SCHEDULE_MAX, price: SEAT_PRICE_WON_MAX }),
        ],
      }),
    );
    expect(outcome.decision.ok).toBe(true);
  });
});
