/**
 * `npm run scaling-model [-- --results <file>] [--fans <n>] …` (see USAGE)
 *
 * How the cluster scales, from the CPU each part spends per request as `npm run bench:cluster`
 * measured it (bench/results/cluster-latest.json): a shard's process and main thread per poll, hold
 * and token request, HAProxy's per request, wrk's per request. Three parts:
 *
 * 1. the check: the model's throughput on this machine (every process shares its cores) against the
 *    measured 1-shard and 2-shard points;
 * 2. the projection: holds/s and polls/s for 16 and 64 shards, a core per shard, HAProxy's cores
 *    counted and the load generator left out;
 * 3. a 1,000,000-fan on-sale: the waiting room's polls at the interval it tells each fan, admissions
 *    at the QUEUE_ADMIT_* rate, holds and payments per admitted fan; the cores and machines it needs
 *    when its concerts spread over shards, and what caps a single hot concert, which lives on one
 *    shard's main thread.
 *
 * The model: a shard's main thread is one core at most, so a shard serves at most 1e6 / (main-thread
 * µs per request) requests/s; every process's CPU (shards, HAProxy, and here wrk) comes out of the
 * machine's cores; the throughput is the least of those bounds.
 */
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import {
  QUEUE_ADMIT_BATCH_DEFAULT,
  QUEUE_ADMIT_INTERVAL_MS_DEFAULT,
  QUEUE_MAX_ACTIVE_DEFAULT,
  QUEUE_POLL_AFTER_SECONDS_MAX,
  QUEUE_POLL_AFTER_SECONDS_MIN,
  QUEUE_POLL_AFTER_WAIT_FRACTION,
  QUEUE_POLLS_PER_IDLE_TTL_MIN,
  QUEUE_WAIT_IDLE_TTL_MS_DEFAULT,
} from "../src/engine/waiting-room/limits.ts";
import { parseCommandLine } from "../support/cli.ts";
import { formatNumber } from "../support/format.ts";
import type { CpuPerRequest, LoadRun } from "./cluster.ts";

const USAGE = `usage: npm run scaling-model [-- options]
  --results <file>           bench:cluster's results (default bench/results/cluster-latest.json)
  --fans <n>                 fans in the on-sale (default 1000000)
  --cores-per-machine <n>    cores of one machine of the projection (default 16)
  --utilisation <f>          share of a core planned to be busy at peak (default 0.7)
  --holds-per-fan <f>        holds per admitted fan (default 1.5)
  --payments-per-fan <f>     payments per admitted fan (default 1)
  --reads-per-fan <f>        seat-map and reservation reads per admitted fan (default 3)
  --active-s <s>             how long an admitted fan takes to hold and pay (default 120)
  --arrival-s <s>            the fans' token requests spread over this long (default 600)
  --admit-batch <n>          QUEUE_ADMIT_BATCH (default ${QUEUE_ADMIT_BATCH_DEFAULT})
  --admit-interval-ms <n>    QUEUE_ADMIT_INTERVAL_MS (default ${QUEUE_ADMIT_INTERVAL_MS_DEFAULT})
  --max-active <n>           QUEUE_MAX_ACTIVE (default ${QUEUE_MAX_ACTIVE_DEFAULT})
  --wait-idle-ttl-ms <n>     QUEUE_WAIT_IDLE_TTL_MS (default ${QUEUE_WAIT_IDLE_TTL_MS_DEFAULT})`;

const CORE_US_PER_S = 1e6;
/** The shard counts of the projection. */
const PROJECTED_SHARDS = [1, 2, 16, 64] as const;

interface Results {
  readonly machine: { cores: number; loadAverage1m: number };
  readonly durationS: number;
  readonly runs: readonly LoadRun[];
}

