/**
 * Engine benchmark: `npm run bench:engine` (`tsx --expose-gc bench/engine.ts [--quick] [--seed n]
 * [--keep-journal path]`; `--keep-journal` copies the journal of the start-up measurements, with its
 * snapshot, to `path` for `npm run journal -- verify --db path`).
 *
 * Everything runs in this one process, through the engine's own API, with no HTTP:
 *  - durable holds per second through the schedule actors and the journal, for both journal writers,
 *    with N holders each awaiting its hold's durable answer before sending the next; p50/p99 from send
 *    to answer, and the main thread's time per hold. Every hold must succeed, and no answer may come
 *    before its event is durable;
 *  - beside them, measured in the same run, the ceiling: the same encoded SeatsHeld payloads, taken
 *    from an engine journal, inserted raw in batches with the journal's own SQLite settings;
 *  - the domain alone: the queue-token check, decide and evolve of the same holds, with no actors;
 *  - on a journal of exactly `STATE_HOLDS` holds over 1,000,000 seats: the replay rate, start-up from a
 *    snapshot of it, and the heap each live hold costs (needs `--expose-gc`), besides the heap of the
 *    seats alone.
 * Payloads are generated before timing; every loop is bounded by a count and a time.
 *
 * Every figure is printed with its target and PASS or MISS (or as information, without a target), and
 * stored in `bench/results/engine-<time>.json` and `bench/results/engine-latest.json`, which the README
 * quotes. A `--quick` run (CI) writes to `bench/results/quick/` instead, so it never replaces them.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { SystemClock } from "../src/actors/clock.ts";
import { createBenchConcert } from "./bench-concert.ts";
import type { Engine } from "../src/actors/engine.ts";
import { newId } from "../src/actors/ids.ts";
import { MAILBOX_DEPTH_MAX_DEFAULT } from "../src/actors/mailbox.ts";
import { SNAPSHOT_EVERY_EVENTS_DEFAULT } from "../src/actors/runtime.ts";
import { startEngine, type EngineOptions } from "../src/actors/start-engine.ts";
import type { Concert } from "../src/engine/catalog.ts";
import { decideCreateConcert } from "../src/engine/concert-setup.ts";
import type { Decision } from "../src/engine/decider.ts";
import {
  evolveEngine,
  initialEngineState,
  waitingRoomOf,
  type EngineEvent,
} from "../src/engine/engine-state.ts";
import {
  HOLD_TTL_MS_DEFAULT,
  SEATS_PER_SCHEDULE_MAX,
  SEATS_PER_USER_PER_SCHEDULE_MAX,
} from "../src/engine/limits.ts";
import { decideSchedule } from "../src/engine/schedule.ts";
import { shuffleSeeded } from "../src/engine/seeded-random.ts";
import { decideTokenAccess } from "../src/engine/token-access.ts";
import {
  decideWaitingRoom,
  QUEUE_MAX_ACTIVE_MAX,
  WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
} from "../src/engine/waiting-room/index.ts";
import { openJournalDatabase } from "../src/persistence/database.ts";
import { openJournalReader, type JournalWriter } from "../src/persistence/journal.ts";
import { JOURNAL_BATCH_EVENTS_MAX } from "../src/persistence/limits.ts";
import { recoverEngineState } from "../src/persistence/recovery.ts";
import { parseCommandLine } from "../support/cli.ts";
import { formatBytes, formatNumber } from "../support/format.ts";
import { runLatency, type RunLatency } from "../support/stats.ts";
import { machineInfo, type MachineInfo } from "./machine.ts";
import { rawInsertsPerSecond, type RawRow } from "./raw-ceiling.ts";
import { collectGarbage, copyJournal, removeJournal } from "./journal-files.ts";

const USAGE = `usage: npm run bench:engine [-- --quick] [--seed <n>] [--keep-journal <path>]
  --quick                 short runs on less data (proves the benchmark runs; the figures mean little),
                          stored under bench/results/quick/ so they never replace a full run's
  --seed <n>              re-run the seat order a run printed (default: a fresh one)
  --keep-journal <path>   copy the start-up journal, with its snapshot, to <path> for \`npm run journal -- verify\``;
const cli = parseCommandLine({
  usage: USAGE,
  options: {
    quick: { type: "boolean", default: false },
    seed: { type: "string" },
    "keep-journal": { type: "string" },
  },
});
const QUICK = cli.values.quick;
const SEED = cli.seed();
const KEEP_JOURNAL_PATH = cli.values["keep-journal"];

const WRITERS: readonly JournalWriter[] = ["inline", "worker"];
const CONCURRENCY_LEVELS = [50, 1000];
/** The machine is shared and noisy: each variant runs this many times, alternating, and keeps its best. */
const ROUNDS = QUICK ? 1 : 3;
/** Each hold run stops at whichever comes first. */
const HOLDS_PER_RUN_MAX = QUICK ? 20_000 : 300_000;
const RUN_DURATION_MS = QUICK ? 1_000 : 3_000;
const WARM_UP_HOLDS_MAX = QUICK ? 10_000 : 100_000;
const WARM_UP_DURATION_MS = 1_000;
/**
 * The holds of the journal that replay, start-up and the heap per hold are measured on: a fixed count,
 * so that the figures of two runs compare, however fast their hold runs were.
 */
const STATE_HOLDS = QUICK ? 20_000 : 200_000;
/** A bound on the run that journals them, which goes on past `RUN_DURATION_MS` until they are all in. */
const STATE_RUN_DURATION_MS_MAX = 120_000;

const SCHEDULES = 10;
const SEATS_PER_SCHEDULE = SEATS_PER_SCHEDULE_MAX;
const SEATS_TOTAL = SCHEDULES * SEATS_PER_SCHEDULE;
const SEAT_PRICE_WON = 50_000;
/** The concurrency level the throughput targets are judged at: enough holders to fill a commit. */
const TARGET_CONCURRENCY = 1000;

