/**
 * The soak (`npm run soak`): the server as users run it, under sustained mixed load for a few minutes
 * (`--duration <seconds>`, default 180). Every second it samples the server's heap and RSS from
 * /metrics and the p99 latency of the requests answered in that second. At the end it compares the
 * last third of the run with the middle third: memory must level off once by-design retention is
 * accounted for, and p99 must not drift upward. It exits non-zero on a clear leak, a clear drift, or
 * any answer the load did not expect (a 5xx, a refused connection).
 *
 * Retention by design, which the analysis accounts for rather than calls a leak:
 * - idempotency keys are kept 24 hours (the contract), so every keyed write adds one during a soak;
 * - ledger lines and reservations are records: they are never reclaimed (reservations included,
 *   even expired and cancelled ones, for now);
 * - ended queue tokens are remembered for QUEUE_TOKEN_RETENTION_MS (as long as idempotency keys, so a
 *   retried payment still finds its user), then reclaimed.
 * What must not grow is anything else: per-request, per-connection or per-hold-timer state.
 */
import fs from "node:fs";
import path from "node:path";
import { IDEMPOTENCY_KEY_TTL_MS } from "../src/engine/limits.ts";
import { QUEUE_TOKEN_RETENTION_MS } from "../src/engine/waiting-room/index.ts";
import { seededRandom, type Random } from "../src/engine/seeded-random.ts";
import { parseCommandLine } from "../support/cli.ts";
import { formatBytes, formatNumber } from "../support/format.ts";
import { field, requestInit } from "../support/http.ts";
import { startServer, type ServerProcess } from "../support/server-process.ts";
import { median, percentile, sortedSamples } from "../support/stats.ts";
import { tempDir } from "../support/temp-dir.ts";

const DURATION_S_DEFAULT = 180;
const CONNECTIONS_DEFAULT = 32;
const ADMIN_TOKEN = "soak-admin-token";
const USERS = 2_000;
/** Short holds and tokens, so that expiry runs all the time. */
const HOLD_TTL_MS = 2_000;
const ACTIVE_TTL_MS = 5_000;
const BIG_SCHEDULE_SEATS = 30_000;
const SMALL_SCHEDULE_SEATS = 50;
const SEAT_PRICE_WON = 1_000;
const REQUEST_TIMEOUT_MS = 10_000;
/**
 * A leak is growth beyond what retention explains: more than this many bytes of heap per record
 * retained by design (a reservation, a ledger line, an idempotency key, a remembered token)...
 */
const LEAK_BYTES_PER_RECORD_MAX = 4_096;
/** ...and more than this much growth between the middle and the last third in absolute terms. */
const LEAK_GROWTH_BYTES_MIN = 16 * 1024 * 1024;
/**
 * RSS is mostly V8's heap as committed (which follows the sawtooth's peaks, not the live heap) and
 * external buffers. What is left over (SQLite's page cache, the writer thread, native code) must not
 * grow by more than this between the middle and the last third, or native memory is leaking.
 */
const NATIVE_GROWTH_BYTES_MAX = 64 * 1024 * 1024;
/** p99 drifts when the last third's median p99 is this many times the middle third's... */
const DRIFT_RATIO_MAX = 2;
/** ...and at least this much higher in absolute terms (a noisy shared machine jitters by a few ms). */
const DRIFT_MS_MIN = 10;

const USAGE = `usage: npm run soak [-- --duration <s>] [--connections <n>] [--seed <n>]
  --duration <s>      seconds of load, 15 to 3600 (default ${DURATION_S_DEFAULT})
  --connections <n>   requests in flight at once, 1 to 512 (default ${CONNECTIONS_DEFAULT})
  --seed <n>          re-run the seed a run printed (default: a fresh one)`;

const cli = parseCommandLine({
  usage: USAGE,
  options: {
    duration: { type: "string" },
    connections: { type: "string" },
    seed: { type: "string" },
  },
});
const durationS = cli.integer("duration", { min: 15, max: 3_600, fallback: DURATION_S_DEFAULT });
const connections = cli.integer("connections", { min: 1, max: 512, fallback: CONNECTIONS_DEFAULT });
const seed = cli.seed();

