/**
 * hold-hot: one schedule of 50,000 seats and 10,000 users with ACTIVE tokens; each request holds
 * one random seat that is probably still free. Holds last one second, so seats keep coming free.
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
import { capture, guarded, measureScenario, target } from "../scenario-kit.ts";
import type { BenchOptions, CapturedRoute, Measured, Prepared, Scenario } from "../scenario-kit.ts";
import { activeTokens, createConcert, shuffledSeats, userIds } from "../setup.ts";

const HOT_SEATS = 50_000;
/** Short holds keep the hot schedule mostly free and each user under the 4-seat limit. */
export const HOT_HOLD_TTL_MS = 1_000;

export interface HotData {
  routes: CapturedRoute[];
  workload: Workload;
}

export async function prepareHot(api: ApiClient, adminToken: string, users: number): Promise<HotData> {
  const concert = await createConcert(api, adminToken, "bench hold-hot", [HOT_SEATS]);
  const scheduleId = concert.schedules[0]?.scheduleId ?? "";
  const tokens = await activeTokens(api, concert.concertId, userIds("hot", users));
  const seats = shuffledSeats(HOT_SEATS, PAYLOAD_SEED);
  const headers = tokens.map(authHeaders);
  const bodies = Array.from(seats, (seat) => holdBody(scheduleId, seat));
  // The probes use a seat the timed requests reach last, after it has long been released.
  const probeSeat = seats[HOT_SEATS - 1] ?? 1;
  const held = await capture(api, holdProbe(scheduleId, probeSeat, tokens[0] ?? "", 201));
  await captureRefusedHold(api, scheduleId, probeSeat, tokens[1] ?? "");
  return {
    routes: [held],
    workload: {
      expected: { engine: [201, 409], baseline: [201] },
      throughputOf: "responses",
      requestsFor: (context) =>
        roundRobin(bodies.length, context, (index) => ({
          method: "POST",
          path: RESERVATIONS_PATH,
          headers: headers[index % headers.length],
          body: bodies[index],
        })),
    },
  };
}

/**
 * Runs the hot-schedule workload as one case named `caseName`, with an optional step on the engine
 * before the alternation (the latency scenario finds its open-loop rate there).
 */
export function measureHot(
  options: BenchOptions,
  caseName: string,
  before?: (hot: HotData) => Prepared["before"],
): Promise<Measured> {
  const users = sizes(options).hotUsers;
  return measureScenario(options, { HOLD_TTL_MS: String(HOT_HOLD_TTL_MS) }, async (engine, api) => {
    const hot = await prepareHot(api, engine.adminToken, users);
    return {
      routes: hot.routes,
      baselineWorkload: hot.workload,
      cases: [{ name: caseName, workload: hot.workload }],
      before: before?.(hot),
    };
  });
}

export const holdHot: Scenario = {
  name: "hold-hot",
  description: "one schedule of 50,000 seats, ACTIVE users each holding one random, probably free seat",
  run: (options) =>
    guarded(holdHot.name, holdHot.description, async () => {
      const users = sizes(options).hotUsers;
      const measured = await measureHot(options, "hold-hot");
      const comparison = measured.comparisons[0];
      const statuses = comparison?.engine.statuses ?? {};
      return {
        ...measured,
        figures: {
          users,
          seats: HOT_SEATS,
          holdTtlMs: HOT_HOLD_TTL_MS,
          held201: statuses["201"] ?? 0,
          refused409: statuses["409"] ?? 0,
        },
        targets: [target("throughput vs baseline", comparison?.ratio.throughput ?? Number.NaN, ">=", 0.85)],
      };
    }),
};
