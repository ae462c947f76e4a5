import type { Engine } from "./actors/engine.ts";

export const DEMO_CONCERT_TITLE = "Demo Concert";
export const DEMO_SCHEDULE_COUNT = 3;
export const DEMO_SEATS_PER_SCHEDULE = 50;
export const DEMO_SEAT_PRICE_WON = 50_000;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Creates the demo concert on an empty journal, so a fresh `npm start` has something to book.
 * A journal that already has any concert is left alone, so restarts never seed twice.
 * Answers the new concert's id, or undefined when nothing was created.
 */
export async function seedDemoData(engine: Engine): Promise<string | undefined> {
  const existing = await engine.listConcerts();
  if (!existing.ok) {
    throw new Error(`cannot read the catalog: ${existing.rejection.message}`);
  }
  if (existing.value.length > 0) {
    return undefined;
  }
  const firstShowMs = Date.UTC(new Date().getUTCFullYear() + 1, 0, 15, 10, 0, 0);
  const created = await engine.createConcert({
    title: DEMO_CONCERT_TITLE,
    onSaleAtMs: null,
    schedules: Array.from({ length: DEMO_SCHEDULE_COUNT }, (_, i) => ({
      startsAtMs: firstShowMs + i * DAY_MS,
      seatCount: DEMO_SEATS_PER_SCHEDULE,
      price: DEMO_SEAT_PRICE_WON,
    })),
  });
  if (!created.ok) {
    throw new Error(`cannot create the demo concert: ${created.rejection.message}`);
  }
  return created.value.concertId;
}