function options() {
  const cli = parseCommandLine({
    usage: USAGE,
    options: {
      results: { type: "string" },
      fans: { type: "string" },
      "cores-per-machine": { type: "string" },
      utilisation: { type: "string" },
      "holds-per-fan": { type: "string" },
      "payments-per-fan": { type: "string" },
      "reads-per-fan": { type: "string" },
      "active-s": { type: "string" },
      "arrival-s": { type: "string" },
      "admit-batch": { type: "string" },
      "admit-interval-ms": { type: "string" },
      "max-active": { type: "string" },
      "wait-idle-ttl-ms": { type: "string" },
    },
  });
  return {
    results: cli.values.results ?? new URL("./results/cluster-latest.json", import.meta.url).pathname,
    fans: cli.integer("fans", { min: 1, max: 1e9, fallback: 1_000_000 }),
    coresPerMachine: cli.integer("cores-per-machine", { min: 2, max: 1024, fallback: 16 }),
    utilisation: cli.number("utilisation", { min: 0.1, max: 1, fallback: 0.7 }),
    holdsPerFan: cli.number("holds-per-fan", { min: 0, max: 100, fallback: 1.5 }),
    paymentsPerFan: cli.number("payments-per-fan", { min: 0, max: 100, fallback: 1 }),
    readsPerFan: cli.number("reads-per-fan", { min: 0, max: 1000, fallback: 3 }),
    activeS: cli.number("active-s", { min: 1, max: 86_400, fallback: 120 }),
    arrivalS: cli.number("arrival-s", { min: 1, max: 86_400, fallback: 600 }),
    admitBatch: cli.integer("admit-batch", { min: 1, max: 10_000, fallback: QUEUE_ADMIT_BATCH_DEFAULT }),
    admitIntervalMs: cli.integer("admit-interval-ms", {
      min: 100,
      max: 60_000,
      fallback: QUEUE_ADMIT_INTERVAL_MS_DEFAULT,
    }),
    maxActive: cli.integer("max-active", { min: 1, max: 100_000, fallback: QUEUE_MAX_ACTIVE_DEFAULT }),
    waitIdleTtlMs: cli.integer("wait-idle-ttl-ms", {
      min: 3_000,
      max: 86_400_000,
      fallback: QUEUE_WAIT_IDLE_TTL_MS_DEFAULT,
    }),
  };
}

const opts = options();
const results = JSON.parse(readFileSync(opts.results, "utf8")) as Results;

function run(kind: LoadRun["kind"], shards: number, via: LoadRun["via"]): LoadRun {
  const found = results.runs.find((r) => r.kind === kind && r.shards === shards && r.via === via);
  if (found === undefined) {
    throw new Error(
      `${opts.results} has no run of ${kind}, ${shards} shard(s), ${via}: run npm run bench:cluster`,
    );
  }
  return found;
}

/** What one request of a kind costs, in CPU µs, as the model uses it. */
interface Cost {
  /** One shard's main thread: the serial part, one core at most. */
  readonly shardMain: number;
  /** The shard's whole process. */
  readonly shardProcess: number;
  readonly haproxy: number;
  readonly wrk: number;
  /** The journal commit's wall time on the main thread (the fsync wait), which uses no CPU. */
  readonly commitWall: number;
}

/** µs of a shard's main thread per request: its CPU and the commit's fsync wait, on that thread. */
const mainThreadUs = (cost: Cost) => cost.shardMain + cost.commitWall;

/**
 * A kind's cost: the shard's from the 1-shard direct run (no router in the way), HAProxy's and wrk's
 * from the 1-shard run through HAProxy. The 2-shard run is left for the check.
 */
function costOf(kind: "polls" | "holds"): Cost {
  const direct = run(kind, 1, "direct").cpuUsPerRequest;
  const routed = run(kind, 1, "haproxy").cpuUsPerRequest;
  return {
    shardMain: direct.shardMain,
    shardProcess: direct.shardProcess,
    haproxy: routed.haproxy,
    wrk: routed.wrk,
    commitWall: direct.commitWall,
  };
}

const costs = { polls: costOf("polls"), holds: costOf("holds") };
const tokenRun = run("tokens", 1, "direct").cpuUsPerRequest;
/** A token request's shard cost (journaled, like a hold); its HAProxy cost from the routed token run. */
const tokenCost: Cost = {
  shardMain: tokenRun.shardMain,
  shardProcess: tokenRun.shardProcess,
  haproxy: run("tokens", 2, "haproxy").cpuUsPerRequest.haproxy,
  wrk: tokenRun.wrk,
  commitWall: tokenRun.commitWall,
};

