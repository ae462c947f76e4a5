/**
 * What every scenario shares: options, results, targets, and the life cycle of one measurement:
 * start the engine on a fresh journal, set up data, check each endpoint and capture its reply, start
 * the two ceilings (bare Hono, raw node:http) with those replies, check they answer the same way,
 * alternate, stop all three.
 */
import type { CeilingRoute } from "./ceiling-routes.ts";
import { startEngine } from "./engine-process.ts";
import type { EngineProcess, EngineShutdown } from "./engine-process.ts";
import { ApiClient } from "./http-client.ts";
import { alternate, BenchFailure, SIDE_NAMES } from "./measure.ts";
import type { Ceilings, Comparison, EngineCase, Workload } from "./measure.ts";
import { startCeiling } from "./server-process.ts";
import type { ServerProcess } from "./server-process.ts";

export interface BenchOptions {
  /** Seconds per timed round. */
  durationS: number;
  warmupS: number;
  connections: number;
  /** CI mode: short rounds, smaller data, targets shown but never enforced. */
  quick: boolean;
  engineCommand: readonly string[];
  log: (line: string) => void;
}

export interface TargetCheck {
  description: string;
  value: number;
  /** "reported": a figure shown for what it is, with no target (it always passes). */
  comparison: ">=" | "<=" | "reported";
  threshold: number;
  unit: string;
  pass: boolean;
}

export interface ScenarioResult {
  name: string;
  description: string;
  comparisons: Comparison[];
  /** Figures beyond the comparison, e.g. bookings per second or the offered rate. */
  figures: Record<string, number>;
  targets: TargetCheck[];
  warnings: string[];
  engine?: EngineShutdown;
  /** Set when the scenario failed (unexpected status, error, set-up failure). */
  failure?: string;
}

export interface Scenario {
  name: string;
  description: string;
  run(options: BenchOptions): Promise<ScenarioResult>;
}

export function target(
  description: string,
  value: number,
  comparison: ">=" | "<=",
  threshold: number,
  unit = "×",
): TargetCheck {
  const pass = comparison === ">=" ? value >= threshold : value <= threshold;
  return { description, value, comparison, threshold, unit, pass: Number.isFinite(value) && pass };
}

/** A figure reported beside the targets, with none of its own. */
export function reported(description: string, value: number, unit = "×"): TargetCheck {
  return { description, value, comparison: "reported", threshold: Number.NaN, unit, pass: true };
}

/** What the chart looks for: the engine's throughput over bare Hono's, the figure most targets are set on. */
export const THROUGHPUT_VS_BASELINE = "throughput vs bare Hono";

/** The engine / bare Hono throughput of a case, against a target ratio or only reported. */
export function throughputTarget(
  comparison: Comparison | undefined,
  threshold: number | "reported",
): TargetCheck {
  const ratio = comparison?.ratio.throughput ?? Number.NaN;
  return threshold === "reported"
    ? reported(THROUGHPUT_VS_BASELINE, ratio)
    : target(THROUGHPUT_VS_BASELINE, ratio, ">=", threshold);
}

/**
 * How far past the engine the load generator must drive raw node:http in the same scenario: below
 * this, the engine's figure could be the generator's.
 */
export const GENERATOR_HEADROOM_MIN = 1.5;

/** The load generator's proof for a closed-loop scenario: raw node:http / the engine's best case. */
export function generatorTarget(comparisons: readonly Comparison[]): TargetCheck {
  const best = comparisons.reduce<Comparison | undefined>(
    (found, each) => (found === undefined || each.engine.rps > found.engine.rps ? each : found),
    undefined,
  );
  return target(
    `load generator (${best?.raw.generator ?? "–"}): ${SIDE_NAMES.raw} / the engine's best`,
    best?.generatorHeadroom ?? Number.NaN,
    ">=",
    GENERATOR_HEADROOM_MIN,
  );
}

/** One request a scenario sends to check an endpoint before timing, and whose reply the ceilings repeat. */
export interface Probe {
  method: CeilingRoute["method"];
  /** The engine's route pattern, e.g. `/api/v1/schedules/:scheduleId/seats`. */
  pattern: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** The status the engine must answer. */
  status: number;
}

export interface CapturedRoute {
  probe: Probe;
  route: CeilingRoute;
  bytes: number;
}

/** Sends a probe to the engine, insists on its status, and keeps the reply for the ceilings. */
export async function capture(api: ApiClient, probe: Probe): Promise<CapturedRoute> {
  const reply = await api.expect(probe.status, probe.method, probe.path, {
    ...(probe.body === undefined ? {} : { body: probe.body }),
    ...(probe.headers === undefined ? {} : { headers: probe.headers }),
  });
  if (reply.json === undefined) {
    throw new Error(`${probe.method} ${probe.path}: the reply is not JSON: ${reply.text.slice(0, 200)}`);
  }
  return {
    probe,
    route: { method: probe.method, path: probe.pattern, status: probe.status, body: reply.json },
    bytes: Buffer.byteLength(reply.text),
  };
}