// Targets of issue "The hold path at the speed of its stack", item 5, on this 2-core machine.
const HOLDS_PER_SECOND_MIN = 150_000;
const HOLDS_CEILING_RATIO_MIN = 0.5;
const MAIN_THREAD_US_PER_HOLD_MAX = 5;
const REPLAY_EVENTS_PER_SECOND_MIN = 500_000;
const HEAP_BYTES_PER_HOLD_MAX = 300;
const STARTUP_MS_MAX = 1_000;
// Of issue 2.
const SEATS_HEAP_BYTES_MAX = 200_000_000;

const RESULTS_DIR = path.join(import.meta.dirname, "results");
/** Where `--quick` runs go: not where the README's figures come from. */
const QUICK_RESULTS_DIR = path.join(RESULTS_DIR, "quick");

if (Math.max(HOLDS_PER_RUN_MAX, STATE_HOLDS) > SEATS_TOTAL) {
  throw new Error("every hold of a run needs a seat of its own");
}
if (STATE_HOLDS > HOLDS_PER_RUN_MAX) {
  throw new Error("the start-up journal's holds come from the plan of the hold runs");
}
if (!CONCURRENCY_LEVELS.includes(TARGET_CONCURRENCY)) {
  throw new Error("the targets are judged at one of the measured concurrency levels");
}

/**
 * The holds every run sends, generated before timing: a random free seat each, by a user who holds
 * at most `SEATS_PER_USER_PER_SCHEDULE_MAX` seats of a schedule, so a run needs a quarter as many
 * users (and queue tokens) as holds.
 */
interface HoldPlan {
  readonly userIds: readonly string[];
  /** Index into the run's schedule ids. */
  readonly scheduleIndex: Uint8Array;
  readonly seatNumbers: readonly (readonly number[])[];
}

function planHolds(count: number, seed: number): HoldPlan {
  // Every seat in a seeded order: the first `count` are distinct, so all are free.
  const seats = Int32Array.from({ length: SEATS_TOTAL }, (_, i) => i);
  shuffleSeeded(seats, String(seed));
  const userIds: string[] = [];
  const scheduleIndex = new Uint8Array(count);
  const seatNumbers: number[][] = [];
  const holdsPerSchedule = new Array<number>(SCHEDULES).fill(0);
  for (let i = 0; i < count; i++) {
    const seat = seats[i] as number;
    const schedule = Math.floor(seat / SEATS_PER_SCHEDULE);
    const rank = holdsPerSchedule[schedule] ?? 0;
    holdsPerSchedule[schedule] = rank + 1;
    userIds.push(`bench-user-${schedule}-${Math.floor(rank / SEATS_PER_USER_PER_SCHEDULE_MAX)}`);
    scheduleIndex[i] = schedule;
    seatNumbers.push([(seat % SEATS_PER_SCHEDULE) + 1]);
  }
  // Flat strings, as JSON.parse hands them to the engine: a template literal makes a rope that the
  // engine would otherwise flatten inside the timed turn, a cost a real request does not have.
  return { userIds: JSON.parse(JSON.stringify(userIds)) as string[], scheduleIndex, seatNumbers };
}

/**
 * Hold runs take no snapshot, so that both writers and the ceiling are compared on commits alone; the
 * pause a snapshot costs is measured on its own, on the state the runs leave behind.
 */
const HOLD_RUN_SNAPSHOT_EVERY_EVENTS = 10 * HOLDS_PER_RUN_MAX;

/** The waiting room of every benchmark concert: every user is admitted at once. */
const BENCH_WAITING_ROOM: EngineOptions["waitingRoom"] = {
  ...WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
  maxActive: QUEUE_MAX_ACTIVE_MAX,
};

function engineOptions(
  databasePath: string,
  writer: JournalWriter,
  snapshotEveryEvents = SNAPSHOT_EVERY_EVENTS_DEFAULT,
): EngineOptions {
  return {
    databasePath,
    clock: new SystemClock(),
    newId,
    holdTtlMs: HOLD_TTL_MS_DEFAULT,
    mailboxDepthMax: MAILBOX_DEPTH_MAX_DEFAULT,
    snapshotEveryEvents,
    waitingRoom: BENCH_WAITING_ROOM,
    journalWriter: writer,
  };
}

/** The big concert's schedules, and an ACTIVE queue token for every user of the plan. */
interface BigConcert {
  readonly scheduleIds: readonly string[];
  readonly tokens: ReadonlyMap<string, string>;
}

/** Creates 10 schedules of 100,000 seats (1,000,000 seats). */
function createBigConcert(engine: Engine): Promise<Concert> {
  return createBenchConcert(engine, {
    title: "Benchmark Concert",
    schedules: SCHEDULES,
    seatsPerSchedule: SEATS_PER_SCHEDULE,
    priceWon: SEAT_PRICE_WON,
  });
}

/** The big concert, with an ACTIVE queue token for every user of the plan, issued before timing. */
async function stageBigConcert(engine: Engine, plan: HoldPlan): Promise<BigConcert> {
  const concert = await createBigConcert(engine);
  const tokens = new Map<string, string>();
  for (const userId of new Set(plan.userIds)) {
    const issued = await engine.issueToken(userId, concert.concertId);
    if (!issued.ok || issued.value.token.status !== "ACTIVE") {
      throw new Error(`${userId} was not admitted at once, so holds would be refused`);
    }
    tokens.set(userId, issued.value.token.token);
  }
  return { scheduleIds: concert.schedules.map((schedule) => schedule.scheduleId), tokens };
}

interface HoldRun extends RunLatency {
  readonly holds: number;
  readonly holdsPerSecond: number;
  readonly eventsPerCommit: number;
  /** Share of the run the main thread was busy (not waiting in the event loop). */
  readonly mainThreadBusy: number;
}

