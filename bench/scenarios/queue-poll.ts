/**
 * queue-poll: 10,000 fans in one concert's waiting room poll their place in line, each request
 * carrying one of their tokens in turn. The cap is small and admission slow, so almost every token
 * stays WAITING and nothing moves while timing: this is the cost of answering a poll.
 */
import { BenchFailure } from "../measure.ts";
import type { Workload } from "../measure.ts";
import { roundRobin, sizes } from "../requests.ts";
import { capture, generatorTarget, guarded, measureScenario, throughputTarget } from "../scenario-kit.ts";
import type { Scenario } from "../scenario-kit.ts";
import { bearer, createConcert, field, issueTokens, userIds } from "../setup.ts";

const POLL_PATH = "/api/v1/queue/tokens/current";
/** The first tokens fill the cap and are ACTIVE; every later one waits. */
const POLL_MAX_ACTIVE = 100;
/** Engine / bare Hono throughput. */
const POLL_RATIO_MIN = 0.85;
/**
 * The waiting room's longest admission interval and an idle limit far beyond any run: no admission
 * or abandonment changes a token between set-up and the end of timing (the cap is full anyway).
 */
const POLL_ENGINE_ENV: Readonly<Record<string, string>> = {
  QUEUE_MAX_ACTIVE: String(POLL_MAX_ACTIVE),
  QUEUE_ADMIT_BATCH: String(POLL_MAX_ACTIVE),
  QUEUE_ADMIT_INTERVAL_MS: "60000",
  QUEUE_WAIT_IDLE_TTL_MS: "3600000",
};

export const queuePoll: Scenario = {
  name: "queue-poll",
  description: "10,000 tokens in one waiting room poll GET /api/v1/queue/tokens/current in turn",
  run: (options) =>
    guarded(queuePoll.name, queuePoll.description, async () => {
      const count = sizes(options).pollTokens;
      let waiting = 0;
      const measured = await measureScenario(options, POLL_ENGINE_ENV, async (engine, api) => {
        const concert = await createConcert(api, engine.adminToken, "bench queue-poll", [1]);
        const issued = await issueTokens(api, concert.concertId, userIds("poller", count));
        waiting = issued.filter(({ status }) => status === "WAITING").length;
        if (waiting < count - POLL_MAX_ACTIVE) {
          throw new BenchFailure(
            `expected at least ${count - POLL_MAX_ACTIVE} of ${count} tokens WAITING, got ${waiting}`,
          );
        }
        const headers = issued.map(({ token }) => bearer(token));
        // The last token is the deepest in line: a WAITING reply, as almost every timed one is.
        const polled = await capture(api, {
          method: "GET",
          pattern: POLL_PATH,
          path: POLL_PATH,
          headers: headers[count - 1] ?? {},
          status: 200,
        });
        const status = field(polled.route.body, "status", `GET ${POLL_PATH}`);
        if (status !== "WAITING") {
          throw new BenchFailure(`GET ${POLL_PATH}: the last token is ${String(status)}, expected WAITING`);
        }
        const workload: Workload = {
          expected: { engine: [200], ceiling: [200] },
          throughputOf: "responses",
          requestsFor: (context) =>
            roundRobin(count, context, (index) => ({
              method: "GET",
              path: POLL_PATH,
              headers: headers[index],
            })),
        };
        return {
          routes: [polled],
          ceilingWorkload: workload,
          cases: [{ name: "queue-poll", workload }],
        };
      });
      return {
        ...measured,
        figures: { tokens: count, waiting, maxActive: POLL_MAX_ACTIVE },
        targets: [
          throughputTarget(measured.comparisons[0], POLL_RATIO_MIN),
          generatorTarget(measured.comparisons),
        ],
      };
    }),
};