// ---------------------------------------------------------------------------------------------------
// Measurements.

interface Second {
  readonly t: number;
  latenciesMs: number[];
  requests: number;
  heapUsed?: number;
  heapTotal?: number;
  external?: number;
  rss?: number;
  /** Records retained by design so far (cumulative), when the second was sampled. */
  retained?: Retained;
}

interface Retained {
  reservations: number;
  ledgerLines: number;
  keys: number;
  tokens: number;
}

const retained: Retained = { reservations: 0, ledgerLines: 0, keys: 0, tokens: 0 };
const statuses = new Map<string, number>();
const unexpected: string[] = [];
const seconds: Second[] = [];
let current: Second = { t: 0, latenciesMs: [], requests: 0 };

// ---------------------------------------------------------------------------------------------------
// The load.

interface World {
  readonly concertId: string;
  readonly small: string;
  readonly big: readonly string[];
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

type Expected = readonly number[];

/** Sends one request, times it, and records an answer outside `expected` as unexpected. */
async function call(
  base: string,
  label: string,
  method: string,
  url: string,
  expected: Expected,
  options: { body?: unknown; token?: string; key?: string; raw?: string } = {},
): Promise<Answer | undefined> {
  const init = requestInit(method, {
    body: options.raw ?? options.body,
    token: options.token,
    idempotencyKey: options.key,
  });
  const startedMs = performance.now();
  try {
    const response = await fetch(base + url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const text = await response.text();
    current.latenciesMs.push(performance.now() - startedMs);
    current.requests += 1;
    const key = `${label} ${response.status}`;
    statuses.set(key, (statuses.get(key) ?? 0) + 1);
    if (!expected.includes(response.status)) {
      if (unexpected.length < 50) {
        unexpected.push(`${method} ${url} → ${response.status} ${text.slice(0, 200)}`);
      }
    }
    return { status: response.status, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
  } catch (error) {
    if (unexpected.length < 50) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : "";
      unexpected.push(`${method} ${url} → ${String(error)}${cause} at t=${current.t} s`);
    }
    return undefined;
  }
}

interface UserState {
  token?: string;
  held: string[];
  keys: number;
}

const users: UserState[] = Array.from({ length: USERS }, () => ({ held: [], keys: 0 }));

async function step(base: string, world: World, random: Random): Promise<void> {
  const index = random.int(0, USERS - 1);
  const userId = `soak${index}`;
  const user = users[index] as UserState;
  const nextKey = (): string => {
    user.keys += 1;
    return `${userId}-${user.keys}`;
  };
  const roll = random.next();
  if (user.token === undefined || roll < 0.08) {
    const answer = await call(base, "issue", "POST", "/api/v1/queue/tokens", [200, 201], {
      body: { userId, concertId: world.concertId },
    });
    user.token = field<string>(answer?.body, "token") ?? user.token;
    retained.tokens += answer?.status === 201 ? 1 : 0;
    return;
  }
  if (roll < 0.3) {
    const answer = await call(base, "poll", "GET", "/api/v1/queue/tokens/current", [200, 401], {
      token: user.token,
    });
    if (answer?.status === 401) {
      user.token = undefined;
    }
  } else if (roll < 0.4) {
    const answer = await call(base, "charge", "POST", `/api/v1/users/${userId}/balance/charge`, [200, 422], {
      body: { amount: random.int(1, 20) * SEAT_PRICE_WON },
      key: nextKey(),
    });
    retained.ledgerLines += answer?.status === 200 ? 1 : 0;
    retained.keys += answer?.status === 200 ? 1 : 0;
  } else if (roll < 0.62) {
    const scheduleId = random.chance(0.2) ? world.small : random.pick(world.big);
    const seatsMax = scheduleId === world.small ? SMALL_SCHEDULE_SEATS : BIG_SCHEDULE_SEATS;
    const answer = await call(base, "hold", "POST", "/api/v1/reservations", [201, 401, 403, 409], {
      body: { scheduleId, seatNumbers: [random.int(1, seatsMax)] },
      token: user.token,
      key: nextKey(),
    });
    if (answer?.status === 201) {
      retained.reservations += 1;
      retained.keys += 1;
      const reservationId = field<string>(answer.body, "reservationId");
      if (reservationId !== undefined) {
        user.held = [...user.held.slice(-3), reservationId];
      }
    } else if (answer?.status === 401) {
      user.token = undefined;
    }
  } else if (roll < 0.65 && user.held.length > 0) {
    const reservationId = random.pick(user.held);
    const answer = await call(base, "pay", "POST", "/api/v1/payments", [201, 401, 402, 403, 409, 410], {
      body: { reservationId },
      token: user.token,
      key: nextKey(),
    });
    user.held = user.held.filter((id) => id !== reservationId);
    if (answer?.status === 201) {
      retained.ledgerLines += 1;
      retained.keys += 1;
      user.token = undefined;
    }
  } else if (roll < 0.7 && user.held.length > 0) {
    const reservationId = random.pick(user.held);
    await call(base, "cancel", "DELETE", `/api/v1/reservations/${reservationId}`, [200, 401, 403, 409], {
      token: user.token,
    });
    user.held = user.held.filter((id) => id !== reservationId);
  } else if (roll < 0.74) {
    await call(base, "leave", "DELETE", "/api/v1/queue/tokens/current", [204, 401], { token: user.token });
    user.token = undefined;
  } else if (roll < 0.82) {
    await call(base, "seats", "GET", `/api/v1/schedules/${world.small}/seats`, [200]);
  } else if (roll < 0.9) {
    await call(base, "balance", "GET", `/api/v1/users/${userId}/balance`, [200]);
  } else if (roll < 0.95) {
    await call(base, "reservation", "GET", `/api/v1/users/${userId}/reservations`, [200]);
  } else {
    // Refusals are load too: malformed bodies and forged tokens cost something and must not pile up.
    if (random.chance(0.5)) {
      await call(base, "bad-body", "POST", `/api/v1/users/${userId}/balance/charge`, [400], {
        raw: '{"amount":',
      });
    } else {
      await call(base, "forged", "POST", "/api/v1/reservations", [401], {
        body: { scheduleId: world.small, seatNumbers: [1] },
        token: `${world.concertId}.0.forgedforgedforgedforged`,
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Sampling.

async function sample(server: ServerProcess, second: Second): Promise<void> {
  try {
    const text = await (
      await fetch(`${server.baseUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })
    ).text();
    const metric = (name: string): number | undefined => {
      const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, "m").exec(text);
      return match === null ? undefined : Number(match[1]);
    };
    second.heapUsed = metric("nodejs_heap_size_used_bytes");
    second.heapTotal = metric("nodejs_heap_size_total_bytes");
    second.external = metric("nodejs_external_memory_bytes");
    second.rss = metric("process_resident_memory_bytes");
    second.retained = { ...retained };
  } catch (error) {
    unexpected.push(`GET /metrics → ${String(error)}`);
  }
}

// ---------------------------------------------------------------------------------------------------
// The run.

async function setUp(base: string): Promise<World> {
  const answer = await call(base, "admin", "POST", "/api/v1/admin/concerts", [201], {
    token: ADMIN_TOKEN,
    body: {
      title: "Soak Festival",
      schedules: [SMALL_SCHEDULE_SEATS, BIG_SCHEDULE_SEATS, BIG_SCHEDULE_SEATS, BIG_SCHEDULE_SEATS].map(
        (seatCount, i) => ({
          startsAt: new Date(Date.UTC(2031, 5, 1 + i, 19)).toISOString(),
          seatCount,
          price: SEAT_PRICE_WON,
        }),
      ),
    },
  });
  const concertId = field<string>(answer?.body, "concertId");
  const schedules = field<{ scheduleId: string }[]>(answer?.body, "schedules");
  if (concertId === undefined || schedules === undefined) {
    throw new Error(`could not create the soak concert: ${JSON.stringify(answer)}`);
  }
  const [small, ...big] = schedules.map((s) => s.scheduleId);
  return { concertId, small: small ?? "", big };
}

const hours = (ms: number): string => formatNumber(ms / 3_600_000);

async function main(): Promise<number> {
  const dir = tempDir("soak-");
  console.log(`soak: ${durationS} s, ${connections} connections, seed ${seed}, journal in ${dir}`);
  const server = await startServer({
    // V8 prints the live heap after every full collection: the exact figure a leak shows in.
    nodeArgs: ["--trace-gc"],
    onLine: onServerLine,
    env: {
      DATABASE_PATH: path.join(dir, "journal.db"),
      ADMIN_TOKEN,
      HOLD_TTL_MS: String(HOLD_TTL_MS),
      QUEUE_MAX_ACTIVE: "100000",
      QUEUE_ADMIT_BATCH: "10000",
      QUEUE_ADMIT_INTERVAL_MS: "200",
      QUEUE_ACTIVE_TTL_MS: String(ACTIVE_TTL_MS),
      QUEUE_WAIT_IDLE_TTL_MS: "3000",
      SNAPSHOT_EVERY_EVENTS: "50000",
    },
  });
  try {
    const base = server.baseUrl;
    const world = await setUp(base);
    const startedMs = performance.now();
    loadStartedMs = startedMs;
    const endMs = startedMs + durationS * 1000;
    let running = true;
    const ticker = setInterval(() => {
      const done = current;
      seconds.push(done);
      current = { t: done.t + 1, latenciesMs: [], requests: 0 };
      void sample(server, done);
      if (done.t % 10 === 9) {
        console.log(
          `t=${String(done.t + 1).padStart(4)} s  ${String(done.requests).padStart(5)} req/s  ` +
            `p99 ${formatNumber(percentile(sortedSamples(done.latenciesMs), 0.99), 1).padStart(6)} ms  heap ${formatBytes(seconds.at(-2)?.heapUsed ?? 0)} ` +
            `(live ${formatBytes(mainCollections().at(-1)?.liveBytes ?? 0)})  ` +
            `rss ${formatBytes(seconds.at(-2)?.rss ?? 0)}  retained ${retained.reservations} reservations, ` +
            `${retained.keys} keys`,
        );
      }
    }, 1000);
    const workers = Array.from({ length: connections }, async (_, i) => {
      const own = seededRandom(seed + i + 1);
      while (running && performance.now() < endMs) {
        await step(base, world, own);
      }
    });
    await Promise.all(workers);
    running = false;
    clearInterval(ticker);
    // Let the last sample arrive.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
  } finally {
    const exit = await server.stop();
    if (exit.code !== 0) {
      // The server died (or would not stop): its last words, without the GC trace.
      const said = server
        .output()
        .split("\n")
        .filter((line) => !/^\[\d+:0x[0-9a-f]+\]/.test(line))
        .slice(-40)
        .join("\n    ");
      unexpected.unshift(`the server exited with ${JSON.stringify(exit)}; it said:\n    ${said}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return analyse();
}

/** The live heap after each full collection, from the server's `--trace-gc` lines. */
interface FullCollection {
  /** The V8 isolate: the main thread's, or the journal writer thread's. */
  readonly isolate: string;
  readonly t: number;
  readonly liveBytes: number;
  readonly retained: Retained;
}

const allFullCollections: FullCollection[] = [];
let loadStartedMs = Number.NaN;

/**
 * Reads V8's `--trace-gc` line of a full collection, e.g.
 * `[123:0x6a4e000]  51234 ms: Mark-Compact 210.1 (230.2) -> 61.4 (90.5) MB, ...` (sizes in MiB).
 */
function onServerLine(line: string): void {
  const match = /^\[\d+:(0x[0-9a-f]+)\].*Mark-Compact[^\d]*[\d.]+ \([\d.]+\) -> ([\d.]+) \([\d.]+\) MB/.exec(
    line,
  );
  if (match !== null && Number.isFinite(loadStartedMs)) {
    allFullCollections.push({
      isolate: match[1] ?? "",
      t: (performance.now() - loadStartedMs) / 1000,
      liveBytes: Number(match[2]) * 1024 * 1024,
      retained: { ...retained },
    });
  }
}

/**
 * The collections of the main thread's isolate, which holds the engine's state: the largest one.
 * The journal writer thread has its own isolate, a few MiB that only ever hold one batch.
 */
function mainCollections(): FullCollection[] {
  const largest = new Map<string, number>();
  for (const c of allFullCollections) {
    largest.set(c.isolate, Math.max(largest.get(c.isolate) ?? 0, c.liveBytes));
  }
  const main = [...largest.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  return allFullCollections.filter((c) => c.isolate === main);
}

function totalRetained(r: Retained): number {
  return r.reservations + r.ledgerLines + r.keys + r.tokens;
}

interface MemoryJudgement {
  readonly method: string;
  readonly middle: number;
  readonly last: number;
  readonly records: number;
  readonly reservations: number;
}

/**
 * Live heap in the middle and the last third, and the records retained by design in between. The
 * live heap after a full collection is exact; without one in each third, the lowest sample of each
 * third stands in for it (an upper bound: it may still hold garbage).
 */
function judgeMemory(middle: readonly Second[], last: readonly Second[]): MemoryJudgement {
  const from = middle[0]?.t ?? 0;
  const split = last[0]?.t ?? 0;
  const fullCollections = mainCollections();
  const inMiddle = fullCollections.filter((c) => c.t >= from && c.t < split);
  const inLast = fullCollections.filter((c) => c.t >= split);
  const at = (part: readonly FullCollection[]): FullCollection | undefined =>
    part[Math.floor(part.length / 2)];
  const m = at(inMiddle);
  const l = at(inLast);
  if (m !== undefined && l !== undefined) {
    return {
      method: `live heap after full collections (${inMiddle.length} in the middle third, ${inLast.length} in the last)`,
      middle: median(inMiddle.map((c) => c.liveBytes)),
      last: median(inLast.map((c) => c.liveBytes)),
      records: totalRetained(l.retained) - totalRetained(m.retained),
      reservations: l.retained.reservations - m.retained.reservations,
    };
  }
  const lowest = (part: readonly Second[]): number => Math.min(...part.map((s) => s.heapUsed ?? Infinity));
  const retainedAt = (part: readonly Second[]): Retained =>
    part[Math.floor(part.length / 2)]?.retained ?? retained;
  return {
    method: "lowest heap sample of each third (no full collection in one of them: an upper bound)",
    middle: lowest(middle),
    last: lowest(last),
    records: totalRetained(retainedAt(last)) - totalRetained(retainedAt(middle)),
    reservations: retainedAt(last).reservations - retainedAt(middle).reservations,
  };
}

function analyse(): number {
  const usable = seconds.filter((s) => s.heapUsed !== undefined && s.retained !== undefined);
  const third = Math.floor(usable.length / 3);
  const middle = usable.slice(third, 2 * third);
  const last = usable.slice(2 * third);
  const spanS = Math.max(1, last.length / 2 + middle.length / 2);
  const memory = judgeMemory(middle, last);
  const heapGrowth = memory.last - memory.middle;
  const bytesPerRecord = memory.records > 0 ? heapGrowth / memory.records : heapGrowth > 0 ? Infinity : 0;
  const rssOf = (part: readonly Second[]): number => median(part.map((s) => s.rss ?? Number.NaN));
  const rssGrowth = rssOf(last) - rssOf(middle);
  const nativeOf = (part: readonly Second[]): number =>
    median(part.map((s) => (s.rss ?? Number.NaN) - (s.heapTotal ?? Number.NaN) - (s.external ?? Number.NaN)));
  const nativeGrowth = nativeOf(last) - nativeOf(middle);
  const p99 = (part: readonly Second[]): number =>
    median(part.map((s) => percentile(sortedSamples(s.latenciesMs), 0.99)));
  const p99Middle = p99(middle);
  const p99Last = p99(last);
  const rps = (part: readonly Second[]): number => median(part.map((s) => s.requests));
  const total = seconds.reduce((n, s) => n + s.requests, 0);

  console.log("");
  console.log(
    `requests: ${total} in ${seconds.length} s (median ${rps(middle)} req/s in the middle third, ${rps(last)} in the last)`,
  );
  console.log(
    `answers: ${[...statuses.entries()]
      .sort()
      .map(([k, n]) => `${k}×${n}`)
      .join(", ")}`,
  );
  console.log(
    `retained by design: ${retained.reservations} reservations (never reclaimed), ${retained.keys} idempotency ` +
      `keys (kept ${hours(IDEMPOTENCY_KEY_TTL_MS)} h), ${retained.ledgerLines} ledger lines, ${retained.tokens} tokens ` +
      `(remembered ${hours(QUEUE_TOKEN_RETENTION_MS)} h after they end)`,
  );
  console.log(`memory measured as: ${memory.method}`);
  console.log(
    `live heap: ${formatBytes(memory.middle)} (middle third) → ${formatBytes(memory.last)} (last third): ${formatBytes(heapGrowth)} ` +
      `in ~${spanS.toFixed(0)} s (${formatBytes(heapGrowth / spanS, "KiB")}/s)`,
  );
  console.log(
    `records retained by design meanwhile: ${memory.records} (${(memory.records / spanS).toFixed(0)}/s; ` +
      `reservations ${(memory.reservations / spanS).toFixed(1)}/s) → ` +
      `${Number.isFinite(bytesPerRecord) ? bytesPerRecord.toFixed(0) : "∞"} bytes of heap growth per retained record ` +
      `(leak above ${LEAK_BYTES_PER_RECORD_MAX})`,
  );
  console.log(
    `rss (median): ${formatBytes(rssOf(middle))} → ${formatBytes(rssOf(last))}: ${formatBytes(rssGrowth)} ` +
      `(${formatBytes(rssGrowth / spanS, "KiB")}/s); beyond the V8 heap and external buffers: ` +
      `${formatBytes(nativeOf(middle))} → ${formatBytes(nativeOf(last))} (${formatBytes(nativeGrowth)})`,
  );
  console.log(
    `p99 (median of 1-s intervals): ${p99Middle.toFixed(1)} ms (middle third) → ${p99Last.toFixed(1)} ms (last third)`,
  );

  const problems: string[] = [];
  if (unexpected.length > 0) {
    problems.push(`unexpected answers:\n    ${unexpected.slice(0, 20).join("\n    ")}`);
  }
  if (usable.length < 9) {
    problems.push(`only ${usable.length} memory samples: the run was too short to judge`);
  }
  if (heapGrowth > LEAK_GROWTH_BYTES_MIN && bytesPerRecord > LEAK_BYTES_PER_RECORD_MAX) {
    problems.push(
      `the heap grows beyond what retention explains: ${formatBytes(heapGrowth)}, ${bytesPerRecord.toFixed(0)} bytes per ` +
        `retained record (limit ${LEAK_BYTES_PER_RECORD_MAX})`,
    );
  }
  if (nativeGrowth > NATIVE_GROWTH_BYTES_MAX) {
    problems.push(
      `RSS beyond the V8 heap and external buffers grows by ${formatBytes(nativeGrowth)} ` +
        `(limit ${formatBytes(NATIVE_GROWTH_BYTES_MAX)}): a native leak`,
    );
  }
  if (p99Last > DRIFT_RATIO_MAX * p99Middle && p99Last - p99Middle > DRIFT_MS_MIN) {
    problems.push(`p99 drifts upward: ${p99Middle.toFixed(1)} ms → ${p99Last.toFixed(1)} ms`);
  }
  console.log("");
  if (problems.length > 0) {
    console.log(`SOAK FAILED (seed ${seed}):`);
    for (const problem of problems) {
      console.log(`  - ${problem}`);
    }
    return 1;
  }
  console.log(
    heapGrowth <= 0
      ? "memory levelled off and p99 held steady"
      : "memory grows no faster than by-design retention explains, and p99 held steady",
  );
  return 0;
}

process.exitCode = await main();