/**
 * `concurrency` holders, each sending a hold and awaiting its durable answer before the next. Throws
 * on any rejection (a fast refusal is not throughput) and on any answer that came before its event
 * was durable: each hold appends exactly one event, so answers may never outnumber durable events.
 */
async function runHolds(
  engine: Engine,
  { scheduleIds, tokens }: BigConcert,
  plan: HoldPlan,
  concurrency: number,
  holdsMax: number,
  durationMs: number,
): Promise<HoldRun> {
  const latencies = new Float64Array(holdsMax);
  const firstSeq = engine.journalSeq();
  const statsBefore = engine.journalStats();
  let started = 0;
  let answered = 0;
  let early = 0;
  let refused: string | undefined;
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const eluBefore = performance.eventLoopUtilization();
  loopDelay.enable();
  const startMs = performance.now();
  const deadline = startMs + durationMs;

  async function holder(): Promise<void> {
    while (started < holdsMax && refused === undefined && performance.now() < deadline) {
      const i = started++;
      const scheduleId = scheduleIds[plan.scheduleIndex[i] as number] as string;
      const t0 = performance.now();
      const result = await engine.holdSeats(
        tokens.get(plan.userIds[i] as string),
        scheduleId,
        plan.seatNumbers[i] as number[],
      );
      latencies[answered++] = performance.now() - t0;
      if (!result.ok) {
        refused = `${result.rejection.code}: ${result.rejection.message}`;
      }
      if (answered > engine.journalSeq() - firstSeq) {
        early += 1;
      }
    }
  }

  await Promise.all(Array.from({ length: concurrency }, holder));
  const elapsedMs = performance.now() - startMs;
  loopDelay.disable();
  const elu = performance.eventLoopUtilization(eluBefore);
  if (refused !== undefined) {
    throw new Error(`a hold was refused, so the run measures nothing: ${refused}`);
  }
  if (early > 0) {
    throw new Error(`${early} holds were answered before their event was durable`);
  }
  const statsAfter = engine.journalStats();
  const commits = statsAfter.commits - statsBefore.commits;
  return {
    holds: answered,
    holdsPerSecond: (answered / elapsedMs) * 1000,
    ...runLatency(latencies.subarray(0, answered), loopDelay),
    eventsPerCommit: commits === 0 ? 0 : (statsAfter.events - statsBefore.events) / commits,
    mainThreadBusy: elu.utilization,
  };
}

/** A hold run, and the journal's last seq before it: what staging the concert and its tokens wrote. */
interface HoldRunOnJournal {
  readonly run: HoldRun;
  readonly stagedSeq: number;
}

/** A fresh journal, a fresh engine with 1,000,000 seats, one timed hold run; the engine is stopped after. */
async function holdRunOnFreshJournal(
  journalPath: string,
  writer: JournalWriter,
  plan: HoldPlan,
  concurrency: number,
  holdsMax: number,
  durationMs: number,
): Promise<HoldRunOnJournal> {
  const engine = await startEngine(engineOptions(journalPath, writer, HOLD_RUN_SNAPSHOT_EVERY_EVENTS));
  let run: HoldRun;
  let stagedSeq: number;
  try {
    const concert = await stageBigConcert(engine, plan);
    stagedSeq = engine.journalSeq();
    run = await runHolds(engine, concert, plan, concurrency, holdsMax, durationMs);
  } finally {
    await engine.stop();
  }
  const held = countSeatsHeld(journalPath);
  if (held !== run.holds) {
    throw new Error(`${run.holds} holds were answered but the journal holds ${held} SeatsHeld events`);
  }
  return { run, stagedSeq };
}

function countSeatsHeld(journalPath: string): number {
  const db = openJournalDatabase(journalPath, "read-only");
  try {
    return db.prepare("SELECT count(*) FROM journal WHERE type = 'SeatsHeld'").pluck().get() as number;
  } finally {
    db.close();
  }
}

/** The SeatsHeld rows of an engine journal, exactly as stored: the ceiling's payloads. */
function seatsHeldRows(journalPath: string): RawRow[] {
  const db = openJournalDatabase(journalPath, "read-only");
  try {
    return db
      .prepare("SELECT stream, type, payload FROM journal WHERE type = 'SeatsHeld' ORDER BY seq")
      .all() as RawRow[];
  } finally {
    db.close();
  }
}

