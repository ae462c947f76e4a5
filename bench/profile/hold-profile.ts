/**
 * `npm run bench:profile [-- --duration s] [--connections n] [--writer inline|worker] [--log-level l] [--checkout dir] [--save file] [--poll]`
 *
 * Where the time of one seat hold goes, from a CPU profile: the server runs as users run it (a child
 * process on a fresh durable journal), wrk sends pre-encoded holds of ACTIVE users, and V8's profiler
 * samples the server only while the timed load runs. Each sample is put in the stage of the nearest
 * frame on its stack that belongs to one (see STAGES), and the stages are printed in µs per request.
 * `--checkout` profiles another checkout of this repository the same way, e.g. an older commit for a
 * before/after comparison.
 */
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseCommandLine } from "../../support/cli.ts";
import { formatNumber } from "../../support/format.ts";
import { field } from "../../support/http.ts";
import { call, pollUntil, startServer } from "../../support/server-process.ts";

const USAGE = `usage: npm run bench:profile [-- --duration <s>] [--connections <n>] [--writer inline|worker] [--log-level <l>] [--checkout <dir>] [--save <file>] [--poll]
  --duration <s>      seconds of profiled load (default 6)
  --connections <n>   wrk connections (default 50)
  --writer <w>        JOURNAL_WRITER of the server (default: the server's own default)
  --log-level <l>     LOG_LEVEL of the server, e.g. silent to see what logging costs (default: the server's)
  --checkout <dir>    profile the server of another checkout (default: this one)
  --save <file>       keep the CPU profile there (a .cpuprofile file that Chrome's DevTools opens)
  --poll              send each user's queue poll (GET /api/v1/queue/tokens/current) instead of a hold:
                      the HTTP path's fixed cost without the journal`;

const ADMIN_TOKEN = "hold-profile-admin";
const SEATS = 50_000;
const USERS = 10_000;
/**
 * Short holds keep the schedule mostly free and every user under the 4-seat limit. Each user's hold
 * (and each seat) comes round every USERS holds, so it must have expired by then: at 1 s, a server
 * past 10,000 holds/s got a 409 for a hold in two or three and its figures were no longer those of
 * durable holds.
 */
const HOLD_TTL_MS = 500;
const SEAT_PRICE_WON = 10_000;
const WARMUP_S = 2;
const TOKEN_BATCH = 100;

/** A frame of a V8 CPU profile, as far as the stages need it. */
interface CallFrame {
  readonly functionName: string;
  readonly url: string;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const from =
  (...parts: string[]) =>
  (frame: CallFrame) =>
    parts.some((part) => frame.url.includes(part));

/**
 * The stages of a hold request, in the order they are tried on each frame from the sample's leaf up:
 * the first stage any frame belongs to takes the sample. A builtin such as `JSON.parse` has no file,
 * so it counts for the code that called it.
 */
const STAGES: readonly (readonly [string, (frame: CallFrame) => boolean])[] = [
  [
    "commit (SQLite, fsync)",
    from("better-sqlite3", "persistence/database", "inline-writer", "worker-writer"),
  ],
  ["journal encode", from("msgpackr", "persistence/codec", "persistence/group-commit", "batch-wire")],
  ["token check", from("engine/token-access", "engine/waiting-room")],
  ["decide/evolve", from("/src/engine/")],
  ["actor hop", from("/src/actors/")],
  [
    "request id and log line",
    from("/pino/", "sonic-boom", "hono-pino", "http/request-log", "middleware/request-id", "src/logging"),
  ],
  [
    "validation",
    from("http/validated-routes", "/zod/", "zod-openapi", "zod-validator", "hono/dist/validator"),
  ],
  [
    "response",
    (frame) =>
      from(
        "http/views",
        "http/respond",
        "http/errors",
        "security-headers",
        "_http_outgoing",
        "stream_base_commons",
      )(frame) ||
      frame.functionName === "writev" ||
      /^response|Response|writeHead/.test(frame.functionName),
  ],
  [
    "routing",
    from("hono/dist", "@hono/node-server", "http/app", "http/metrics", "prom-client", "-routes.ts"),
  ],
  [
    "HTTP parse",
    from("http/json-body", "_http_common", "_http_incoming", "_http_server", "node:net", "streams/"),
  ],
  ["GC", (frame) => frame.functionName === "(garbage collector)"],
];
const OTHER = "runtime (microtasks, timers, other)";

const PROFILER = fileURLToPath(new URL("./profile-on-signal.mjs", import.meta.url));

function parseOptions() {
  const cli = parseCommandLine({
    usage: USAGE,
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      writer: { type: "string" },
      "log-level": { type: "string" },
      checkout: { type: "string" },
      save: { type: "string" },
      poll: { type: "boolean" },
    },
  });
  const writer = cli.values.writer;
  if (writer !== undefined && writer !== "inline" && writer !== "worker") {
    cli.fail("--writer is inline or worker");
  }
  return {
    durationS: cli.integer("duration", { min: 1, max: 120, fallback: 6 }),
    connections: cli.integer("connections", { min: 1, max: 1_000, fallback: 50 }),
    writer,
    logLevel: cli.values["log-level"],
    checkout: cli.values.checkout,
    save: cli.values.save,
    poll: cli.values.poll === true,
  };
}

