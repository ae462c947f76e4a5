/**
 * scaling: hold-and-release throughput for schedules of 50, 5,000 and 100,000 seats, and with 1,
 * 100 and 1,000 schedules live. The cost of a hold must not grow with either.
 */
import { seededRandom } from "../../src/engine/seeded-random.ts";
import { formatNumber } from "../../support/format.ts";
import { BenchFailure } from "../measure.ts";
import type { EngineCase, Workload } from "../measure.ts";
import { CAPTURE_PLACEHOLDER } from "../pre-encode.ts";
import type { BenchRequest } from "../pre-encode.ts";
import {
  authHeaders,
  holdBody,
  holdProbe,
  PAYLOAD_SEED,
  RESERVATION_ID_PATTERN,
  RESERVATIONS_PATH,
  sizes,
} from "../requests.ts";
import { capture, generatorTarget, guarded, measureScenario, target } from "../scenario-kit.ts";
import type { Scenario } from "../scenario-kit.ts";
import { activeTokens, createConcert, field, stringField, userIds } from "../setup.ts";

const SCALING_SIZES = [50, 5_000, 100_000] as const;
const SCALING_CONCERTS = 10;
const SCALING_SCHEDULES_PER_CONCERT = 100;
/** A hold cut off by the end of a round (held, never released) frees its seat before that case runs again. */
const SCALING_HOLD_TTL_MS = 2_000;
/** Hold-and-release pairs pre-built per connection. */
const CHAIN_STEPS_PER_CLIENT = 200;

interface LiveSchedule {
  scheduleId: string;
  seats: number;
  /** Index into the per-concert token lists. */
  concert: number;
}

/**
 * Each connection holds a seat and releases it, over and over, so even a 50-seat schedule stays
 * free and every case measures the same work. Connection c only uses seats c+1, c+1+n, … and its
 * own users, so connections never collide (except on schedules with fewer seats than connections).
 * A release takes the reservation id of the hold before it on its connection (a chain step, which
 * wrk runs); a refused hold is not released.
 */
function holdReleaseWorkload(
  live: readonly LiveSchedule[],
  tokens: readonly string[][],
  connections: number,
  seed: number,
): Workload {
  // When every schedule has a seat per connection, collisions are impossible and a 409 is a bug.
  const collisions = Math.min(...live.map((schedule) => schedule.seats)) < connections;
  return {
    expected: { engine: collisions ? [200, 201, 409] : [200, 201], ceiling: [200, 201] },
    throughputOf: "held",
    requestsFor: ({ client }) => {
      const random = seededRandom(seed + client);
      const usersPerClient = Math.floor((tokens[0]?.length ?? 0) / connections);
      const requests: BenchRequest[] = [];
      for (let step = 0; step < CHAIN_STEPS_PER_CLIENT; step++) {
        const schedule = live[random.int(0, live.length - 1)] ?? live[0];
        if (schedule === undefined) {
          break;
        }
        const lanes = Math.max(1, Math.floor((schedule.seats - 1 - client) / connections) + 1);
        const seat =
          schedule.seats > client
            ? 1 + client + connections * random.int(0, lanes - 1)
            : 1 + (client % schedule.seats);
        const user = client + connections * (step % usersPerClient);
        const auth = authHeaders(tokens[schedule.concert]?.[user] ?? "");
        requests.push(
          {
            method: "POST",
            path: RESERVATIONS_PATH,
            headers: auth,
            body: holdBody(schedule.scheduleId, seat),
            capture: { status: 201, pattern: RESERVATION_ID_PATTERN },
            tally: { status: 201, name: "held" },
          },
          {
            method: "DELETE",
            path: `${RESERVATIONS_PATH}/${CAPTURE_PLACEHOLDER}`,
            headers: auth,
            usesCapture: true,
          },
        );
      }
      return requests;
    },
  };
}

