/**
 * Servers under test run as child processes, so the engine and its two ceilings pay the same process
 * costs and never share an event loop with this process or with the load generators.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { once } from "node:events";
import { closeSync, mkdtempSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

import { CEILING_PORT_ENV, CEILING_ROUTES_ENV } from "./ceiling-routes.ts";
import type { CeilingRoute } from "./ceiling-routes.ts";

/** The repository root: the engine runs from here exactly as `npm start` would. */
export const REPO_ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Only loopback is ever targeted. */
export const BENCH_HOST = "127.0.0.1";
export const HEALTH_WAIT_MS_MAX = 60_000;
export const HEALTH_POLL_INTERVAL_MS = 100;
export const STOP_WAIT_MS_MAX = 15_000;
const LOG_LINES_KEPT_MAX = 40;

export interface ServerProcess {
  readonly name: string;
  readonly baseUrl: string;
  readonly pid: number;
  /** SIGSTOP: the idle side uses no CPU while the other side is measured. */
  pause: () => void;
  resume: () => void;
  /** SIGTERM, bounded wait, then SIGKILL. Resolves to the exit code (null when killed). */
  stop: () => Promise<number | null>;
  /** The last lines the child printed, for error messages. */
  logTail: () => string;
  readonly exited: boolean;
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, BENCH_HOST);
  await once(server, "listening");
  const address = server.address();
  server.close();
  if (address === null || typeof address === "string") {
    throw new Error("could not obtain a free port");
  }
  return address.port;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

/** If the harness dies, its children must not stay stopped or running. */
function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of live) {
      child.kill("SIGCONT");
      child.kill("SIGKILL");
    }
  });
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => process.exit(130));
  }
}

export interface StartOptions {
  name: string;
  command: readonly string[];
  env: Record<string, string>;
  port: number;
}

/** Spawns a server and resolves once `GET /health` answers 200 (bounded in time). */
export async function startServerProcess(options: StartOptions): Promise<ServerProcess> {
  installExitHook();
  const [file, ...args] = options.command;
  if (file === undefined) {
    throw new Error(`${options.name}: empty command`);
  }
  // The server's stdout (a JSON line per request at the default LOG_LEVEL) goes to a file, as an
  // operator's would: read through a pipe, its lines would cost this process CPU on the cores the
  // servers and load generators share.
  const stdoutPath = join(mkdtempSync(join(tmpdir(), "bench-server-")), "stdout.log");
  const stdoutFd = openSync(stdoutPath, "w");
  const child = spawn(file, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", stdoutFd, "pipe"],
  });
  closeSync(stdoutFd);
  live.add(child);
  const lines: string[] = [];
  // Piped (see stdio), so never null.
  child.stderr?.on("data", (chunk: Buffer): void => {
    lines.push(
      ...chunk
        .toString("utf8")
        .split("\n")
        .filter((line) => line.trim() !== ""),
    );
    lines.splice(0, Math.max(0, lines.length - LOG_LINES_KEPT_MAX));
  });
  let exitCode: number | null | undefined;
  let stopRequested = false;
  const exit = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      exitCode = code;
      if (!stopRequested) {
        // The harness stops a server only at the end of its scenario; anything else was not us.
        lines.push(
          `[bench] ${options.name} (pid ${child.pid}) exited before the harness stopped it: code ${code}, signal ${signal}`,
        );
      }
      live.delete(child);
      resolve(code);
    });
  });
  const baseUrl = `http://${BENCH_HOST}:${options.port}`;
  const logTail = (): string => {
    const stdoutTail = readFileSync(stdoutPath, "utf8")
      .split("\n")
      .filter((line) => line.trim() !== "");
    return [...stdoutTail.slice(-LOG_LINES_KEPT_MAX), ...lines].join("\n");
  };

  const handle: ServerProcess = {
    name: options.name,
    baseUrl,
    pid: child.pid ?? -1,
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    get exited() {
      return exitCode !== undefined;
    },
    logTail,
    async stop() {
      if (exitCode !== undefined) {
        return exitCode;
      }
      stopRequested = true;
      child.kill("SIGCONT");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_WAIT_MS_MAX);
      const code = await exit;
      clearTimeout(timer);
      return code;
    },
  };

  const deadline = Date.now() + HEALTH_WAIT_MS_MAX;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`${options.name} exited with code ${exitCode} before it was healthy:\n${logTail()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      await response.arrayBuffer();
      if (response.status === 200) {
        return handle;
      }
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, HEALTH_POLL_INTERVAL_MS));
  }
  await handle.stop();
  throw new Error(
    `${options.name} did not answer GET /health with 200 within ${HEALTH_WAIT_MS_MAX} ms:\n${logTail()}`,
  );
}

/** The ceiling servers, by side: each a TypeScript entry next to this file. */
const CEILING_ENTRIES = {
  baseline: "baseline-server.ts",
  raw: "raw-http-server.ts",
} as const;

/** Starts one ceiling (bare Hono, or raw node:http) with the routes and captured replies of one scenario. */
export async function startCeiling(
  side: keyof typeof CEILING_ENTRIES,
  routes: readonly CeilingRoute[],
): Promise<ServerProcess> {
  const port = await freePort();
  return startServerProcess({
    name: side === "baseline" ? "bare Hono" : "raw node:http",
    command: [
      process.execPath,
      "--import",
      "tsx",
      fileURLToPath(new URL(CEILING_ENTRIES[side], import.meta.url)),
    ],
    env: { [CEILING_PORT_ENV]: String(port), [CEILING_ROUTES_ENV]: JSON.stringify(routes) },
    port,
  });
}