/**
 * Creates the schedule and an ACTIVE token per user; returns the wrk script that cycles through holds
 * (or, with `poll`, through the users' queue polls).
 */
async function holdsScript(baseUrl: string, poll: boolean): Promise<string> {
  const created = await call(baseUrl, "POST", "/api/v1/admin/concerts", {
    token: ADMIN_TOKEN,
    body: {
      title: "Profiled Concert",
      schedules: [{ startsAt: "2031-01-01T19:00:00Z", seatCount: SEATS, price: SEAT_PRICE_WON }],
    },
  });
  const concertId = field<string>(created.body, "concertId");
  const scheduleId = field<{ scheduleId: string }[]>(created.body, "schedules")?.[0]?.scheduleId;
  if (created.status !== 201 || concertId === undefined || scheduleId === undefined) {
    throw new Error(`creating the concert failed: ${created.status} ${created.text}`);
  }
  const tokens: string[] = [];
  for (let first = 0; first < USERS; first += TOKEN_BATCH) {
    const issued = await Promise.all(
      Array.from({ length: TOKEN_BATCH }, (_, i) =>
        call(baseUrl, "POST", "/api/v1/queue/tokens", { body: { userId: `p${first + i}`, concertId } }),
      ),
    );
    for (const answer of issued) {
      const token = field<string>(answer.body, "token");
      if (answer.status !== 201 || token === undefined || field(answer.body, "status") !== "ACTIVE") {
        throw new Error(`a token was not issued ACTIVE: ${answer.status} ${answer.text}`);
      }
      tokens.push(token);
    }
  }
  // Every request is encoded once, here; wrk only cycles through them. Seats stride by 7, so
  // consecutive holds fall on different seats and a seat comes round again after its hold expired.
  const lines = ["local requests = {}"];
  tokens.forEach((token, i) => {
    if (poll) {
      lines.push(
        `requests[${i + 1}] = wrk.format("GET", "/api/v1/queue/tokens/current", ` +
          `{["Host"] = "127.0.0.1", ["Authorization"] = "Bearer ${token}"})`,
      );
      return;
    }
    const body = JSON.stringify({ scheduleId, seatNumbers: [((i * 7) % SEATS) + 1] });
    lines.push(
      `requests[${i + 1}] = wrk.format("POST", "/api/v1/reservations", ` +
        `{["Host"] = "127.0.0.1", ["Content-Type"] = "application/json", ["Authorization"] = "Bearer ${token}"}, '${body}')`,
    );
  });
  lines.push("local next = 0", "request = function() next = next % #requests + 1; return requests[next] end");
  return lines.join("\n");
}

interface WrkRun {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly refused: number;
}

/**
 * Runs wrk without blocking this process: the server's log lines (its stdout) must be read while the
 * load runs, as a log collector would, or the server's buffered lines pile up (or, with a synchronous
 * log destination, the server stalls on a full pipe).
 */
async function runWrk(url: string, script: string, durationS: number, connections: number): Promise<WrkRun> {
  const { stdout: output } = await promisify(execFile)(
    "wrk",
    ["-t1", `-c${connections}`, `-d${durationS}s`, "--timeout", "10s", "-s", script, url],
    { encoding: "utf8" },
  );
  const requests = Number(/(\d+) requests in/.exec(output)?.[1]);
  const requestsPerSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(output)?.[1]);
  const refused = Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0);
  if (!Number.isFinite(requests) || !Number.isFinite(requestsPerSecond)) {
    throw new Error(`cannot read wrk's output:\n${output}`);
  }
  return { requests, requestsPerSecond, refused };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const PROC_TICKS_PER_S = 100;

/**
 * CPU time in µs used so far by a process's main thread and by the whole process, from /proc (Linux).
 * Unlike the profile's sample intervals, which count wall time, this leaves out the time the thread
 * waited for a core, so it holds up on a machine shared with other work.
 */
function cpuMicros(pid: number): { mainThread: number; process: number } {
  const ticks = (stat: string) => {
    // Fields 14 and 15 (utime, stime) follow the command name, which may hold spaces, in parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / PROC_TICKS_PER_S) * 1e6;
  };
  return {
    mainThread: ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, "utf8")),
    process: ticks(readFileSync(`/proc/${pid}/stat`, "utf8")),
  };
}