/**
 * Requests/s on `cores` cores shared by `shards` shards, HAProxy (or not) and, with `wrk`, the load
 * generator. Each shard's main thread is one core at most, and holds it for its CPU and its fsync waits.
 */
function throughput(cost: Cost, shards: number, cores: number, router: boolean, wrk: boolean) {
  const cpuPerRequest = cost.shardProcess + (router ? cost.haproxy : 0) + (wrk ? cost.wrk : 0);
  const bounds = {
    cores: (cores * CORE_US_PER_S) / cpuPerRequest,
    "shard main threads": (shards * CORE_US_PER_S) / mainThreadUs(cost),
    ...(wrk ? { "wrk (one thread)": CORE_US_PER_S / cost.wrk } : {}),
  };
  const [bound, value] = Object.entries(bounds).reduce((least, entry) =>
    entry[1] < least[1] ? entry : least,
  );
  return { value, bound };
}

const f0 = (value: number) => formatNumber(value);
const f1 = (value: number) => formatNumber(value, 1);
const pad = (cells: readonly string[], widths: readonly number[]) =>
  cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  ");

function table(header: readonly string[], rows: readonly (readonly string[])[]): void {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]!.length)));
  console.log(pad(header, widths));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) {
    console.log(pad(row, widths));
  }
  console.log();
}

const cpuCells = (cpu: CpuPerRequest | Cost) => [
  f1(cpu.shardMain),
  f1(cpu.commitWall),
  f1(cpu.shardProcess),
  f1(cpu.haproxy),
  f1(cpu.wrk),
];

console.log(
  `Measured by npm run bench:cluster (${opts.results}): ${results.machine.cores} cores, ` +
    `${results.durationS} s per run, load average ${results.machine.loadAverage1m} at the start.\n`,
);
console.log("CPU µs per request, as measured (from /proc; shard figures summed over the shards)\n");
table(
  ["run", "req/s", "shard main", "commit wait", "shard process", "haproxy", "wrk", "cores busy"],
  results.runs.map((r) => {
    const c = r.cpuUsPerRequest;
    const busy = (r.requestsPerSecond * (c.shardProcess + c.haproxy + c.wrk)) / CORE_US_PER_S;
    return [r.name, f0(r.requestsPerSecond), ...cpuCells(c), formatNumber(busy, 2)];
  }),
);

// 1. The check, on this machine.
const machineCores = results.machine.cores;
console.log(
  `1. Check: the model on this ${machineCores}-core machine (shards, HAProxy and wrk share the cores), ` +
    "against every measured point: with the 1-shard costs, and with the costs measured in that run " +
    "(the 2-core contention raises them); the cores are those the machine's other work left\n",
);
table(
  [
    "run",
    "measured /s",
    "cores left by other work",
    "model, 1-shard costs",
    "/ measured",
    "model, the run's own costs",
    "/ measured",
    "bound by",
  ],
  (["polls", "holds"] as const).flatMap((kind) =>
    results.runs
      .filter((r) => r.kind === kind)
      .map((r) => {
        const cores = machineCores - r.cpuUsPerRequest.otherCores;
        const router = r.via !== "direct";
        const fromOneShard = throughput(costs[kind], r.shards, cores, router, true);
        const own = throughput(r.cpuUsPerRequest, r.shards, cores, router, true);
        return [
          r.name,
          f0(r.requestsPerSecond),
          formatNumber(cores, 2),
          f0(fromOneShard.value),
          formatNumber(fromOneShard.value / r.requestsPerSecond, 2),
          f0(own.value),
          formatNumber(own.value / r.requestsPerSecond, 2),
          own.bound,
        ];
      }),
  ),
);

