/**
 * What every scenario shares: options, results, targets, and the life cycle of one measurement:
 * start the engine on a fresh journal, set up data, check each endpoint and capture its reply, start
 * the baseline with those replies, check it answers the same way, alternate, stop both.
 */
import type { BaselineRoute } from "./baseline-server.ts";
import { startEngine } from "./engine-process.ts";
import type { EngineProcess, EngineShutdown } from "./engine-process.ts";
import { ApiClient } from "./http-client.ts";
import { alternate, BenchFailure } from "./measure.ts";
import type { Comparison, EngineCase, Workload } from "./measure.ts";
import { startBaseline } from "./server-process.ts";
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
  comparison: ">=" | "<=";
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

/** One request a scenario sends to check an endpoint before timing, and whose reply the baseline repeats. */
export interface Probe {
  method: BaselineRoute["method"];
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
  route: BaselineRoute;
  bytes: number;
}

/** Sends a probe to the engine, insists on its status, and keeps the reply for the baseline. */
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

/** The baseline must answer every captured route with the engine's status and the same number of bytes. */
async function checkBaseline(baseline: ServerProcess, routes: readonly CapturedRoute[]): Promise<string[]> {
  const api = new ApiClient(baseline.baseUrl);
  const warnings: string[] = [];
  try {
    for (const { probe, bytes } of routes) {
      const reply = await api.expect(probe.status, probe.method, probe.path, {
        ...(probe.body === undefined ? {} : { body: probe.body }),
        ...(probe.headers === undefined ? {} : { headers: probe.headers }),
      });
      const baselineBytes = Buffer.byteLength(reply.text);
      if (baselineBytes !== bytes) {
        warnings.push(
          `baseline ${probe.method} ${probe.pattern} answers ${baselineBytes} bytes, the engine ${bytes}`,
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
  baselineWorkload: Workload;
  cases: EngineCase[];
  /** Work on the engine before the alternation, e.g. finding the open-loop rate from its maximum. */
  before?: (engine: EngineProcess) => Promise<{ overallRate: number; figures: Record<string, number> }>;
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
  let baseline: ServerProcess | undefined;
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
    baseline = await startBaseline(prepared.routes.map((captured) => captured.route));
    warnings.push(...(await checkBaseline(baseline, prepared.routes)));
    const before = await prepared.before?.(engine);
    figures = { ...prepared.figures, ...before?.figures };
    comparisons = await alternate(baseline, prepared.baselineWorkload, engine, prepared.cases, {
      durationS: options.durationS,
      connections: options.connections,
      warmupS: options.warmupS,
      log: options.log,
      ...(before === undefined ? {} : { overallRate: before.overallRate }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const baselineLog = baseline?.exited === true ? `\n  baseline output:\n${baseline.logTail()}` : "";
    throw new BenchFailure(`${message}\n  engine output (last lines):\n${engine.logTail()}${baselineLog}`);
  } finally {
    await baseline?.stop();
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
