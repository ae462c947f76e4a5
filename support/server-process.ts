import type { ChildProcess } from "node:child_process";
import {
  runToExit,
  spawnTsx,
  watchChild,
  type ChildExit,
  type ChildResult,
  type WatchedChild,
} from "./child-process.ts";
import { readResult, requestInit, type HttpResult, type RequestOptions } from "./http.ts";

/**
 * The server as users run it: `src/main.ts` in a child process, configured only through its
 * environment, on 127.0.0.1 and a port the OS picks. Every child is tracked so a test can kill
 * whatever it left running. The loopback and fault tests, the crash loop and the soak all use it.
 */

export const SERVER_ENTRY = "src/main.ts";
/** How long a child may take to print that it is listening (tsx compiles on start). */
const START_TIMEOUT_MS = 30_000;
/** How long a child may take to exit after a signal (a SIGTERM flushes the journal) before it is SIGKILLed. */
const STOP_TIMEOUT_MS = 20_000;
/** How long a server that should refuse to start may take to fail, before it is SIGKILLed. */
const REFUSAL_TIMEOUT_MS = 30_000;
/** Output kept per child, so a chatty server (`--trace-gc` in the soak) cannot grow memory without bound. */
const OUTPUT_CHARS_MAX = 64 * 1024;

export interface ServerOptions {
  /** Added to (and overriding) the defaults: loopback, port 0, no demo data, no drain delay. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs the server as another user (root only), e.g. to make a file unwritable for it. */
  readonly uid?: number;
  readonly gid?: number;
  /** The checkout the server runs from: REPO_ROOT unless told (a copy another user can reach, say). */
  readonly cwd?: string;
  /** Extra Node options before the entry (e.g. `--trace-gc` for the soak). */
  readonly nodeArgs?: readonly string[];
  /** Called with every whole line the server prints on stdout. */
  readonly onLine?: (line: string) => void;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  /** Everything printed so far (the latest OUTPUT_CHARS_MAX), stdout and stderr interleaved. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<ChildExit>;
  /** Sends a signal (SIGTERM unless told) and waits for the exit, with SIGKILL if it overstays. */
  stop(signal?: NodeJS.Signals): Promise<ChildExit>;
}

const running = new Set<ChildProcess>();

/**
 * Only what a server needs from the parent's environment: a developer's own ADMIN_TOKEN, PORT or
 * DATABASE_PATH must not leak into a test.
 */
function serverEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "SystemRoot"]) {
    const value = process.env[name];
    if (value !== undefined) {
      base[name] = value;
    }
  }
  // No drain delay on SIGTERM: no balancer watches a test's server, and every stop would wait for it.
  // The drain itself is tested with DRAIN_DELAY_MS set.
  return { ...base, HOST: "127.0.0.1", PORT: "0", SEED_DEMO: "false", DRAIN_DELAY_MS: "0", ...env };
}

function spawnServer(options: ServerOptions, onLine?: (line: string) => void): WatchedChild {
  const { nodeArgs, uid, gid, cwd } = options;
  const child = spawnTsx(SERVER_ENTRY, { env: serverEnv(options.env), nodeArgs, uid, gid, cwd });
  running.add(child);
  const watched = watchChild(child, { outputCharsMax: OUTPUT_CHARS_MAX, onLine });
  const forget = (): void => {
    running.delete(child);
  };
  void watched.exited.then(forget, forget);
  return watched;
}

/** How often a server on a fixed port is probed while it starts. */
const START_PROBE_INTERVAL_MS = 100;

/**
 * Resolves with the base URL once a server on a fixed port answers GET /health, for a server that
 * logs nothing at its LOG_LEVEL; stops trying once `settled()` says the start is decided either way.
 */
async function probeUntilServing(port: number, settled: () => boolean): Promise<string> {
  const baseUrl = `http://127.0.0.1:${port}`;
  while (!settled()) {
    try {
      const answer = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      await answer.arrayBuffer();
      return baseUrl;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, START_PROBE_INTERVAL_MS));
    }
  }
  return baseUrl;
}

/**
 * Starts the server and resolves once it prints the address it listens on or, when `env.PORT` names
 * a fixed port, once that port answers (a server at LOG_LEVEL=silent prints nothing).
 */
export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  let listening: (baseUrl: string) => void = () => undefined;
  const { child, output, exited } = spawnServer(options, (line) => {
    const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
    if (match?.[1] !== undefined) {
      listening(match[1]);
    }
    options.onLine?.(line);
  });
  let timer: NodeJS.Timeout | undefined;
  let baseUrl: string;
  let starting = true;
  try {
    baseUrl = await new Promise<string>((resolve, reject) => {
      listening = resolve;
      const fixedPort = Number(options.env.PORT ?? "0");
      if (fixedPort > 0) {
        void probeUntilServing(fixedPort, () => !starting).then(resolve);
      }
      timer = setTimeout(
        () => reject(new Error(`the server did not start within ${START_TIMEOUT_MS} ms:\n${output()}`)),
        START_TIMEOUT_MS,
      );
      exited.then(
        (exit) =>
          reject(new Error(`the server exited (${exit.code ?? exit.signal}) before listening:\n${output()}`)),
        reject,
      );
    });
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  } finally {
    starting = false;
    clearTimeout(timer);
  }
  return {
    child,
    port: Number(new URL(baseUrl).port),
    baseUrl,
    output,
    exited,
    async stop(signal = "SIGTERM") {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      const overstay = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      try {
        return await exited;
      } finally {
        clearTimeout(overstay);
      }
    },
  };
}

/**
 * Runs the server expecting it to stop by itself (a bad configuration, a journal it may not use): its
 * exit and output. One that is still running after REFUSAL_TIMEOUT_MS is SIGKILLed, and its exit says so.
 */
export function runServerToExit(options: ServerOptions): Promise<ChildResult> {
  return runToExit(spawnServer(options), REFUSAL_TIMEOUT_MS);
}

/** SIGKILLs every child still running and waits for each to go. */
export async function killAllServers(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            resolve();
            return;
          }
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------
// HTTP over the loopback interface.

/** Bounds every request, so a hung server fails the test instead of hanging it. */
const REQUEST_TIMEOUT_MS = 15_000;

export async function call(
  baseUrl: string,
  method: string,
  url: string,
  options: RequestOptions = {},
): Promise<HttpResult> {
  const init = { ...requestInit(method, options), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  return readResult(await fetch(`${baseUrl}${url}`, init));
}

/**
 * Polls `probe` until it answers a value, at most `attempts` times and for at most `timeoutMs`, waiting
 * `intervalMs` between tries. Fails with `what` when the bound is reached.
 */
export async function pollUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { attempts = 100, intervalMs = 100, timeoutMs = 15_000 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; attempt < attempts && Date.now() < deadline; attempt += 1) {
    const value = await probe();
    if (value !== undefined) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`gave up waiting for ${what} after ${attempts} attempts or ${timeoutMs} ms`);
}