export const scaling: Scenario = {
  name: "scaling",
  description:
    "hold-and-release throughput for schedules of 50, 5,000 and 100,000 seats, and 1, 100 and 1,000 schedules live",
  run: (options) =>
    guarded(scaling.name, scaling.description, async () => {
      const { scalingUsers, scalingSeats } = sizes(options);
      const users = Math.max(scalingUsers, options.connections * 4);
      const measured = await measureScenario(
        options,
        { HOLD_TTL_MS: String(SCALING_HOLD_TTL_MS) },
        async (engine, api) => {
          // Each case gets schedules of its own, so a hold cut off at the end of one case's round
          // never collides with the next case. Concert 0 has the three sizes; 1 has one schedule;
          // 2 has 100; 3.. have 1,000 between them.
          const concerts = [
            await createConcert(api, engine.adminToken, "bench scaling sizes", SCALING_SIZES),
          ];
          const manyCounts = [
            1,
            SCALING_SCHEDULES_PER_CONCERT,
            ...new Array<number>(SCALING_CONCERTS).fill(SCALING_SCHEDULES_PER_CONCERT),
          ];
          for (const [index, count] of manyCounts.entries()) {
            const seatCounts = new Array<number>(count).fill(scalingSeats);
            concerts.push(
              await createConcert(api, engine.adminToken, `bench scaling ${index + 1}`, seatCounts),
            );
          }
          const ids = userIds("scaler", users);
          const tokens: string[][] = [];
          for (const concert of concerts) {
            tokens.push(await activeTokens(api, concert.concertId, ids));
          }
          const liveOf = (concert: number, from = 0, to = Number.MAX_SAFE_INTEGER): LiveSchedule[] =>
            (concerts[concert]?.schedules ?? [])
              .slice(from, to)
              .map((schedule) => ({ scheduleId: schedule.scheduleId, seats: schedule.totalSeats, concert }));
          const thousand = concerts.slice(3).flatMap((_, index) => liveOf(index + 3));
          const cases: EngineCase[] = [
            ...SCALING_SIZES.map((seats, index) => ({
              name: `${formatNumber(seats)} seats`,
              live: liveOf(0, index, index + 1),
            })),
            { name: "1 schedule", live: liveOf(1) },
            { name: "100 schedules", live: liveOf(2) },
            { name: "1,000 schedules", live: thousand },
          ].map(({ name, live }, index) => ({
            name,
            workload: holdReleaseWorkload(live, tokens, options.connections, PAYLOAD_SEED + index * 1_000),
          }));

          // Check hold and release on the largest schedule; the ceilings repeat these replies.
          const largest = concerts[0]?.schedules[SCALING_SIZES.length - 1]?.scheduleId ?? "";
          const held = await capture(api, holdProbe(largest, SCALING_SIZES[2], tokens[0]?.[0] ?? "", 201));
          const reservationId = stringField(held.route.body, "reservationId", "POST /api/v1/reservations");
          const released = await capture(api, {
            method: "DELETE",
            pattern: "/api/v1/reservations/:reservationId",
            path: `${RESERVATIONS_PATH}/${reservationId}`,
            headers: authHeaders(tokens[0]?.[0] ?? ""),
            status: 200,
          });
          if (field(released.route.body, "status", "DELETE reservation") !== "CANCELLED") {
            throw new BenchFailure("a released hold is not CANCELLED");
          }
          const ceilingCase = cases[SCALING_SIZES.length - 1];
          if (ceilingCase === undefined) {
            throw new Error("no scaling case");
          }
          return { routes: [held, released], ceilingWorkload: ceilingCase.workload, cases };
        },
      );
      const held = (name: string): number =>
        measured.comparisons.find((comparison) => comparison.name === name)?.engine.throughput ?? Number.NaN;
      return {
        ...measured,
        figures: { users, seatsPerManySchedule: scalingSeats },
        targets: [
          target("holds/s, 100,000 seats vs 50 seats", held("100,000 seats") / held("50 seats"), ">=", 0.9),
          target(
            "holds/s, 1,000 schedules vs 1 schedule",
            held("1,000 schedules") / held("1 schedule"),
            ">=",
            0.9,
          ),
          generatorTarget(measured.comparisons),
        ],
      };
    }),
};