// 2. The projection: a core per shard, HAProxy on cores of its own, no load generator.
console.log(
  "2. Projection: a core per shard (its whole process), HAProxy's cores counted, the load generator left out; " +
    `machines of ${opts.coresPerMachine} cores at ${opts.utilisation * 100} % planned use\n`,
);
table(
  [
    "shards",
    "holds/s",
    "polls/s",
    "HAProxy cores (holds)",
    "HAProxy cores (polls)",
    "cores in all (polls)",
    "machines (polls)",
  ],
  PROJECTED_SHARDS.map((shards) => {
    const perShard = (cost: Cost) =>
      Math.min(CORE_US_PER_S / cost.shardProcess, CORE_US_PER_S / mainThreadUs(cost));
    const holds = shards * perShard(costs.holds);
    const polls = shards * perShard(costs.polls);
    const haproxyHolds = (holds * costs.holds.haproxy) / CORE_US_PER_S;
    const haproxyPolls = (polls * costs.polls.haproxy) / CORE_US_PER_S;
    const cores = shards + haproxyPolls;
    return [
      String(shards),
      f0(holds),
      f0(polls),
      f1(haproxyHolds),
      f1(haproxyPolls),
      f1(cores),
      String(Math.ceil(cores / (opts.coresPerMachine * opts.utilisation))),
    ];
  }),
);

// 3. The on-sale.
const ceilingS = Math.min(
  QUEUE_POLL_AFTER_SECONDS_MAX,
  Math.max(
    QUEUE_POLL_AFTER_SECONDS_MIN,
    Math.floor(opts.waitIdleTtlMs / 1000 / QUEUE_POLLS_PER_IDLE_TTL_MIN),
  ),
);
const batchRate = (opts.admitBatch * 1000) / opts.admitIntervalMs;
/** Admissions/s: the batch rate, unless the active cap (each fan active `activeS`) holds it lower. */
const admitRate = Math.min(batchRate, opts.maxActive / opts.activeS);

/** Polls/s of `waiting` fans in line, each polling at the interval the room tells it (views.ts). */
function pollsPerSecond(waiting: number, rate: number, ceiling: number): number {
  let sum = 0;
  for (let position = 1; position <= waiting; position += 1) {
    const after = Math.ceil((position / rate) * QUEUE_POLL_AFTER_WAIT_FRACTION);
    sum += 1 / Math.min(ceiling, Math.max(QUEUE_POLL_AFTER_SECONDS_MIN, after));
  }
  return sum;
}

const polls = pollsPerSecond(opts.fans, admitRate, ceilingS);
const tokens = opts.fans / opts.arrivalS;
const holds = admitRate * opts.holdsPerFan;
const payments = admitRate * opts.paymentsPerFan;
const reads = admitRate * opts.readsPerFan;
/** Payments and reads are not measured: a payment is priced as a hold (one journaled command), a read as a poll. */
const demand: readonly (readonly [string, number, Cost])[] = [
  ["waiting-room polls", polls, costs.polls],
  ["token requests", tokens, tokenCost],
  ["holds", holds, costs.holds],
  ["payments (priced as holds)", payments, costs.holds],
  ["reads (priced as polls)", reads, costs.polls],
];
const mainUs = (field: keyof Cost) => demand.reduce((sum, [, rate, cost]) => sum + rate * cost[field], 0);
const shardMainCores = (mainUs("shardMain") + mainUs("commitWall")) / CORE_US_PER_S;
const shardProcessCores = mainUs("shardProcess") / CORE_US_PER_S;
const haproxyCores = mainUs("haproxy") / CORE_US_PER_S;

