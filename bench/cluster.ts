/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-explicit-any --
   the set-up reads a few fields of answers it has checked for 2xx. */
/**
 * `npm run bench:cluster [-- --duration <s>] [--only scaling,tokens,forward]`
 *
 * - scaling: polls/s and holds/s through HAProxy with 1 and with 2 shards, and directly against one
 *   shard (the router's cost per request);
 * - tokens: token requests/s through HAProxy on 2 shards, routed by HAProxy's body rule vs sent to any
 *   shard, which forwards half of them to the owner;
 * - forward: sequential token requests, interleaved, to the owner directly, through HAProxy, and to
 *   a shard that forwards (mean and percentiles of each).
 *
 * Each load run is wrk, one thread, 50 connections, over a pre-built list of requests that must all
 * answer 2xx (a non-2xx fails the run: a fast 409 is not throughput). Around each run, the CPU time of
 * every shard (whole process and main thread), of HAProxy and of wrk is read from /proc, so each run
 * also gives each part's CPU µs per request: what `npm run scaling-model` projects from. A full run
 * keeps `bench/results/cluster-<time>.json` and `cluster-latest.json`; `--only` writes to
 * `bench/results/quick/`.
 */
import { spawnSync } from "node:child_process";
import http from "node:http";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startCluster, type Cluster } from "../src/cluster/cluster.ts";
import { shardOfKey } from "../src/cluster/ownership.ts";
import { parseCommandLine } from "../support/cli.ts";
import { tempDir } from "../support/temp-dir.ts";
import { machineInfo } from "./machine.ts";

const USAGE = `usage: npm run bench:cluster [-- --duration <s>] [--only scaling,tokens,forward]
  --duration <s>   seconds per load run (default 5)
  --only <parts>   run only these parts (default all; results then go to bench/results/quick/)`;
const PARTS = ["scaling", "tokens", "forward"] as const;
type Part = (typeof PARTS)[number];

const CONNECTIONS = 50;
const ADMIN = "bench-cluster-admin";
const SCHEDULES = 10;
const SEATS = 10_000;
const USERS_PER_SHARD = 1_000;
/** Holds expire this soon, so each run can hold the same seats again (as bench:profile does). */
const HOLD_TTL_MS = 500;
/** Distinct users per token run: more than wrk sends in a run, so every request issues a new token. */
const TOKEN_USERS = 100_000;
const FORWARD_SAMPLES = 1_000;
/** Clock ticks per second of /proc's CPU times (USER_HZ). */
const PROC_TICKS_PER_S = 100;
const RESULTS_DIR = new URL("./results/", import.meta.url).pathname;

const WRK_SCRIPT = `
local list = {}
local at = 0
bad = 0
function init(args)
  for line in io.lines(args[1]) do
    local method, path, token, body = line:match("^(%S+)\\t(%S+)\\t(%S*)\\t(.*)$")
    local headers = { ["content-type"] = "application/json" }
    if token ~= "" then headers["authorization"] = "Bearer " .. token end
    table.insert(list, wrk.format(method, path, headers, body ~= "" and body or nil))
  end
end
function request()
  at = at % #list + 1
  return list[at]
end
function response(status)
  if status >= 300 then bad = bad + 1 end
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function done(summary)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + thread:get("bad") end
  io.write(string.format("RESULT %d %d %d\\n", summary.requests, summary.duration, failed))
end
`;

/** CPU µs per request of each part of a run, from /proc. */
export interface CpuPerRequest {
  /** Every shard's main thread, summed. */
  readonly shardMain: number;
  /** Every shard's whole process (journal and libuv threads too), summed. */
  readonly shardProcess: number;
  readonly haproxy: number;
  readonly wrk: number;
  /**
   * Wall time every shard's journal commits took (app_journal_commit_duration_seconds), summed: the
   * inline writer commits on the main thread, so its fsync waits occupy the main thread without CPU.
   */
  readonly commitWall: number;
  /** CPU the rest of the machine (other work, not this run's processes) used meanwhile, in cores. */
  readonly otherCores: number;
}

export interface LoadRun {
  readonly name: string;
  readonly kind: "polls" | "holds" | "tokens";
  readonly shards: number;
  readonly via: "haproxy" | "direct" | "haproxy, forward";
  readonly requestsPerSecond: number;
  readonly cpuUsPerRequest: CpuPerRequest;
}

interface Latency {
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p99Us: number;
}

function cli() {
  const parsed = parseCommandLine({
    usage: USAGE,
    options: { duration: { type: "string" }, only: { type: "string" } },
  });
  const only = parsed.values.only?.split(",") ?? [...PARTS];
  for (const part of only) {
    if (!(PARTS as readonly string[]).includes(part)) {
      parsed.fail(`--only takes ${PARTS.join(", ")}, not ${part}`);
    }
  }
  return {
    durationS: parsed.integer("duration", { min: 1, max: 120, fallback: 5 }),
    parts: new Set(only as Part[]),
  };
}

