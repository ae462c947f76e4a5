/** hold-contended: 10,000 users with ACTIVE tokens fight over 50 seats; almost every answer is a 409. */
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
import type { Scenario } from "../scenario-kit.ts";
import { activeTokens, createConcert, seededRandom, userIds } from "../setup.ts";

const CONTENDED_SEATS = 50;

export const holdContended: Scenario = {
  name: "hold-contended",
  description: "10,000 ACTIVE users fight over 50 seats: the cost of saying no",
  run: (options) =>
    guarded(holdContended.name, holdContended.description, async () => {
      const users = sizes(options).contendedUsers;
      const measured = await measureScenario(options, {}, async (engine, api) => {
        const concert = await createConcert(api, engine.adminToken, "bench hold-contended", [
          CONTENDED_SEATS,
        ]);
        const scheduleId = concert.schedules[0]?.scheduleId ?? "";
        const tokens = await activeTokens(api, concert.concertId, userIds("fan", users));
        await capture(api, holdProbe(scheduleId, 1, tokens[0] ?? "", 201));
        const refused = await captureRefusedHold(api, scheduleId, 1, tokens[1] ?? "");
        const random = seededRandom(PAYLOAD_SEED);
        const headers = tokens.map(authHeaders);
        const bodies = tokens.map(() => holdBody(scheduleId, 1 + Math.floor(random() * CONTENDED_SEATS)));
        const workload: Workload = {
          expected: { engine: [201, 409], baseline: [409] },
          throughputOf: "responses",
          requestsFor: (context) =>
            roundRobin(users, context, (index) => ({
              method: "POST",
              path: RESERVATIONS_PATH,
              headers: headers[index],
              body: bodies[index],
            })),
        };
        return {
          routes: [refused],
          baselineWorkload: workload,
          cases: [{ name: "hold-contended", workload }],
        };
      });
      const comparison = measured.comparisons[0];
      const statuses = comparison?.engine.statuses ?? {};
      return {
        ...measured,
        figures: {
          users,
          seats: CONTENDED_SEATS,
          held201: statuses["201"] ?? 0,
          refused409: statuses["409"] ?? 0,
        },
        targets: [target("throughput vs baseline", comparison?.ratio.throughput ?? Number.NaN, ">=", 0.9)],
      };
    }),
};
