/**
 * full-flow: each virtual user charges, holds one seat and pays for it, chained with autocannon's
 * setupRequest/onResponse. A payment expires its token, so each booking uses a fresh user from a
 * pool of pre-made ACTIVE tokens.
 */

import { ROUNDS_PER_SIDE } from "../measure.ts";
import type { ClientContext, Workload } from "../measure.ts";
import {
  authHeaders,
  dynamic,
  holdBody,
  holdProbe,
  JSON_HEADERS,
  parked,
  PAYLOAD_SEED,
  RESERVATION_ID,
  RESERVATIONS_PATH,
  sizes,
} from "../requests.ts";
import { capture, generatorTarget, guarded, measureScenario, throughputTarget } from "../scenario-kit.ts";
import type { Scenario } from "../scenario-kit.ts";
import {
  activeTokens,
  createConcert,
  SEAT_PRICE_WON,
  shuffledSeats,
  stringField,
  userIds,
} from "../setup.ts";

const FLOW_SEATS = 100_000;

/** What one connection's chain remembers between its charge, hold and payment. */
interface FlowContext {
  booking?: number;
  reservationId?: string;
}

export const fullFlow: Scenario = {
  name: "full-flow",
  description: "each virtual user charges, holds one seat and pays for it (chained requests)",
  run: (options) =>
    guarded(fullFlow.name, fullFlow.description, async () => {
      const pool = sizes(options).flowPool;
      const measured = await measureScenario(options, {}, async (engine, api) => {
        const concert = await createConcert(api, engine.adminToken, "bench full-flow", [FLOW_SEATS]);
        const scheduleId = concert.schedules[0]?.scheduleId ?? "";
        const users = userIds("buyer", pool);
        const tokens = await activeTokens(api, concert.concertId, users);
        const seats = shuffledSeats(FLOW_SEATS, PAYLOAD_SEED);
        const chargePaths = users.map((userId) => `/api/v1/users/${userId}/balance/charge`);
        const chargeBody = JSON.stringify({ amount: SEAT_PRICE_WON });
        const headers = tokens.map(authHeaders);
        const holdBodies = users.map((_, index) => holdBody(scheduleId, seats[index] ?? 1));

        // Booking 0 is the endpoint check; the timed engine rounds use bookings 1, 2, … once each.
        const charged = await capture(api, {
          method: "POST",
          pattern: "/api/v1/users/:userId/balance/charge",
          path: chargePaths[0] ?? "",
          body: { amount: SEAT_PRICE_WON },
          headers: { ...JSON_HEADERS },
          status: 200,
        });
        const held = await capture(api, holdProbe(scheduleId, seats[0] ?? 1, tokens[0] ?? "", 201));
        const reservationId = stringField(held.route.body, "reservationId", "POST /api/v1/reservations");
        const paid = await capture(api, {
          method: "POST",
          pattern: "/api/v1/payments",
          path: "/api/v1/payments",
          body: { reservationId },
          headers: headers[0] ?? {},
          status: 201,
        });
        // A fast engine would use up a shared pool in its first round and leave the next with nothing.
        const engineRuns = ROUNDS_PER_SIDE + (options.warmupS > 0 ? 1 : 0);
        const sharePerRun = Math.floor((pool - 1) / engineRuns);
        let nextEngineBooking = 1;
        let engineShareEnd = 1;
        let nextCeilingBooking = 0;

        const workload: Workload = {
          expected: { engine: [200, 201], ceiling: [200, 201] },
          throughputOf: "responses",
          requestsFor: ({ side, client, tally, stop }: ClientContext) => {
            if (side === "engine" && client === 0) {
              engineShareEnd = Math.min(pool, nextEngineBooking + sharePerRun);
            }
            const take = (): number | undefined => {
              // The ceilings keep no state: they may answer the same booking again and again.
              if (side !== "engine") {
                return nextCeilingBooking++ % pool;
              }
              if (nextEngineBooking < engineShareEnd) {
                return nextEngineBooking++;
              }
              stop(`this round's ${sharePerRun} pre-made ACTIVE tokens used`);
              return undefined;
            };
            return [
              {
                setupRequest: (request, context: FlowContext) => {
                  context.booking = take();
                  if (context.booking === undefined) {
                    return parked(request);
                  }
                  return dynamic(
                    request,
                    "POST",
                    chargePaths[context.booking] ?? "",
                    JSON_HEADERS,
                    chargeBody,
                  );
                },
              },
              {
                setupRequest: (request, context: FlowContext) =>
                  context.booking === undefined
                    ? parked(request)
                    : dynamic(
                        request,
                        "POST",
                        RESERVATIONS_PATH,
                        headers[context.booking] ?? {},
                        holdBodies[context.booking],
                      ),
                onResponse: (status, body, context: FlowContext) => {
                  context.reservationId = status === 201 ? RESERVATION_ID.exec(body)?.[1] : undefined;
                },
              },
              {
                setupRequest: (request, context: FlowContext) =>
                  context.booking === undefined || context.reservationId === undefined
                    ? parked(request)
                    : dynamic(
                        request,
                        "POST",
                        "/api/v1/payments",
                        headers[context.booking] ?? {},
                        `{"reservationId":"${context.reservationId}"}`,
                      ),
                onResponse: (status) => {
                  if (status === 201) {
                    tally.booked = (tally.booked ?? 0) + 1;
                  }
                },
              },
            ];
          },
        };
        return {
          routes: [charged, held, paid],
          ceilingWorkload: workload,
          cases: [{ name: "full-flow", workload }],
        };
      });
      const comparison = measured.comparisons[0];
      return {
        ...measured,
        figures: {
          tokenPool: pool,
          bookingsPerS: comparison?.engine.ratesPerS.booked ?? 0,
          baselineBookingsPerS: comparison?.baseline.ratesPerS.booked ?? 0,
        },
        targets: [throughputTarget(comparison, "reported"), generatorTarget(measured.comparisons)],
      };
    }),
};