/** A ceiling must answer every captured route with the engine's status and the same number of bytes. */
async function checkCeiling(ceiling: ServerProcess, routes: readonly CapturedRoute[]): Promise<string[]> {
  const api = new ApiClient(ceiling.baseUrl);
  const warnings: string[] = [];
  try {
    for (const { probe, bytes } of routes) {
      const reply = await api.expect(probe.status, probe.method, probe.path, {
        ...(probe.body === undefined ? {} : { body: probe.body }),
        ...(probe.headers === undefined ? {} : { headers: probe.headers }),
      });
      const ceilingBytes = Buffer.byteLength(reply.text);
      if (ceilingBytes !== bytes) {
        warnings.push(
          `${ceiling.name} ${probe.method} ${probe.pattern} answers ${ceilingBytes} bytes, the engine ${bytes}`,
        );
      }
    }
  } finally {
    api.close();
  }
  return warnings;
}

/** What a scenario prepares on a running engine before anything is timed. */
export interface Prepared {
  routes: CapturedRoute[];
  /** What both ceilings are sent. */
  ceilingWorkload: Workload;
  cases: EngineCase[];
  /** Work on the engine before the alternation, e.g. finding the open-loop rate from its maximum. */
  before?: (engine: EngineProcess) => Promise<{ ratePerS: number; figures: Record<string, number> }>;
  figures?: Record<string, number>;
}

export interface Measured {
  comparisons: Comparison[];
  figures: Record<string, number>;
  warnings: string[];
  engine: EngineShutdown;
}

/**
 * The whole life cycle of one scenario's measurement. Both child processes are stopped whatever
 * happens; an engine that does not exit 0 on SIGTERM is reported (the HTTP contract says it must).
 */
export async function measureScenario(
  options: BenchOptions,
  engineEnv: Record<string, string>,
  prepare: (engine: EngineProcess, api: ApiClient) => Promise<Prepared>,
): Promise<Measured> {
  const warnings: string[] = [];
  const engine = await startEngine(options.engineCommand, engineEnv);
  const started: ServerProcess[] = [];
  let comparisons: Comparison[] = [];
  let figures: Record<string, number> = {};
  let shutdown: EngineShutdown | undefined;
  try {
    const api = new ApiClient(engine.baseUrl);
    const setupStartedMs = Date.now();
    let prepared: Prepared;
    try {
      prepared = await prepare(engine, api);
    } finally {
      api.close();
    }
    options.log(`  set-up and endpoint checks took ${((Date.now() - setupStartedMs) / 1000).toFixed(1)} s`);
    const routes = prepared.routes.map((captured) => captured.route);
    // Each one is kept as soon as it runs, so it is stopped whatever fails next.
    const start = async (side: keyof Ceilings): Promise<ServerProcess> => {
      const server = await startCeiling(side, routes);
      started.push(server);
      return server;
    };
    const ceilings: Ceilings = { baseline: await start("baseline"), raw: await start("raw") };
    for (const ceiling of started) {
      warnings.push(...(await checkCeiling(ceiling, prepared.routes)));
    }
    const before = await prepared.before?.(engine);
    figures = { ...prepared.figures, ...before?.figures };
    comparisons = await alternate(ceilings, prepared.ceilingWorkload, engine, prepared.cases, {
      durationS: options.durationS,
      connections: options.connections,
      warmupS: options.warmupS,
      log: options.log,
      ...(before === undefined ? {} : { ratePerS: before.ratePerS }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const ceilingLogs = started
      .filter((ceiling) => ceiling.exited)
      .map((ceiling) => `\n  ${ceiling.name} output:\n${ceiling.logTail()}`)
      .join("");
    throw new BenchFailure(`${message}\n  engine output (last lines):\n${engine.logTail()}${ceilingLogs}`);
  } finally {
    for (const ceiling of started) {
      await ceiling.stop();
    }
    const engineAlive = !engine.exited;
    shutdown = await engine.stopAndClean();
    if (engineAlive && shutdown.exitCode !== 0) {
      warnings.push(
        `contract: the engine exited with code ${String(shutdown.exitCode)} on SIGTERM (expected 0)`,
      );
    }
  }
  return { comparisons, figures, warnings, engine: shutdown };
}

/** Runs a scenario body and turns any failure into a failed result instead of an exception. */
export async function guarded(
  name: string,
  description: string,
  body: () => Promise<Omit<ScenarioResult, "name" | "description">>,
): Promise<ScenarioResult> {
  try {
    return { name, description, ...(await body()) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { name, description, comparisons: [], figures: {}, targets: [], warnings: [], failure: message };
  }
}
