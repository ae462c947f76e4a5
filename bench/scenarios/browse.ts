/** browse: the seat map of a 50-seat schedule and the concert's schedule list. */

import { BenchFailure } from "../measure.ts";
import type { Workload } from "../measure.ts";
import { capture, generatorTarget, guarded, measureScenario, throughputTarget } from "../scenario-kit.ts";
import type { Scenario } from "../scenario-kit.ts";
import { createConcert, field } from "../setup.ts";

const BROWSE_SEATS = 50;
/** Engine / bare Hono throughput. */
const BROWSE_RATIO_MIN = 0.85;

export const browse: Scenario = {
  name: "browse",
  description: "seat map of a 50-seat schedule and the concert's schedule list",
  run: (options) =>
    guarded(browse.name, browse.description, async () => {
      const measured = await measureScenario(options, {}, async (engine, api) => {
        const concert = await createConcert(api, engine.adminToken, "bench browse", [
          BROWSE_SEATS,
          BROWSE_SEATS,
          BROWSE_SEATS,
        ]);
        const scheduleId = concert.schedules[0]?.scheduleId ?? "";
        const seatsPath = `/api/v1/schedules/${scheduleId}/seats`;
        const schedulesPath = `/api/v1/concerts/${concert.concertId}/schedules`;
        const seatMap = await capture(api, {
          method: "GET",
          pattern: "/api/v1/schedules/:scheduleId/seats",
          path: seatsPath,
          status: 200,
        });
        const seatList = field(seatMap.route.body, "seats", `GET ${seatsPath}`);
        if (!Array.isArray(seatList) || seatList.length !== BROWSE_SEATS) {
          throw new BenchFailure(`GET ${seatsPath}: expected ${BROWSE_SEATS} seats`);
        }
        const schedules = await capture(api, {
          method: "GET",
          pattern: "/api/v1/concerts/:concertId/schedules",
          path: schedulesPath,
          status: 200,
        });
        const workload: Workload = {
          expected: { engine: [200], ceiling: [200] },
          throughputOf: "responses",
          requestsFor: () => [
            { method: "GET", path: seatsPath },
            { method: "GET", path: schedulesPath },
          ],
        };
        return {
          routes: [seatMap, schedules],
          ceilingWorkload: workload,
          cases: [{ name: "browse", workload }],
        };
      });
      return {
        ...measured,
        targets: [
          throughputTarget(measured.comparisons[0], BROWSE_RATIO_MIN),
          generatorTarget(measured.comparisons),
        ],
      };
    }),
};
