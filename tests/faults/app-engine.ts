import { SimulatedClock } from "../../src/actors/clock.ts";
import type { Engine } from "../../src/actors/engine.ts";
import type { EngineOptions } from "../../src/actors/start-engine.ts";
import type { EngineState } from "../../src/engine/engine-state.ts";
import type { App } from "../../src/http/app.ts";
import { readResult, requestInit, type HttpResult, type RequestOptions } from "../../support/http.ts";
import { startEngineApp } from "../support/app-harness.ts";
import { testEngineOptions } from "../support/test-engine.ts";

/**
 * The engine and its HTTP app in process, as src/main.ts wires them, for the fault and fuzz tests:
 * a simulated clock (nothing fires unless a test moves it, so state changes only by request) and a
 * record of what the app logged as unexpected. Unlike the contract suites' harness, it runs on a
 * journal file the test names (a damaged copy, a full disk) and counts no 5xx as an error of its own:
 * the fault tests expect 503s.
 */

/** 2030-01-01T00:00:00Z: a fixed start, so every run journals the same times. */
export const T0_MS = Date.UTC(2030, 0, 1);
export const ADMIN_TOKEN = "faults-admin-token";

export interface AppEngine {
  readonly engine: Engine;
  readonly app: App;
  readonly clock: SimulatedClock;
  /** Errors the app logged as unexpected; a client mistake must never land here. */
  readonly logged: unknown[];
  request(method: string, url: string, options?: RequestOptions): Promise<HttpResult>;
  /** The engine's live state (through its private runtime, as the other suites do). */
  state(): EngineState;
  /** The seq of the last appended event: any change to the state appends one. */
  appendedSeq(): number;
  stop(): Promise<void>;
}

export type AppEngineOptions = Partial<Omit<EngineOptions, "databasePath" | "clock">>;

export async function startAppEngine(
  databasePath: string,
  options: AppEngineOptions = {},
): Promise<AppEngine> {
  const clock = new SimulatedClock(T0_MS);
  const logged: unknown[] = [];
  const { engine, app } = await startEngineApp(testEngineOptions(databasePath, clock, options), {
    adminToken: ADMIN_TOKEN,
    logError: (error) => logged.push(error),
  });
  const runtime = engine["runtime"];
  return {
    engine,
    app,
    clock,
    logged,
    request: async (method, url, requestOptions) =>
      readResult(await app.request(url, requestInit(method, requestOptions))),
    state: () => runtime.state,
    appendedSeq: () => runtime.journal.lastAppendedSeq,
    stop: () => engine.stop(),
  };
}