console.log(
  `3. On-sale of ${f0(opts.fans)} fans, all in line at once: QUEUE_ADMIT_BATCH ${opts.admitBatch} per ` +
    `${opts.admitIntervalMs} ms (${f1(batchRate)}/s), QUEUE_MAX_ACTIVE ${opts.maxActive} with ${opts.activeS} s ` +
    `per admitted fan (${f1(opts.maxActive / opts.activeS)}/s), so ${f1(admitRate)} admissions/s; ` +
    `poll ceiling ${ceilingS} s; token requests over ${opts.arrivalS} s; per admitted fan ` +
    `${opts.holdsPerFan} holds, ${opts.paymentsPerFan} payments, ${opts.readsPerFan} reads\n`,
);
table(
  ["request", "per second", "shard main thread, cores", "HAProxy cores"],
  [
    ...demand.map(([name, rate, cost]) => [
      name,
      f0(rate),
      formatNumber((rate * mainThreadUs(cost)) / CORE_US_PER_S, 2),
      formatNumber((rate * cost.haproxy) / CORE_US_PER_S, 2),
    ]),
    [
      "all",
      f0(demand.reduce((sum, [, rate]) => sum + rate, 0)),
      formatNumber(shardMainCores, 2),
      formatNumber(haproxyCores, 2),
    ],
  ],
);
const spreadCores = shardProcessCores / opts.utilisation + haproxyCores / opts.utilisation;
console.log(
  `Spread over many concerts (shards): ${formatNumber(shardProcessCores, 1)} shard cores + ` +
    `${formatNumber(haproxyCores, 1)} HAProxy cores busy; at ${opts.utilisation * 100} % planned use, ` +
    `${formatNumber(spreadCores, 1)} cores: ${Math.ceil(spreadCores / opts.coresPerMachine)} machine(s) of ` +
    `${opts.coresPerMachine} cores.`,
);
console.log(
  `One hot concert: all of it is one shard's main thread, ${formatNumber(shardMainCores, 2)} cores of work ` +
    `for 1 core: ${shardMainCores <= opts.utilisation ? "inside" : "OUTSIDE"} its measured rate.`,
);

// What a single hot concert's shard can take.
const budgetUs = opts.utilisation * CORE_US_PER_S;
const perAdmittedUs =
  opts.holdsPerFan * mainThreadUs(costs.holds) +
  opts.paymentsPerFan * mainThreadUs(costs.holds) +
  opts.readsPerFan * mainThreadUs(costs.polls);
const pollsUs = polls * mainThreadUs(costs.polls);
const tokensUs = tokens * mainThreadUs(tokenCost);
console.log(
  `  its waiting-room polls alone take ${formatNumber(pollsUs / CORE_US_PER_S, 2)} cores: ` +
    `${f0(opts.fans)} fans polling at most every ${ceilingS} s make ${f0(polls)} polls/s, and admission ` +
    "control does not bound them (a faster admission rate shortens the intervals and adds polls);",
);
const ceilingForPolls = (opts.fans * mainThreadUs(costs.polls)) / Math.max(1, budgetUs / 2);
console.log(
  `  to keep polls within half the core, the poll ceiling would have to be ~${f0(ceilingForPolls)} s ` +
    `(QUEUE_POLL_AFTER_SECONDS_MAX is ${QUEUE_POLL_AFTER_SECONDS_MAX} s, and the ceiling is also at most ` +
    "QUEUE_WAIT_IDLE_TTL_MS / 3);",
);
console.log(
  `  its token requests take ${formatNumber(tokensUs / CORE_US_PER_S, 2)} cores over ${opts.arrivalS} s ` +
    `(a burst is capped at ${f0(CORE_US_PER_S / mainThreadUs(tokenCost))} tokens/s; the rest wait in the mailbox ` +
    "or get OVERLOADED);",
);
const admitMax = Math.max(0, budgetUs / 2 / perAdmittedUs);
console.log(
  `  each admitted fan costs ${f0(perAdmittedUs)} µs of it, so half the core admits at most ` +
    `${f0(admitMax)} fans/s (${f0(admitMax * opts.holdsPerFan)} holds/s): admission control keeps the shard ` +
    `inside its rate while QUEUE_ADMIT_BATCH / QUEUE_ADMIT_INTERVAL_MS and QUEUE_MAX_ACTIVE / ${opts.activeS} s ` +
    `stay below that (now ${f1(admitRate)}/s).`,
);
if (cpus().length !== machineCores) {
  console.log(`\n(the results were measured on ${machineCores} cores; this machine has ${cpus().length})`);
}