const { durationS, parts } = cli();

async function call(url: string, method: string, body?: unknown, token?: string): Promise<any> {
  const response = await fetch(url, {
    method,
    headers: {
      "content-type": "application/json",
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer: unknown = await response.json();
  if (response.status >= 300) {
    throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(answer)}`);
  }
  return answer;
}

/** utime + stime, in µs, of a /proc stat line (fields 14 and 15, after the parenthesized name). */
function statCpuUs(stat: string, first = 11): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[first]) + Number(fields[first + 1])) / PROC_TICKS_PER_S) * 1e6;
}

interface CpuReading {
  shardMain: number;
  shardProcess: number;
  haproxy: number;
  commitWall: number;
  /** Busy CPU of the whole machine (/proc/stat: every state but idle and iowait). */
  machine: number;
}

function machineBusyUs(): number {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  // user nice system idle iowait irq softirq steal: idle (3) and iowait (4) are not busy.
  const busy = fields.slice(0, 8).reduce((sum, ticks, i) => (i === 3 || i === 4 ? sum : sum + ticks), 0);
  return (busy / PROC_TICKS_PER_S) * 1e6;
}

/** A GET over a connection of its own: a kept-alive one may have been closed by the shard during a run. */
function getFresh(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (incoming) => {
        let text = "";
        incoming.setEncoding("utf8");
        incoming.on("data", (chunk: string) => (text += chunk));
        incoming.on("end", () => resolve(text));
        incoming.on("error", reject);
      })
      .on("error", reject);
  });
}

/** µs the shards' journal commits took so far, from their /metrics. */
async function commitWallUs(cluster: Cluster): Promise<number> {
  let seconds = 0;
  for (const shard of cluster.shards) {
    const text = await getFresh(`${shard.url}/metrics`);
    seconds += Number(/^app_journal_commit_duration_seconds_sum(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? 0);
  }
  return seconds * 1e6;
}

async function readCpu(cluster: Cluster): Promise<CpuReading> {
  const commitWall = await commitWallUs(cluster);
  let shardMain = 0;
  let shardProcess = 0;
  for (const shard of cluster.shards) {
    const pid = shard.process.pid as number;
    shardMain += statCpuUs(readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8"));
    shardProcess += statCpuUs(readFileSync(`/proc/${pid}/stat`, "utf8"));
  }
  const haproxyPid = Number(readFileSync(cluster.haproxyPidFile, "utf8"));
  return {
    shardMain,
    shardProcess,
    haproxy: statCpuUs(readFileSync(`/proc/${haproxyPid}/stat`, "utf8")),
    commitWall,
    machine: machineBusyUs(),
  };
}

/**
 * Runs wrk over `lines` against `base`. wrk runs under a shell that prints its own /proc stat after
 * wrk exits: its cutime and cstime (fields 16 and 17) are then wrk's CPU time.
 */
async function wrk(cluster: Cluster, base: string, lines: string[], dir: string, name: string) {
  const list = join(dir, `${name}.tsv`);
  const script = join(dir, "list.lua");
  writeFileSync(list, `${lines.join("\n")}\n`);
  writeFileSync(script, WRK_SCRIPT);
  const args = [
    "-t1",
    `-c${CONNECTIONS}`,
    `-d${durationS}s`,
    "--timeout",
    "5s",
    "-s",
    script,
    base,
    "--",
    list,
  ];
  const before = await readCpu(cluster);
  const result = spawnSync("sh", ["-c", 'wrk "$@"; cat /proc/$$/stat', "sh", ...args], {
    encoding: "utf8",
    timeout: (durationS + 30) * 1000,
  });
  const after = await readCpu(cluster);
  const match = /RESULT (\d+) (\d+) (\d+)/.exec(result.stdout);
  const stat = result.stdout.trim().split("\n").at(-1) ?? "";
  if (match === null) {
    throw new Error(`wrk failed: ${result.stderr}${result.stdout}`);
  }
  const [requests, durationUs, failed] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const per = (us: number) => us / requests;
  const wrkUs = statCpuUs(stat, 13);
  const ours = after.shardProcess - before.shardProcess + (after.haproxy - before.haproxy) + wrkUs;
  return {
    requestsPerSecond: requests / (durationUs / 1e6),
    failed,
    cpuUsPerRequest: {
      shardMain: per(after.shardMain - before.shardMain),
      shardProcess: per(after.shardProcess - before.shardProcess),
      haproxy: per(after.haproxy - before.haproxy),
      wrk: per(wrkUs),
      commitWall: per(after.commitWall - before.commitWall),
      otherCores: Math.max(0, after.machine - before.machine - ours) / durationUs,
    },
  };
}

interface ShardSetUp {
  readonly concertId: string;
  readonly scheduleIds: string[];
  readonly tokens: string[];
}

/** One concert per shard (round robin places them), with tokens for `USERS_PER_SHARD` users each. */
async function setUp(cluster: Cluster, users = USERS_PER_SHARD): Promise<ShardSetUp[]> {
  const api = `${cluster.url}/api/v1`;
  const perShard: ShardSetUp[] = [];
  while (perShard.filter(Boolean).length < cluster.shards.length) {
    const concert = await call(
      `${api}/admin/concerts`,
      "POST",
      {
        title: "Bench",
        schedules: Array.from({ length: SCHEDULES }, (_, i) => ({
          startsAt: `2030-01-${String(i + 1).padStart(2, "0")}T10:00:00Z`,
          seatCount: SEATS,
          price: 1000,
        })),
      },
      ADMIN,
    );
    const shard = shardOfKey(concert.concertId as string) as number;
    if (perShard[shard] !== undefined) {
      continue;
    }
    const tokens: string[] = [];
    for (let u = 0; u < users; u += 1) {
      const issued = await call(`${api}/queue/tokens`, "POST", {
        userId: `b${shard}-${u}`,
        concertId: concert.concertId,
      });
      tokens.push(issued.token as string);
    }
    perShard[shard] = {
      concertId: concert.concertId as string,
      scheduleIds: (concert.schedules as { scheduleId: string }[]).map((s) => s.scheduleId),
      tokens,
    };
  }
  return perShard;
}

function pollLines(perShard: readonly ShardSetUp[]): string[] {
  return perShard.flatMap(({ tokens }) =>
    tokens.map((token) => `GET\t/api/v1/queue/tokens/current\t${token}\t`),
  );
}

/** Every user holds one seat in each schedule, four times: unique seats, within the per-user limit. */
function holdLines(perShard: readonly ShardSetUp[]): string[] {
  const lines: string[] = [];
  for (let k = 0; k < 4; k += 1) {
    for (let s = 0; s < SCHEDULES; s += 1) {
      for (let u = 0; u < USERS_PER_SHARD; u += 1) {
        for (const { scheduleIds, tokens } of perShard) {
          const seat = k * USERS_PER_SHARD + u + 1;
          lines.push(
            `POST\t/api/v1/reservations\t${tokens[u]}\t${JSON.stringify({ scheduleId: scheduleIds[s], seatNumbers: [seat] })}`,
          );
        }
      }
    }
  }
  return lines;
}

/**
 * A token request per distinct user, for the shards' concerts in a scrambled order (Knuth's
 * multiplicative hash), so that the order never lines up with HAProxy's round robin.
 */
function tokenLines(perShard: readonly ShardSetUp[], prefix: string): string[] {
  return Array.from({ length: TOKEN_USERS }, (_, i) => {
    const { concertId } = perShard[(Math.imul(i, 2654435761) >>> 16) % perShard.length] as ShardSetUp;
    return `POST\t/api/v1/queue/tokens\t\t${JSON.stringify({ userId: `${prefix}-${i}`, concertId })}`;
  });
}

async function withCluster<T>(
  shards: number,
  work: (cluster: Cluster, dir: string) => Promise<T>,
  routeTokenBody = true,
): Promise<T> {
  const dir = tempDir("bench-cluster");
  const cluster = await startCluster({
    shards,
    dataDir: dir,
    host: "127.0.0.1",
    port: await freePort(),
    output: "files",
    routeTokenBody,
    env: {
      ...process.env,
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: "warn",
      QUEUE_MAX_ACTIVE: "100000",
      HOLD_TTL_MS: String(HOLD_TTL_MS),
      SEED_DEMO: "false",
      DRAIN_DELAY_MS: "0",
    },
  });
  try {
    return await work(cluster, dir);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs: LoadRun[] = [];
const notes: string[] = [];
const fixed = (value: number) => value.toFixed(1).padStart(6);

async function load(
  cluster: Cluster,
  dir: string,
  run: Omit<LoadRun, "name" | "requestsPerSecond" | "cpuUsPerRequest">,
  base: string,
  lines: string[],
): Promise<void> {
  const name = `${run.kind}, ${run.shards} shard${run.shards === 1 ? "" : "s"}, ${run.via}`;
  const measured = await wrk(cluster, base, lines, dir, run.kind);
  if (measured.failed > 0) {
    throw new Error(`${name}: ${measured.failed} answers were not 2xx`);
  }
  const cpu = measured.cpuUsPerRequest;
  runs.push({ name, ...run, requestsPerSecond: measured.requestsPerSecond, cpuUsPerRequest: cpu });
  console.log(
    `${name.padEnd(32)} ${Math.round(measured.requestsPerSecond).toString().padStart(7)} /s   CPU µs/req: ` +
      `shard main ${fixed(cpu.shardMain)}, shard process ${fixed(cpu.shardProcess)}, ` +
      `haproxy ${fixed(cpu.haproxy)}, wrk ${fixed(cpu.wrk)}; journal commits ${fixed(cpu.commitWall)} µs/req; other work ${cpu.otherCores.toFixed(2)} cores`,
  );
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] as number;
}

function latencyOf(samples: number[]): Latency {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    meanUs: samples.reduce((sum, us) => sum + us, 0) / samples.length,
    p50Us: percentile(sorted, 50),
    p90Us: percentile(sorted, 90),
    p99Us: percentile(sorted, 99),
  };
}

const forwardLatency: Record<string, Latency> = {};
/** Taken before the first run: the load average then says how busy the machine was with other work. */
const machine = machineInfo("wal");

if (parts.has("scaling")) {
  for (const shards of [1, 2]) {
    await withCluster(shards, async (cluster, dir) => {
      const perShard = await setUp(cluster);
      const direct = cluster.shards[0]!.url;
      await load(cluster, dir, { kind: "polls", shards, via: "haproxy" }, cluster.url, pollLines(perShard));
      if (shards === 1) {
        await load(cluster, dir, { kind: "polls", shards, via: "direct" }, direct, pollLines(perShard));
      }
      await load(cluster, dir, { kind: "holds", shards, via: "haproxy" }, cluster.url, holdLines(perShard));
      if (shards === 1) {
        await load(cluster, dir, { kind: "holds", shards, via: "direct" }, direct, holdLines(perShard));
        await load(
          cluster,
          dir,
          { kind: "tokens", shards, via: "direct" },
          direct,
          tokenLines(perShard, "t1"),
        );
      }
    });
  }
}

if (parts.has("tokens")) {
  for (const routeTokenBody of [true, false]) {
    await withCluster(
      2,
      async (cluster, dir) => {
        const perShard = await setUp(cluster, 1);
        const via = routeTokenBody ? "haproxy" : "haproxy, forward";
        await load(cluster, dir, { kind: "tokens", shards: 2, via }, cluster.url, tokenLines(perShard, "t2"));
      },
      routeTokenBody,
    );
  }
}

if (parts.has("forward")) {
  await withCluster(2, async (cluster) => {
    const perShard = await setUp(cluster, 1);
    const concertId = perShard[0]!.concertId;
    const paths = [
      ["owner, direct", `${cluster.shards[0]!.url}/api/v1/queue/tokens`],
      ["through HAProxy (body rule)", `${cluster.url}/api/v1/queue/tokens`],
      ["other shard, forwarded", `${cluster.shards[1]!.url}/api/v1/queue/tokens`],
    ] as const;
    const samples = new Map(paths.map(([name]) => [name as string, [] as number[]]));
    // Interleaved, so that the machine's other work and the journal's growth weigh on each path alike.
    for (let i = 0; i < FORWARD_SAMPLES; i += 1) {
      for (const [p, [name, url]] of paths.entries()) {
        const started = process.hrtime.bigint();
        await call(url, "POST", { userId: `seq${p}-${i}`, concertId });
        samples.get(name)!.push(Number(process.hrtime.bigint() - started) / 1e3);
      }
    }
    for (const [name, measured] of samples) {
      const latency = latencyOf(measured);
      forwardLatency[name] = latency;
      notes.push(
        `token request, sequential, ${name.padEnd(28)} mean ${latency.meanUs.toFixed(0).padStart(5)} µs, ` +
          `p50 ${latency.p50Us.toFixed(0).padStart(5)}, p90 ${latency.p90Us.toFixed(0).padStart(5)}, ` +
          `p99 ${latency.p99Us.toFixed(0).padStart(6)}`,
      );
      console.log(notes.at(-1));
    }
  });
}

const full = parts.size === PARTS.length;
const stamp = new Date().toISOString().replace(/[:.]/g, "-");
const resultsDir = full ? RESULTS_DIR : join(RESULTS_DIR, "quick");
mkdirSync(resultsDir, { recursive: true });
const result = {
  machine,
  durationS,
  connections: CONNECTIONS,
  holdTtlMs: HOLD_TTL_MS,
  runs,
  forwardLatency,
};
const file = join(resultsDir, `cluster-${stamp}.json`);
writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
if (full) {
  writeFileSync(join(RESULTS_DIR, "cluster-latest.json"), `${JSON.stringify(result, null, 2)}\n`);
}
console.log(`\nkept ${file}`);
