import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * The server as users run it: `src/main.ts` in a child process on loopback, started and killed by the
 * fault tests, the crash loop and the soak.
 */

/** The repository root: the child runs there, so `--import tsx` resolves from its node_modules. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const SERVER_ENTRY = "src/main.ts";
/** How long a server may take to print its address; tsx compiles on the first start. */
export const SERVER_START_TIMEOUT_MS = 30_000;
/** How long a SIGTERM may take to flush the journal and exit. */
export const SERVER_STOP_TIMEOUT_MS = 15_000;
/** Output kept per child, so a chatty server cannot grow the test's memory without bound. */
const OUTPUT_CHARS_MAX = 64 * 1024;

export interface ServerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly exited: Promise<ServerExit>;
  /** Everything the server printed so far, stdout and stderr interleaved. */
  output(): string;
  /** Sends SIGKILL and waits for the process to be gone. */
  kill(): Promise<ServerExit>;
  /** Sends SIGTERM and waits for the graceful exit (SIGKILL if it overstays). */
  stop(): Promise<ServerExit>;
}

export interface ChildRun extends ServerExit {
  readonly stdout: string;
  readonly stderr: string;
}

export interface SpawnOptions {
  /** Added to (and overriding) the defaults: loopback, port 0, no demo data. */
  readonly env: Readonly<Record<string, string>>;
  /** Runs the child as another user (root only), e.g. to make a file unwritable for it. */
  readonly uid?: number;
  readonly gid?: number;
  /** Extra Node options before the entry (e.g. `--trace-gc` for the soak). */
  readonly nodeArgs?: readonly string[];
  /** Called with every whole line the server prints on stdout. */
  readonly onLine?: (line: string) => void;
}

function serverEnv(env: Readonly<Record<string, string>>): NodeJS.ProcessEnv {
  return { ...process.env, HOST: "127.0.0.1", PORT: "0", SEED_DEMO: "false", ...env };
}

function spawnServer(options: SpawnOptions): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", SERVER_ENTRY], {
    cwd: REPO_ROOT,
    env: serverEnv(options.env),
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.uid === undefined ? {} : { uid: options.uid }),
    ...(options.gid === undefined ? {} : { gid: options.gid }),
  });
}

function exitOf(child: ChildProcess): Promise<ServerExit> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
}

function append(buffer: { text: string }, chunk: Buffer): void {
  buffer.text += chunk.toString("utf8");
  if (buffer.text.length > OUTPUT_CHARS_MAX) {
    buffer.text = buffer.text.slice(-OUTPUT_CHARS_MAX);
  }
}

/** Starts the server and resolves once it prints the address it listens on. */
export async function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const child = spawnServer(options);
  const out = { text: "" };
  const exited = exitOf(child);
  const onLine = options.onLine;
  if (onLine !== undefined) {
    let partial = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        onLine(line);
      }
    });
  }
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`the server did not start within ${SERVER_START_TIMEOUT_MS} ms:\n${out.text}`));
    }, SERVER_START_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      append(out, chunk);
      const match = /listening on http:\/\/[^:\s]+:(\d+)/.exec(out.text);
      if (match !== null) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => append(out, chunk));
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (code ${code}, signal ${signal}) before listening:\n${out.text}`));
    });
  });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error("the server process has no pid");
  }
  return {
    child,
    pid,
    port,
    url: `http://127.0.0.1:${port}`,
    exited,
    output: () => out.text,
    kill: async () => {
      child.kill("SIGKILL");
      return exited;
    },
    stop: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), SERVER_STOP_TIMEOUT_MS);
      const exit = await exited;
      clearTimeout(timer);
      return exit;
    },
  };
}

/** Runs the server until it exits by itself (a start-up failure), or kills it after `timeoutMs`. */
export async function runServerToExit(options: SpawnOptions, timeoutMs: number): Promise<ChildRun> {
  const child = spawnServer(options);
  const stdout = { text: "" };
  const stderr = { text: "" };
  child.stdout?.on("data", (chunk: Buffer) => append(stdout, chunk));
  child.stderr?.on("data", (chunk: Buffer) => append(stderr, chunk));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  return { ...exit, stdout: stdout.text, stderr: stderr.text };
}
