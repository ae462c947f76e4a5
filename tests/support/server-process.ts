import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The server as users run it: `src/main.ts` in a child process, configured only through its
 * environment, on 127.0.0.1 and a port the OS picks. Every child is tracked so a test can kill
 * whatever it left running.
 */

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** How long a child may take to print that it is listening (tsx compiles on start). */
const START_TIMEOUT_MS = 30_000;
/** How long a child may take to exit after a signal, or to fail on a bad configuration. */
const EXIT_TIMEOUT_MS = 20_000;

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  /** Everything printed so far, stdout and stderr. */
  output(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>;
  /** Sends a signal and waits (bounded) for the exit. */
  stop(signal: NodeJS.Signals): Promise<Exit>;
}

const running = new Set<ChildProcess>();

/**
 * Only what a server needs from the parent's environment: a developer's own ADMIN_TOKEN, PORT or
 * DATABASE_PATH must not leak into a test.
 */
function childEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = {};
  for (const name of ["PATH", "HOME", "TMPDIR", "LANG", "SystemRoot"]) {
    const value = process.env[name];
    if (value !== undefined) {
      base[name] = value;
    }
  }
  return { ...base, HOST: "127.0.0.1", PORT: "0", ...env };
}

function spawnServer(env: Readonly<Record<string, string>>): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<Exit>;
} {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: REPO_ROOT,
    env: childEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, output: () => output, exited };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Starts the server and resolves once it prints the address it listens on. */
export async function startServer(env: Readonly<Record<string, string>>): Promise<ServerProcess> {
  const { child, output, exited } = spawnServer(env);
  const listening = new Promise<string>((resolve, reject) => {
    const check = (): void => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
      if (match?.[1] !== undefined) {
        child.stdout?.off("data", check);
        resolve(match[1]);
      }
    };
    child.stdout?.on("data", check);
    void exited.then((exit) =>
      reject(new Error(`the server exited (${exit.code ?? exit.signal}) before listening:\n${output()}`)),
    );
  });
  let baseUrl: string;
  try {
    baseUrl = await withTimeout(listening, START_TIMEOUT_MS, "server start-up");
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  return {
    child,
    baseUrl,
    output,
    exited,
    async stop(signal) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
      }
      return withTimeout(exited, EXIT_TIMEOUT_MS, `exit after ${signal}`);
    },
  };
}

/** Runs the server expecting it to stop by itself (a bad configuration): its exit and output. */
export async function runUntilExit(
  env: Readonly<Record<string, string>>,
): Promise<Exit & { readonly output: string }> {
  const { child, output, exited } = spawnServer(env);
  try {
    const exit = await withTimeout(exited, EXIT_TIMEOUT_MS, "a server that should refuse to start");
    return { ...exit, output: output() };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
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

/** A fresh temporary directory for a journal; remove it with `fs.rmSync` when done. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// ---------------------------------------------------------------------------------------------------
// HTTP over the loopback interface.

export interface FetchResult {
  readonly status: number;
  readonly headers: Headers;
  readonly body: unknown;
  readonly text: string;
}

export interface FetchOptions {
  readonly body?: unknown;
  readonly token?: string;
  readonly idempotencyKey?: string;
}

/** Bounds every request, so a hung server fails the test instead of hanging it. */
const REQUEST_TIMEOUT_MS = 15_000;

export async function call(
  baseUrl: string,
  method: string,
  url: string,
  { body, token, idempotencyKey }: FetchOptions = {},
): Promise<FetchResult> {
  const headers: Record<string, string> = {};
  if (token !== undefined) {
    headers.authorization = `Bearer ${token}`;
  }
  if (idempotencyKey !== undefined) {
    headers["idempotency-key"] = idempotencyKey;
  }
  const init: RequestInit = { method, headers, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
  if (body !== undefined) {
    headers["content-type"] = "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await fetch(`${baseUrl}${url}`, init);
  const text = await response.text();
  const parsed: unknown =
    text.length > 0 && (response.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(text)
      : undefined;
  return { status: response.status, headers: response.headers, body: parsed, text };
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
