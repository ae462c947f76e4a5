/**
 * The benchmark scenarios of issue 5, and issue 4's `queue-poll`, in the order `npm run bench` runs
 * them. Each one sets its data up through the public API, checks every endpoint it will time (a
 * fast 409 is not throughput), and measures the engine against its two ceilings, bare Hono on the
 * same stack and raw node:http, in the same run.
 */
import type { Scenario } from "./scenario-kit.ts";
import { browse } from "./scenarios/browse.ts";
import { fullFlow } from "./scenarios/full-flow.ts";
import { holdContended, holdHot } from "./scenarios/hold.ts";
import { latency } from "./scenarios/latency.ts";
import { queuePoll } from "./scenarios/queue-poll.ts";
import { scaling } from "./scenarios/scaling.ts";

export const SCENARIOS: readonly Scenario[] = [
  holdHot,
  holdContended,
  fullFlow,
  browse,
  scaling,
  latency,
  queuePoll,
];
