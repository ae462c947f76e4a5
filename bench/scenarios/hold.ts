/**
 * The hold scenarios, one workload with two sets of parameters: ACTIVE users each send one-seat holds
 * on one schedule, over and over; the number of seats decides what the answer mostly is.
 *  - hold-hot: one schedule of 50,000 seats and 10,000 users; each request holds one random seat that
 *    is probably still free. Holds last one second, so seats keep coming free. The ceilings repeat
 *    the engine's 201.
 *  - hold-contended: 10,000 users fight over 50 seats; almost every answer is a 409, and the ceilings
 *    repeat that 409: the cost of saying no.
 */
import type { ApiClient } from "../http-client.ts";
import type { Workload } from "../measure.ts";
import {
  authHeaders,
  captureRefusedHold,
  holdBody,
  holdProbe,
  PAYLOAD_SEED,
  RESERVATIONS_PATH,
  roundRobin,
  sizes,
} from "../requests.ts";
import {
  capture,
  generatorTarget,
  guarded,
  measureScenario,
  target,
  throughputTarget,
} from "../scenario-kit.ts";
import type { BenchOptions, CapturedRoute, Measured, Prepared, Scenario } from "../scenario-kit.ts";
import { activeTokens, createConcert, shuffledSeats, userIds } from "../setup.ts";

export interface HoldParameters {
  readonly name: string;
  readonly description: string;
  /** Seats of the one schedule every request holds on. */
  readonly seats: number;
  /** The engine's HOLD_TTL_MS; its default when undefined. */
  readonly holdTtlMs?: number;
  readonly users: (options: BenchOptions) => number;
  /** Prefix of the scenario's user ids. */
  readonly userPrefix: string;
  /** The answer the scenario is about, which the ceilings repeat. */
  readonly ceilingStatus: 201 | 409;
  /** Throughput target, engine / bare Hono. */
  readonly targetRatio: number;
  /** Latency target of the closed loop (each connection sends as soon as it has its answer), p99 in ms. */
  readonly p99MsMax?: number;
}

export const HOLD_HOT: HoldParameters = {
  name: "hold-hot",
  description: "one schedule of 50,000 seats, ACTIVE users each holding one random, probably free seat",
  seats: 50_000,
  // Short holds keep the hot schedule mostly free and each user under the 4-seat limit.
  holdTtlMs: 1_000,
  users: (options) => sizes(options).hotUsers,
  userPrefix: "hot",
  ceilingStatus: 201,
  targetRatio: 0.7,
  p99MsMax: 10,
};

export const HOLD_CONTENDED: HoldParameters = {
  name: "hold-contended",
  description: "10,000 ACTIVE users fight over 50 seats: the cost of saying no",
  seats: 50,
  users: (options) => sizes(options).contendedUsers,
  userPrefix: "fan",
  ceilingStatus: 409,
  targetRatio: 0.8,
};

export interface HoldData {
  routes: CapturedRoute[];
  workload: Workload;
}

/**
 * Creates the schedule and the users, checks a hold and a refused hold, and builds the requests:
 * request i is user i and the i-th seat of a seeded shuffle (both wrapping around), so a large
 * schedule is walked seat by seat and every user of a small one asks for one of its few seats.
 */
export async function prepareHolds(
  parameters: HoldParameters,
  api: ApiClient,
  adminToken: string,
  users: number,
): Promise<HoldData> {
  const { seats: seatCount } = parameters;
  const concert = await createConcert(api, adminToken, `bench ${parameters.name}`, [seatCount]);
  const scheduleId = concert.schedules[0]?.scheduleId ?? "";
  const tokens = await activeTokens(api, concert.concertId, userIds(parameters.userPrefix, users));
  const seats = shuffledSeats(seatCount, PAYLOAD_SEED);
  const count = Math.max(seatCount, users);
  const headers = tokens.map(authHeaders);
  const bodies = Array.from({ length: count }, (_, index) =>
    holdBody(scheduleId, seats[index % seatCount] ?? 1),
  );
  // The probes use the seat the timed requests reach last, after it has long been released.
  const probeSeat = seats[(count - 1) % seatCount] ?? 1;
  const held = await capture(api, holdProbe(scheduleId, probeSeat, tokens[0] ?? "", 201));
  const refused = await captureRefusedHold(api, scheduleId, probeSeat, tokens[1] ?? "");
  return {
    routes: [parameters.ceilingStatus === 201 ? held : refused],
    workload: {
      expected: { engine: [201, 409], ceiling: [parameters.ceilingStatus] },
      throughputOf: "responses",
      requestsFor: (context) =>
        roundRobin(count, context, (index) => ({
          method: "POST",
          path: RESERVATIONS_PATH,
          headers: headers[index % headers.length],
          body: bodies[index],
        })),
    },
  };
}

/**
 * Runs a hold workload as one case named `caseName`, with an optional step on the engine before the
 * alternation (the latency scenario finds its open-loop rate there).
 */
export function measureHolds(
  parameters: HoldParameters,
  options: BenchOptions,
  caseName: string,
  before?: (holds: HoldData) => Prepared["before"],
): Promise<Measured> {
  const users = parameters.users(options);
  const env: Record<string, string> =
    parameters.holdTtlMs === undefined ? {} : { HOLD_TTL_MS: String(parameters.holdTtlMs) };
  return measureScenario(options, env, async (engine, api) => {
    const holds = await prepareHolds(parameters, api, engine.adminToken, users);
    return {
      routes: holds.routes,
      ceilingWorkload: holds.workload,
      cases: [{ name: caseName, workload: holds.workload }],
      before: before?.(holds),
    };
  });
}

function holdScenario(parameters: HoldParameters): Scenario {
  const { name, description } = parameters;
  return {
    name,
    description,
    run: (options) =>
      guarded(name, description, async () => {
        const measured = await measureHolds(parameters, options, name);
        const comparison = measured.comparisons[0];
        const statuses = comparison?.engine.statuses ?? {};
        return {
          ...measured,
          figures: {
            users: parameters.users(options),
            seats: parameters.seats,
            ...(parameters.holdTtlMs === undefined ? {} : { holdTtlMs: parameters.holdTtlMs }),
            held201: statuses["201"] ?? 0,
            refused409: statuses["409"] ?? 0,
          },
          targets: [
            throughputTarget(comparison, parameters.targetRatio),
            ...(parameters.p99MsMax === undefined
              ? []
              : [
                  target(
                    "closed-loop p99",
                    comparison?.engine.latencyMs.p99 ?? Number.NaN,
                    "<=",
                    parameters.p99MsMax,
                    " ms",
                  ),
                ]),
            generatorTarget(measured.comparisons),
          ],
        };
      }),
  };
}

export const holdHot = holdScenario(HOLD_HOT);
export const holdContended = holdScenario(HOLD_CONTENDED);
