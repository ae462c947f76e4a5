import type { Engine } from "../src/actors/engine.ts";
import type { Concert } from "../src/engine/catalog.ts";

/** The size and price of a benchmark's concert. */
export interface BenchConcertShape {
  readonly title: string;
  readonly schedules: number;
  readonly seatsPerSchedule: number;
  readonly priceWon: number;
}

/** Creates a concert on sale at once, its schedules a day apart; a refusal ends the benchmark. */
export async function createBenchConcert(engine: Engine, shape: BenchConcertShape): Promise<Concert> {
  const created = await engine.createConcert({
    title: shape.title,
    onSaleAtMs: null,
    schedules: Array.from({ length: shape.schedules }, (_, i) => ({
      startsAtMs: 1_900_000_000_000 + i * 86_400_000,
      seatCount: shape.seatsPerSchedule,
      price: shape.priceWon,
    })),
  });
  if (!created.ok) {
    throw new Error(`creating the concert failed: ${created.rejection.code} ${created.rejection.message}`);
  }
  return created.value;
}