/** Heap and typed-array backing stores (seat maps live in the latter), after a full collection. */
function retainedBytes(): { heap: number; buffers: number } | undefined {
  if (!collectGarbage()) {
    return undefined;
  }
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

/** Heap used by a fresh engine's 1,000,000 seats: measured around `createConcert`. */
async function measureSeatHeap(journalPath: string): Promise<{ heap: number; buffers: number } | undefined> {
  const engine = await startEngine(engineOptions(journalPath, "inline"));
  try {
    const before = retainedBytes();
    await createBigConcert(engine);
    const after = retainedBytes();
    if (before === undefined || after === undefined) {
      return undefined;
    }
    return { heap: after.heap - before.heap, buffers: after.buffers - before.buffers };
  } finally {
    await engine.stop();
    removeJournal(journalPath);
  }
}

/** Runs `f` and returns its wall time in milliseconds. */
function timed(f: () => void): number {
  const startMs = performance.now();
  f();
  return performance.now() - startMs;
}

/**
 * The domain alone: for each of the same holds, what the schedule's turn decides, on a bare engine
 * state with no actors, promises or journal: the queue-token check (`decideTokenAccess`), the hold's
 * decision and its evolution. Its cost per hold is the floor under the engine's, and tells "where the
 * time goes". The concert and the tokens are made before timing.
 */
function domainMicrosecondsPerHold(plan: HoldPlan, holdsMax: number, durationMs: number): number {
  const state = initialEngineState();
  const ctx = { nowMs: Date.now(), newId };
  const apply = (decision: Decision<EngineEvent>, what: string): EngineEvent[] => {
    if (!decision.ok) {
      throw new Error(`the domain refused ${what}: ${decision.rejection.code}`);
    }
    for (const event of decision.events) {
      evolveEngine(state, event);
    }
    return decision.events;
  };
  const [created] = apply(
    decideCreateConcert(
      state,
      {
        type: "CreateConcert",
        title: "Benchmark Concert",
        onSaleAtMs: null,
        schedules: Array.from({ length: SCHEDULES }, () => ({
          startsAtMs: 1_900_000_000_000,
          seatCount: SEATS_PER_SCHEDULE,
          price: SEAT_PRICE_WON,
        })),
      },
      BENCH_WAITING_ROOM,
      ctx,
    ),
    "the concert",
  );
  if (created?.type !== "ConcertCreated") {
    throw new Error("a concert is created by ConcertCreated");
  }
  const { concertId } = created;
  const scheduleIds = created.schedules.map((schedule) => schedule.scheduleId);
  const tokens = new Map<string, string>();
  for (const userId of new Set(plan.userIds.slice(0, holdsMax))) {
    const [issued] = apply(
      decideWaitingRoom(waitingRoomOf(state, concertId), { type: "IssueToken", concertId, userId }, ctx),
      "a token",
    );
    if (issued?.type !== "TokenIssued" || issued.expiresAtMs === null) {
      throw new Error(`${userId} was not admitted at once, so holds would be refused`);
    }
    tokens.set(userId, issued.token);
  }

  let holds = 0;
  const deadline = performance.now() + durationMs;
  const elapsedMs = timed(() => {
    while (holds < holdsMax && (holds % 1024 !== 0 || performance.now() < deadline)) {
      const scheduleId = scheduleIds[plan.scheduleIndex[holds] as number] as string;
      const access = decideTokenAccess(
        state,
        tokens.get(plan.userIds[holds] as string),
        concertId,
        undefined,
        ctx.nowMs,
      );
      const schedule = state.schedules.get(scheduleId);
      if (access.kind !== "granted" || schedule === undefined) {
        throw new Error(`the domain refused a hold's token (${access.kind}) or lost its schedule`);
      }
      const command = {
        type: "HoldSeats",
        userId: access.userId,
        seatNumbers: plan.seatNumbers[holds] as number[],
        holdTtlMs: HOLD_TTL_MS_DEFAULT,
      } as const;
      apply(decideSchedule(schedule, command, ctx), "a hold");
      holds += 1;
    }
  });
  return (elapsedMs * 1000) / holds;
}

/** One figure of a run, with its target when it has one. */
interface Figure {
  readonly name: string;
  readonly value: number;
  /** How the value prints, unit included. */
  readonly shown: string;
  readonly target?: { readonly relation: "≥" | "≤" | "<"; readonly limit: number; readonly shown: string };
  /** Absent for a figure given as information. */
  readonly pass?: boolean;
}

function figure(name: string, value: number, shown: string): Figure {
  return { name, value, shown };
}

function judged(figure: Figure, relation: "≥" | "≤" | "<", limit: number, shown: string): Figure {
  const pass =
    relation === "≥"
      ? figure.value >= limit
      : relation === "≤"
        ? figure.value <= limit
        : figure.value < limit;
  return { ...figure, target: { relation, limit, shown }, pass };
}

function verdict(figure: Figure): string {
  return figure.pass === undefined ? "info" : figure.pass ? "PASS" : "MISS";
}

/** What a run stores: every figure, where the time goes, and how and where it was measured. */
interface EngineBenchResult {
  readonly generatedAt: string;
  readonly command: string;
  readonly quick: boolean;
  readonly seed: number;
  readonly machine: MachineInfo;
  readonly figures: readonly Figure[];
  readonly whereTheTimeGoes: readonly string[];
}

/** Writes the run's results file and the latest one beside it; returns their paths. */
function writeResults(result: EngineBenchResult): string[] {
  const dir = result.quick ? QUICK_RESULTS_DIR : RESULTS_DIR;
  fs.mkdirSync(dir, { recursive: true });
  const stamp = result.generatedAt.replace(/[:.]/g, "-");
  const files = [path.join(dir, `engine-${stamp}.json`), path.join(dir, "engine-latest.json")];
  for (const file of files) {
    fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  }
  return files;
}

/** The hold runs of every round: the best run per writer and concurrency, and the ceilings beside them. */
interface HoldRuns {
  readonly ceiling: number;
  readonly payloadBytes: number;
  readonly rawSameBatch: ReadonlyMap<number, number>;
  readonly domainUs: number;
  /** By `${writer}/${concurrency}`. */
  readonly best: ReadonlyMap<string, HoldRun>;
}

/** Everything a run measures. */
interface Measured extends HoldRuns {
  readonly seatHeap: { heap: number; buffers: number } | undefined;
  readonly replay: ReplayFigures;
  readonly startUp: StartUpFigures;
  readonly holdHeap: { heap: number; buffers: number } | undefined;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "engine-bench-"));
  const benchStartMs = performance.now();
  const generatedAt = new Date().toISOString();
  try {
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const load = os
      .loadavg()
      .map((n) => formatNumber(n, 1))
      .join(" ");
    console.log(
      `engine bench${QUICK ? " (--quick: short runs, noisy figures)" : ""}: ${cpu}, ${os.cpus().length} cores, ` +
        `Node ${process.version}, load average ${load}, seed ${SEED}`,
    );
    console.log(
      `journal: WAL, synchronous=FULL, batch cap ${JOURNAL_BATCH_EVENTS_MAX} events; ` +
        `${SCHEDULES} schedules × ${formatNumber(SEATS_PER_SCHEDULE)} seats; holds of one random free seat, ` +
        `at most ${SEATS_PER_USER_PER_SCHEDULE_MAX} per user and schedule`,
    );
    console.log(
      `each hold run: a fresh journal and engine, up to ${formatNumber(HOLDS_PER_RUN_MAX)} holds or ${RUN_DURATION_MS} ms, ` +
        `no snapshot during the run; best of ${ROUNDS}, alternating with the raw inserts\n`,
    );

    // Heap first, while the heap holds nothing else of ours.
    const seatHeap = await measureSeatHeap(path.join(dir, "heap.db"));
    const plan = planHolds(HOLDS_PER_RUN_MAX, SEED);
    const runs = await measureHoldRuns(dir, plan);
    printHoldRuns(runs);

    // The journal the state figures are measured on: exactly STATE_HOLDS holds, however long they take.
    const statePath = path.join(dir, "state.db");
    const { run: stateRun, stagedSeq } = await holdRunOnFreshJournal(
      statePath,
      "inline",
      plan,
      TARGET_CONCURRENCY,
      STATE_HOLDS,
      STATE_RUN_DURATION_MS_MAX,
    );
    if (stateRun.holds !== STATE_HOLDS) {
      throw new Error(`the start-up journal got ${stateRun.holds} holds, not ${STATE_HOLDS}`);
    }
    const measured: Measured = {
      ...runs,
      seatHeap,
      replay: measureReplay(statePath),
      startUp: await measureStartUp(statePath),
      holdHeap: measureHoldHeap(statePath, stagedSeq),
    };
    printStateFigures(measured);

    const figures = figuresOf(measured);
    console.log(`\nfigures${QUICK ? " (--quick: short runs on a shared machine, noisy)" : ""}`);
    for (const f of figures) {
      const target = f.target === undefined ? "" : ` (target ${f.target.relation} ${f.target.shown})`;
      console.log(`  ${verdict(f).padEnd(4)}  ${f.name}: ${f.shown}${target}`);
    }
    const whereTheTimeGoes = whereTheTimeGoesOf(measured, figures);
    if (whereTheTimeGoes.length > 0) {
      console.log("\nwhere the time goes");
      for (const line of whereTheTimeGoes) {
        console.log(`  ${line}`);
      }
    }

    if (KEEP_JOURNAL_PATH !== undefined) {
      copyJournal(statePath, KEEP_JOURNAL_PATH);
      console.log(`kept the journal at ${KEEP_JOURNAL_PATH}`);
    }
    const args = process.argv.slice(2);
    const files = writeResults({
      generatedAt,
      command: ["npm run bench:engine", ...(args.length > 0 ? ["--", ...args] : [])].join(" "),
      quick: QUICK,
      seed: SEED,
      machine: machineInfo("WAL"),
      figures,
      whereTheTimeGoes,
    });
    console.log(`\nresults: ${files.map((file) => path.relative(process.cwd(), file)).join(", ")}`);
    console.log(`bench took ${formatNumber((performance.now() - benchStartMs) / 1000, 1)} s`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A warm-up run, then ROUNDS rounds of: the raw-insert ceiling, the domain alone, and for each
 * concurrency the raw inserts in batches of that size beside a hold run with each writer.
 */
async function measureHoldRuns(dir: string, plan: HoldPlan): Promise<HoldRuns> {
  // The warm-up compiles the hot paths and journals the payloads the ceiling inserts.
  const warmUpPath = path.join(dir, "warm-up.db");
  await holdRunOnFreshJournal(
    warmUpPath,
    "inline",
    plan,
    TARGET_CONCURRENCY,
    WARM_UP_HOLDS_MAX,
    WARM_UP_DURATION_MS,
  );
  const rawRows = seatsHeldRows(warmUpPath);
  removeJournal(warmUpPath);
  const payloadBytes = rawRows.reduce((sum, row) => sum + row.payload.byteLength, 0) / rawRows.length;

  const rawOptions = { rowsMax: HOLDS_PER_RUN_MAX, durationMs: RUN_DURATION_MS };
  let ceiling = 0;
  let domainUs = Number.POSITIVE_INFINITY;
  const rawSameBatch = new Map<number, number>();
  const best = new Map<string, HoldRun>();
  for (let round = 1; round <= ROUNDS; round++) {
    const ceilingPath = path.join(dir, `raw-ceiling-${round}.db`);
    ceiling = Math.max(
      ceiling,
      rawInsertsPerSecond(ceilingPath, rawRows, { ...rawOptions, batchEvents: JOURNAL_BATCH_EVENTS_MAX }),
    );
    removeJournal(ceilingPath);
    domainUs = Math.min(domainUs, domainMicrosecondsPerHold(plan, HOLDS_PER_RUN_MAX, RUN_DURATION_MS));
    for (const concurrency of CONCURRENCY_LEVELS) {
      const rawPath = path.join(dir, `raw-${concurrency}-${round}.db`);
      const raw = rawInsertsPerSecond(rawPath, rawRows, { ...rawOptions, batchEvents: concurrency });
      rawSameBatch.set(concurrency, Math.max(rawSameBatch.get(concurrency) ?? 0, raw));
      removeJournal(rawPath);
      for (const writer of WRITERS) {
        const journalPath = path.join(dir, `holds-${writer}-${concurrency}-${round}.db`);
        const { run } = await holdRunOnFreshJournal(
          journalPath,
          writer,
          plan,
          concurrency,
          HOLDS_PER_RUN_MAX,
          RUN_DURATION_MS,
        );
        removeJournal(journalPath);
        const key = `${writer}/${concurrency}`;
        const previous = best.get(key);
        if (previous === undefined || run.holdsPerSecond > previous.holdsPerSecond) {
          best.set(key, run);
        }
      }
    }
  }
  return { ceiling, payloadBytes, rawSameBatch, domainUs, best };
}

function printHoldRuns({ ceiling, payloadBytes, rawSameBatch, domainUs, best }: HoldRuns): void {
  console.log(
    `raw ceiling: ${formatNumber(ceiling)} rows/s (the same SeatsHeld payloads, ~${formatNumber(payloadBytes)} bytes, ` +
      `in batches of ${JOURNAL_BATCH_EVENTS_MAX}, same SQLite settings)`,
  );
  console.log(
    `domain alone (token check, decide + evolve of the same holds; no actors, no journal): ${formatNumber(domainUs, 2)} µs per hold\n`,
  );
  console.log(
    "writer  holders   holds/s  ×ceiling  ×raw@same-batch  p50 ms  p99 ms  events/commit  loop-delay p99 ms  main thread µs/hold",
  );
  for (const concurrency of CONCURRENCY_LEVELS) {
    for (const writer of WRITERS) {
      const r = best.get(`${writer}/${concurrency}`);
      if (r === undefined) {
        continue;
      }
      console.log(
        [
          writer.padEnd(6),
          String(concurrency).padStart(7),
          formatNumber(r.holdsPerSecond).padStart(9),
          formatNumber(r.holdsPerSecond / ceiling, 2).padStart(8),
          formatNumber(r.holdsPerSecond / (rawSameBatch.get(concurrency) ?? Number.NaN), 2).padStart(15),
          formatNumber(r.p50Ms, 2).padStart(6),
          formatNumber(r.p99Ms, 2).padStart(6),
          formatNumber(r.eventsPerCommit).padStart(13),
          formatNumber(r.loopDelayP99Ms, 2).padStart(17),
          `${formatNumber(mainThreadUsPerHold(r), 2)} (${formatNumber(r.mainThreadBusy * 100)} % busy)`.padStart(
            19,
          ),
        ].join("  "),
      );
    }
    console.log(
      `        raw inserts in batches of ${concurrency}: ${formatNumber(rawSameBatch.get(concurrency) ?? 0)} rows/s`,
    );
  }
}

function printStateFigures({ replay, startUp, seatHeap, holdHeap }: Measured): void {
  console.log(
    `\nreplay of ${formatNumber(replay.events)} events (recoverEngineState, useSnapshot: false): ` +
      `${formatNumber(replay.eventsPerSecond)} events/s`,
  );
  console.log(
    `snapshot of ${formatNumber(SEATS_TOTAL)} seats with ${formatNumber(startUp.holds)} holds on them: ${formatBytes(startUp.snapshotBytes, "MB")}; ` +
      `taking it blocked the event loop for ${formatNumber(startUp.snapshotPauseMs)} ms`,
  );
  console.log(
    `start-up from that snapshot: recoverEngineState ${formatNumber(startUp.recoverMs)} ms; ` +
      WRITERS.map(
        (writer) => `startEngine (${writer}) ${formatNumber(startUp.startEngineMs.get(writer) ?? 0)} ms`,
      ).join("; "),
  );
  if (seatHeap === undefined || holdHeap === undefined) {
    console.log("heap: not measured (run with --expose-gc, as `npm run bench:engine` does)");
  } else {
    console.log(
      `heap for ${formatNumber(SEATS_TOTAL)} seats: ${formatBytes(seatHeap.heap, "MB")} heap + ${formatBytes(seatHeap.buffers, "MB")} seat buffers; ` +
        `${formatNumber(STATE_HOLDS)} holds recovered from the snapshot: ${formatBytes(holdHeap.heap, "MB")} heap + ` +
        `${formatBytes(holdHeap.buffers, "MB")} typed arrays`,
    );
  }
}

/** Every figure of the run, judged against its target where it has one. */
function figuresOf(m: Measured): Figure[] {
  const figures: Figure[] = [];
  for (const writer of WRITERS) {
    const r = m.best.get(`${writer}/${TARGET_CONCURRENCY}`);
    const rate = r?.holdsPerSecond ?? 0;
    const what = `durable holds (${writer}, ${formatNumber(TARGET_CONCURRENCY)} holders)`;
    const mainUs = r === undefined ? Number.NaN : mainThreadUsPerHold(r);
    figures.push(
      judged(
        figure(`${what}/s`, rate, `${formatNumber(rate)}/s`),
        "≥",
        HOLDS_PER_SECOND_MIN,
        `${formatNumber(HOLDS_PER_SECOND_MIN)}/s`,
      ),
      judged(
        figure(`${what} × raw-insert ceiling`, rate / m.ceiling, `${formatNumber(rate / m.ceiling, 2)} ×`),
        "≥",
        HOLDS_CEILING_RATIO_MIN,
        `${HOLDS_CEILING_RATIO_MIN} ×`,
      ),
      judged(
        figure(
          `main-thread time per durable hold (${writer}, ${formatNumber(TARGET_CONCURRENCY)} holders)`,
          mainUs,
          `${formatNumber(mainUs, 2)} µs`,
        ),
        "≤",
        MAIN_THREAD_US_PER_HOLD_MAX,
        `${MAIN_THREAD_US_PER_HOLD_MAX} µs`,
      ),
    );
  }
  const fewest = CONCURRENCY_LEVELS[0];
  for (const writer of WRITERS) {
    const r = m.best.get(`${writer}/${fewest}`);
    if (r !== undefined) {
      figures.push(
        figure(
          `send → durable answer (${writer}, ${fewest} holders), p50 / p99`,
          r.p99Ms,
          `${formatNumber(r.p50Ms, 2)} / ${formatNumber(r.p99Ms, 2)} ms`,
        ),
      );
    }
  }
  figures.push(
    figure("raw-insert ceiling", m.ceiling, `${formatNumber(m.ceiling)} rows/s`),
    figure(
      "domain alone: token check, decide + evolve",
      m.domainUs,
      `${formatNumber(m.domainUs, 2)} µs per hold`,
    ),
    judged(
      figure(
        `replay of ${formatNumber(m.replay.events)} events`,
        m.replay.eventsPerSecond,
        `${formatNumber(m.replay.eventsPerSecond)} events/s`,
      ),
      "≥",
      REPLAY_EVENTS_PER_SECOND_MIN,
      `${formatNumber(REPLAY_EVENTS_PER_SECOND_MIN)} events/s`,
    ),
    judged(
      figure(
        `start-up from a snapshot of ${formatNumber(SEATS_TOTAL)} seats and ${formatNumber(m.startUp.holds)} holds, slowest writer`,
        slowestStartMs(m.startUp),
        `${formatNumber(slowestStartMs(m.startUp))} ms`,
      ),
      "<",
      STARTUP_MS_MAX,
      `${formatNumber(STARTUP_MS_MAX)} ms`,
    ),
    figure(
      "event-loop pause while taking that snapshot",
      m.startUp.snapshotPauseMs,
      `${formatNumber(m.startUp.snapshotPauseMs)} ms`,
    ),
  );
  if (m.holdHeap !== undefined) {
    const bytesPerHold = (m.holdHeap.heap + m.holdHeap.buffers) / STATE_HOLDS;
    figures.push(
      judged(
        figure(
          "heap per live hold (V8 heap + typed arrays)",
          bytesPerHold,
          `${formatNumber(bytesPerHold)} B`,
        ),
        "≤",
        HEAP_BYTES_PER_HOLD_MAX,
        `${HEAP_BYTES_PER_HOLD_MAX} B`,
      ),
    );
  }
  if (m.seatHeap !== undefined) {
    const seatBytes = m.seatHeap.heap + m.seatHeap.buffers;
    figures.push(
      judged(
        figure(`heap for ${formatNumber(SEATS_TOTAL)} seats`, seatBytes, formatBytes(seatBytes, "MB")),
        "≤",
        SEATS_HEAP_BYTES_MAX,
        formatBytes(SEATS_HEAP_BYTES_MAX, "MB"),
      ),
    );
  }
  return figures;
}

/** For each target missed, where its time goes, per stage. */
function whereTheTimeGoesOf(m: Measured, figures: readonly Figure[]): string[] {
  const lines: string[] = [];
  for (const writer of WRITERS) {
    const r = m.best.get(`${writer}/${TARGET_CONCURRENCY}`);
    const missed = figures.some((f) => f.pass === false && f.name.includes(`(${writer},`));
    if (missed && r !== undefined) {
      lines.push(holdsBreakdown(writer, r, m.domainUs, m.ceiling));
    }
  }
  const { replay, startUp } = m;
  if (replay.eventsPerSecond < REPLAY_EVENTS_PER_SECOND_MIN) {
    const perEventUs = (ms: number): string => formatNumber((ms * 1000) / replay.events, 2);
    lines.push(
      `replay: ${perEventUs(replay.totalMs)} µs per event = ${perEventUs(replay.readMs)} µs reading and ` +
        `decoding the rows (the journal reader alone) + ${perEventUs(replay.totalMs - replay.readMs)} µs ` +
        `folding them into the state (evolveEngine)`,
    );
  }
  if (slowestStartMs(startUp) >= STARTUP_MS_MAX) {
    lines.push(
      `start-up: ${formatNumber(startUp.recoverMs)} ms recovering the state (decoding a ${formatBytes(startUp.snapshotBytes, "MB")} ` +
        `snapshot and rebuilding its lookups); the rest is opening the journal (starting the writer thread) and starting the actors`,
    );
  }
  return lines;
}

function slowestStartMs(startUp: StartUpFigures): number {
  return Math.max(...startUp.startEngineMs.values());
}

/** The main thread's busy time per hold of a run: the share of the run it was busy, per hold. */
function mainThreadUsPerHold(r: HoldRun): number {
  return (r.mainThreadBusy * 1e6) / r.holdsPerSecond;
}

/**
 * Splits the main thread's time per hold into what the measurements in this run can tell apart: the
 * domain alone, the raw insert (on the main thread only with the inline writer), and the rest, which is
 * the actors, the journal's checks, encoding and bookkeeping, the promises, and their garbage.
 */
function holdsBreakdown(writer: JournalWriter, r: HoldRun, domainUs: number, ceiling: number): string {
  const mainUs = mainThreadUsPerHold(r);
  const insertUs = writer === "inline" ? 1e6 / ceiling : 0;
  const restUs = mainUs - domainUs - insertUs;
  const share = (us: number): string => `${formatNumber((100 * us) / mainUs)} %`;
  const insert =
    writer === "inline"
      ? `${formatNumber(insertUs, 2)} µs the SQLite insert (${share(insertUs)}), `
      : "the SQLite insert runs on the writer thread, ";
  return (
    `holds (${writer}): ${formatNumber(mainUs, 2)} µs of main-thread time per hold = ${formatNumber(domainUs, 2)} µs domain ` +
    `token check, decide + evolve (${share(domainUs)}), ${insert}${formatNumber(restUs, 2)} µs actors + journal encoding and ` +
    `bookkeeping + promises + GC (${share(restUs)}); ${formatNumber(r.eventsPerCommit)} events per commit`
  );
}

interface ReplayFigures {
  readonly events: number;
  readonly eventsPerSecond: number;
  readonly totalMs: number;
  /** Reading and decoding alone (the journal reader with nothing folded), for "where the time goes". */
  readonly readMs: number;
}

/** Full replay from an empty state, as `journal verify` does; best of ROUNDS. */
function measureReplay(journalPath: string): ReplayFigures {
  let best: ReplayFigures | undefined;
  for (let round = 1; round <= ROUNDS; round++) {
    collectGarbage();
    const recovered = recoverEngineState(journalPath, { useSnapshot: false, resumeAtMs: Date.now() });
    const reader = openJournalReader(journalPath);
    const readStartMs = performance.now();
    let read = 0;
    // What recovery reads with, so that the difference is the fold alone.
    const events = reader.replay(0);
    while (events.next().done !== true) {
      read += 1;
    }
    const readMs = performance.now() - readStartMs;
    reader.close();
    if (read !== recovered.eventsReplayed) {
      throw new Error(`replay folded ${recovered.eventsReplayed} events but the journal holds ${read}`);
    }
    const figures = {
      events: recovered.eventsReplayed,
      eventsPerSecond: (recovered.eventsReplayed / recovered.durationMs) * 1000,
      totalMs: recovered.durationMs,
      readMs,
    };
    if (best === undefined || figures.eventsPerSecond > best.eventsPerSecond) {
      best = figures;
    }
  }
  if (best === undefined) {
    throw new Error("replay was not measured");
  }
  return best;
}

interface StartUpFigures {
  readonly holds: number;
  readonly snapshotBytes: number;
  readonly snapshotPauseMs: number;
  readonly recoverMs: number;
  readonly startEngineMs: Map<JournalWriter, number>;
}

/**
 * Takes a snapshot of the journal's state (1,000,000 seats and the holds on them), timing how long
 * taking it blocks the event loop; then times start-up from it, with each writer.
 */
async function measureStartUp(journalPath: string): Promise<StartUpFigures> {
  const engine = await startEngine(engineOptions(journalPath, "inline"));
  let snapshotPauseMs: number;
  try {
    collectGarbage();
    const pauseStartMs = performance.now();
    // Whatever `snapshot()` does before it returns blocks the event loop; the rest does not.
    const written = engine.snapshot();
    snapshotPauseMs = performance.now() - pauseStartMs;
    if ((await written) === undefined) {
      throw new Error("the snapshot failed");
    }
  } finally {
    await engine.stop();
  }
  const reader = openJournalReader(journalPath);
  const newest = reader.snapshots()[0];
  reader.close();
  if (newest === undefined) {
    throw new Error("the journal holds no snapshot");
  }

  let recoverMs = Number.POSITIVE_INFINITY;
  let holds = 0;
  const startEngineMs = new Map<JournalWriter, number>();
  for (let round = 1; round <= ROUNDS; round++) {
    collectGarbage();
    const recovered = recoverFromSnapshot(journalPath, newest.seq);
    recoverMs = Math.min(recoverMs, recovered.durationMs);
    holds = recovered.holds;
    for (const writer of WRITERS) {
      collectGarbage();
      const startMs = performance.now();
      const started = await startEngine(engineOptions(journalPath, writer));
      const elapsedMs = performance.now() - startMs;
      await started.stop();
      startEngineMs.set(writer, Math.min(startEngineMs.get(writer) ?? Number.POSITIVE_INFINITY, elapsedMs));
    }
  }
  return { holds, snapshotBytes: newest.bytes, snapshotPauseMs, recoverMs, startEngineMs };
}

/** Times `recoverEngineState` from the snapshot at `snapshotSeq`; the state is dropped on return. */
function recoverFromSnapshot(
  journalPath: string,
  snapshotSeq: number,
): { durationMs: number; holds: number } {
  const recovered = recoverEngineState(journalPath, { resumeAtMs: Date.now() });
  if (recovered.snapshotSeq !== snapshotSeq || recovered.eventsReplayed !== 0) {
    throw new Error("start-up did not come from the newest snapshot alone");
  }
  let holds = 0;
  for (const schedule of recovered.state.schedules.values()) {
    holds += schedule.holds.count;
  }
  return { durationMs: recovered.durationMs, holds };
}

/**
 * Memory held by the holds of the journal, as a start-up recovers them from its snapshot: the recovered
 * state less the state before the holds (the concert, its seats and the queue tokens, `stagedSeq`),
 * replayed. The V8 heap is measured after a full collection; the typed arrays are counted in the state
 * itself, because the process's ArrayBuffer total also counts buffers the state does not hold (msgpackr
 * keeps the last payload it decoded, the whole snapshot, until it decodes another). Undefined without
 * `--expose-gc`.
 */
function measureHoldHeap(
  journalPath: string,
  stagedSeq: number,
): { heap: number; buffers: number } | undefined {
  const staged = retainedBy(
    () =>
      recoverEngineState(journalPath, { useSnapshot: false, toSeq: stagedSeq, resumeAtMs: Date.now() }).state,
  );
  const held = retainedBy(() => recoverEngineState(journalPath, { resumeAtMs: Date.now() }).state);
  if (staged === undefined || held === undefined) {
    return undefined;
  }
  return { heap: held.heap - staged.heap, buffers: held.buffers - staged.buffers };
}

/** The V8 heap that what `make` returns retains, and the bytes of the typed arrays in it. */
function retainedBy(make: () => object): { heap: number; buffers: number } | undefined {
  const before = retainedBytes();
  const kept = make();
  const after = retainedBytes();
  if (before === undefined || after === undefined) {
    return undefined;
  }
  return { heap: after.heap - before.heap, buffers: typedArrayBytes(kept, new Set()) };
}

/** The bytes of every typed array reachable from `value` through objects, arrays and Maps. */
function typedArrayBytes(value: unknown, seen: Set<object>): number {
  if (typeof value !== "object" || value === null || seen.has(value)) {
    return 0;
  }
  seen.add(value);
  if (ArrayBuffer.isView(value)) {
    return value.byteLength;
  }
  const children: unknown[] =
    value instanceof Map ? [...value.keys(), ...value.values()] : Object.values(value);
  return children.reduce<number>((bytes, child) => bytes + typedArrayBytes(child, seen), 0);
}

await main();