/** Busy µs per stage, from the profile's samples (idle time left out). */
function stagesOf(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) {
    for (const child of node.children ?? []) {
      parentOf.set(child, node.id);
    }
  }
  const stageOfNode = new Map<number, string | undefined>();
  const stageOf = (id: number): string | undefined => {
    if (stageOfNode.has(id)) {
      return stageOfNode.get(id);
    }
    const node = byId.get(id);
    const own = node === undefined ? undefined : STAGES.find(([, matches]) => matches(node.callFrame))?.[0];
    const parent = parentOf.get(id);
    const stage = own ?? (parent === undefined ? undefined : stageOf(parent));
    stageOfNode.set(id, stage);
    return stage;
  };
  const micros = new Map<string, number>([...STAGES.map(([name]) => [name, 0] as const), [OTHER, 0]]);
  // Stopping the profiler serializes the profile on the main thread while it still samples: that
  // is the tool's own time, not the server's.
  const isProfilerOwn = (id: number | undefined): boolean =>
    id !== undefined &&
    (byId.get(id)?.callFrame.url.includes("profile-on-signal") === true || isProfilerOwn(parentOf.get(id)));
  profile.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName === "(idle)" || isProfilerOwn(id)) {
      return;
    }
    const stage = stageOf(id) ?? OTHER;
    micros.set(stage, (micros.get(stage) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return micros;
}

/**
 * A port nobody listens on now. A server whose LOG_LEVEL hides its "listening" line is started on
 * one, so that `startServer` can find it by asking.
 */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const address = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  if (typeof address !== "object" || address === null) {
    throw new Error("no free port");
  }
  return address.port;
}

async function main(): Promise<void> {
  const options = parseOptions();
  const work = mkdtempSync(path.join(tmpdir(), "hold-profile-"));
  const profilePath = path.join(work, "server.cpuprofile");
  const server = await startServer({
    env: {
      ADMIN_TOKEN,
      HOLD_TTL_MS: String(HOLD_TTL_MS),
      QUEUE_MAX_ACTIVE: String(USERS),
      DATABASE_PATH: path.join(work, "journal.db"),
      HOLD_PROFILE_PATH: profilePath,
      ...(options.writer === undefined ? {} : { JOURNAL_WRITER: options.writer }),
      ...(options.logLevel === undefined
        ? {}
        : { LOG_LEVEL: options.logLevel, PORT: String(await freePort()) }),
    },
    nodeArgs: ["--import", PROFILER],
    ...(options.checkout === undefined ? {} : { cwd: path.resolve(options.checkout) }),
  });
  try {
    const script = path.join(work, "holds.lua");
    writeFileSync(script, await holdsScript(server.baseUrl, options.poll));
    await runWrk(server.baseUrl, script, WARMUP_S, options.connections);
    const pid = server.child.pid as number;
    server.child.kill("SIGUSR2");
    const cpuBefore = cpuMicros(pid);
    const run = await runWrk(server.baseUrl, script, options.durationS, options.connections);
    const cpuAfter = cpuMicros(pid);
    server.child.kill("SIGUSR2");
    const profile = await pollUntil("the CPU profile", () =>
      Promise.resolve(
        existsSync(profilePath) ? (JSON.parse(readFileSync(profilePath, "utf8")) as CpuProfile) : undefined,
      ),
    );
    if (options.save !== undefined) {
      copyFileSync(profilePath, options.save);
    }
    const micros = stagesOf(profile);
    const busy = [...micros.values()].reduce((sum, us) => sum + us, 0);
    const cpu = cpuAfter.mainThread - cpuBefore.mainThread;
    console.log(
      `${formatNumber(run.requests)} ${options.poll ? "polls" : "holds"} in ${options.durationS} s (${formatNumber(run.requestsPerSecond)}/s, ` +
        `${formatNumber(run.refused)} not 201), ${options.connections} connections, ` +
        `writer ${options.writer ?? "default"}, log level ${options.logLevel ?? "default"}; busy ${formatNumber(busy / run.requests, 1)} µs per hold`,
    );
    // The samples count wall time, so a thread waiting for a core inflates them; the CPU column
    // scales each stage to the main thread's CPU time, the figure to compare on a busy machine.
    if (run.refused > run.requests / 100) {
      console.log(
        `WARNING: ${formatNumber(run.refused)} answers were not 201; these figures are not those of durable holds`,
      );
    }
    console.log(
      `main thread CPU ${formatNumber(cpu / run.requests, 1)} µs per hold, whole process ` +
        `${formatNumber((cpuAfter.process - cpuBefore.process) / run.requests, 1)} µs (from /proc)`,
    );
    console.log(
      `${"stage".padEnd(38)} ${"µs/hold".padStart(8)} ${"share".padStart(7)} ${"CPU µs".padStart(8)}`,
    );
    for (const [stage, us] of micros) {
      console.log(
        `${stage.padEnd(38)} ${formatNumber(us / run.requests, 1).padStart(8)} ` +
          `${`${formatNumber((us / busy) * 100, 1)} %`.padStart(7)} ${formatNumber(((us / busy) * cpu) / run.requests, 1).padStart(8)}`,
      );
    }
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
