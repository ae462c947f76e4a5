import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { nanoid } from "nanoid";
import { SimulatedClock } from "../../src/actors/clock.ts";
import { startEngine, type Engine, type EngineOptions } from "../../src/actors/engine.ts";
import type { EngineState } from "../../src/engine/engine-state.ts";
import { createApp, type App } from "../../src/http/app.ts";
import { registerEngineMetrics } from "../../src/http/engine-metrics.ts";
import { HttpMetrics } from "../../src/http/metrics.ts";

/**
 * The engine and its HTTP app in process, as src/main.ts wires them, for the fault and fuzz tests:
 * a simulated clock (nothing fires unless a test moves it, so state changes only by request) and a
 * record of what the app logged as unexpected.
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
  request(method: string, url: string, options?: RequestOptions): Promise<Answer>;
  /** The engine's live state (through its private runtime, as the other suites do). */
  state(): EngineState;
  /** The seq of the last appended event: any change to the state appends one. */
  appendedSeq(): number;
  stop(): Promise<void>;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly key?: string;
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: unknown;
}

export type AppEngineOptions = Partial<Omit<EngineOptions, "databasePath" | "clock">>;

/**
 * A temporary directory in memory where the machine has one (/dev/shm), for tests where durability
 * is not under test and an fsync per commit would only make them slow; elsewhere the usual one.
 */
export function memoryTempDir(prefix: string): string {
  const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  return fs.mkdtempSync(path.join(base, prefix));
}

export async function startAppEngine(
  databasePath: string,
  options: AppEngineOptions = {},
): Promise<AppEngine> {
  const clock = new SimulatedClock(T0_MS);
  const engine = await startEngine({
    databasePath,
    clock,
    newId: () => nanoid(),
    holdTtlMs: 300_000,
    mailboxDepthMax: 10_000,
    snapshotEveryEvents: 1_000_000,
    journalWriter: "inline",
    waitingRoom: {
      maxActive: 1_000,
      admitBatch: 100,
      admitIntervalMs: 1_000,
      activeTtlMs: 600_000,
      waitIdleTtlMs: 300_000,
    },
    ...options,
  });
  const metrics = new HttpMetrics();
  registerEngineMetrics(metrics, engine);
  const logged: unknown[] = [];
  const app = createApp({
    engine,
    metrics,
    adminToken: ADMIN_TOKEN,
    startedAtMs: Date.now(),
    logError: (error) => logged.push(error),
  });
  const runtime = engine["runtime"];
  return {
    engine,
    app,
    clock,
    logged,
    async request(method, url, { body, token, key } = {}) {
      const headers: Record<string, string> = {};
      if (token !== undefined) {
        headers.authorization = `Bearer ${token}`;
      }
      if (key !== undefined) {
        headers["idempotency-key"] = key;
      }
      if (body !== undefined) {
        headers["content-type"] = "application/json";
      }
      const response = await app.request(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text.length > 0 ? (JSON.parse(text) as unknown) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, text, body: parsed };
    },
    state: () => runtime.state,
    appendedSeq: () => runtime.journal.lastAppendedSeq,
    stop: () => engine.stop(),
  };
}
