/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-explicit-any --
   the set-up reads a few fields of answers it has checked for 2xx. */
/**
 * `npm run bench:cluster`: polls/s and holds/s through HAProxy with 1 and with 2 shards, the same
 * directly against one shard (the router's cost per request), and the cost of the internal forward of
 * a token request (to the owning shard directly, vs to another shard that forwards it). Each load run
 * is wrk, one thread, 50 connections, `DURATION_S` seconds, over a pre-built list of requests that
 * must all answer 2xx (a non-2xx fails the run: a fast 409 is not throughput).
 */
import { spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startCluster, type Cluster } from "../src/cluster/cluster.ts";
import { shardOfKey } from "../src/cluster/ownership.ts";
import { tempDir } from "../support/temp-dir.ts";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 5);
const CONNECTIONS = 50;
const ADMIN = "bench-cluster-admin";
const SCHEDULES = 10;
const SEATS = 10_000;
const USERS_PER_SHARD = 1_000;
const FORWARD_SAMPLES = 2_000;

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

interface Run {
  readonly requestsPerSecond: number;
  readonly failed: number;
}

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

function wrk(base: string, lines: string[], dir: string, name: string): Run {
  const list = join(dir, `${name}.tsv`);
  const script = join(dir, "list.lua");
  writeFileSync(list, `${lines.join("\n")}\n`);
  writeFileSync(script, WRK_SCRIPT);
  const result = spawnSync(
    "wrk",
    ["-t1", `-c${CONNECTIONS}`, `-d${DURATION_S}s`, "--timeout", "5s", "-s", script, base, "--", list],
    { encoding: "utf8", timeout: (DURATION_S + 30) * 1000 },
  );
  const match = /RESULT (\d+) (\d+) (\d+)/.exec(result.stdout);
  if (match === null) {
    throw new Error(`wrk failed: ${result.stderr}${result.stdout}`);
  }
  const [requests, durationUs, failed] = [Number(match[1]), Number(match[2]), Number(match[3])];
  return { requestsPerSecond: requests / (durationUs / 1e6), failed };
}

/** One concert per shard (round robin places them), with tokens for `USERS_PER_SHARD` users each. */
async function setUp(cluster: Cluster) {
  const api = `${cluster.url}/api/v1`;
  const perShard: { scheduleIds: string[]; tokens: string[] }[] = [];
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
    for (let u = 0; u < USERS_PER_SHARD; u += 1) {
      const issued = await call(`${api}/queue/tokens`, "POST", {
        userId: `b${shard}-${u}`,
        concertId: concert.concertId,
      });
      tokens.push(issued.token as string);
    }
    perShard[shard] = {
      scheduleIds: (concert.schedules as { scheduleId: string }[]).map((s) => s.scheduleId),
      tokens,
    };
  }
  return perShard;
}

function pollLines(perShard: { tokens: string[] }[]): string[] {
  return perShard.flatMap(({ tokens }) =>
    tokens.map((token) => `GET\t/api/v1/queue/tokens/current\t${token}\t`),
  );
}

/** Every user holds one seat in each schedule, four times: unique seats, within the per-user limit. */
function holdLines(perShard: { scheduleIds: string[]; tokens: string[] }[]): string[] {
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

async function meanLatencyUs(urls: () => string, body: (i: number) => unknown): Promise<number> {
  const started = process.hrtime.bigint();
  for (let i = 0; i < FORWARD_SAMPLES; i += 1) {
    await call(urls(), "POST", body(i));
  }
  return Number(process.hrtime.bigint() - started) / 1e3 / FORWARD_SAMPLES;
}

async function withCluster<T>(
  shards: number,
  work: (cluster: Cluster, dir: string) => Promise<T>,
): Promise<T> {
  const dir = tempDir("bench-cluster");
  const cluster = await startCluster({
    shards,
    dataDir: dir,
    host: "127.0.0.1",
    port: await freePort(),
    output: "files",
    env: {
      ...process.env,
      ADMIN_TOKEN: ADMIN,
      LOG_LEVEL: "warn",
      QUEUE_MAX_ACTIVE: "100000",
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

const rows: string[] = [];
const report = (what: string, run: Run) => {
  if (run.failed > 0) {
    throw new Error(`${what}: ${run.failed} answers were not 2xx`);
  }
  rows.push(`${what.padEnd(44)} ${Math.round(run.requestsPerSecond).toString().padStart(7)} /s`);
  console.log(rows.at(-1));
};

for (const shards of [1, 2]) {
  await withCluster(shards, async (cluster, dir) => {
    const perShard = await setUp(cluster);
    report(`polls, ${shards} shard(s), through HAProxy`, wrk(cluster.url, pollLines(perShard), dir, "polls"));
    if (shards === 1) {
      report("polls, 1 shard, direct", wrk(cluster.shards[0]!.url, pollLines(perShard), dir, "polls-direct"));
    }
    report(`holds, ${shards} shard(s), through HAProxy`, wrk(cluster.url, holdLines(perShard), dir, "holds"));
    if (shards === 2) {
      const api0 = `${cluster.shards[0]!.url}/api/v1/queue/tokens`;
      const api1 = `${cluster.shards[1]!.url}/api/v1/queue/tokens`;
      const concert0 = perShard[0]!.tokens[0]!.split(".")[0];
      const direct = await meanLatencyUs(
        () => api0,
        (i) => ({ userId: `direct-${i}`, concertId: concert0 }),
      );
      const forwarded = await meanLatencyUs(
        () => api1,
        (i) => ({ userId: `fwd-${i}`, concertId: concert0 }),
      );
      rows.push(
        `token issue, sequential: owner direct ${direct.toFixed(0)} µs, via forward ${forwarded.toFixed(0)} µs (+${(forwarded - direct).toFixed(0)} µs)`,
      );
      console.log(rows.at(-1));
    }
  });
}
await withCluster(1, async (cluster, dir) => {
  const perShard = await setUp(cluster);
  report("holds, 1 shard, direct", wrk(cluster.shards[0]!.url, holdLines(perShard), dir, "holds-direct"));
});
console.log(`\n${rows.join("\n")}`);
