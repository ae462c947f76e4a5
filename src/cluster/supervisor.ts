import { spawn, type ChildProcess, type StdioOptions } from "node:child_process";
import { closeSync, openSync, rmSync, writeFileSync } from "node:fs";

/** The first restart after a crash waits this long; each quick crash after it doubles the wait. */
export const RESTART_DELAY_MS_MIN = 100;
/** The longest wait before a restart. */
export const RESTART_DELAY_MS_MAX = 5_000;
/** A process that ran this long before it died is restarted after the shortest wait again. */
export const RESTART_BACKOFF_RESET_MS = 10_000;
/** After SIGTERM, a process that has not exited within this long gets SIGKILL. */
export const STOP_GRACE_MS = 30_000;

if (RESTART_DELAY_MS_MIN > RESTART_DELAY_MS_MAX) {
  throw new Error("the shortest restart delay is at most the longest");
}

export interface SupervisedSpec {
  /** For log lines: "shard 1", "haproxy". */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Where the running process's pid is written (and removed when it exits). */
  readonly pidFile?: string;
  /** Where its stdout and stderr go: inherited, or appended to a file. */
  readonly output: "inherit" | { readonly file: string };
  /** Told about every exit and restart. */
  readonly onEvent?: (message: string) => void;
  /**
   * Opens an IPC channel to the child (nothing is sent on it): the kernel closes it when this process
   * dies, however it dies, and a Node child that watches it (src/main.ts) exits then.
   */
  readonly ipc?: boolean;
}

/**
 * One child process kept running: started at once, restarted after a bounded backoff whenever it
 * exits (it is the same command on the same files, so a shard recovers from its own journal), until
 * `stop()`.
 */
export class Supervised {
  #child: ChildProcess | undefined;
  #stopping = false;
  #delayMs = RESTART_DELAY_MS_MIN;
  #restartTimer: NodeJS.Timeout | undefined;
  #exited: Promise<void> = Promise.resolve();
  #starts = 0;

  constructor(private readonly spec: SupervisedSpec) {
    this.#start();
  }

  /** The running process's pid; undefined between an exit and its restart. */
  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  /** How many times the process was started, the first start included. */
  get starts(): number {
    return this.#starts;
  }

  /** Sends `signal` and waits for the exit; no restart follows. SIGKILL after `STOP_GRACE_MS`. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const kill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
      child.kill(signal);
      await this.#exited;
      clearTimeout(kill);
    }
  }

  #start(): void {
    const { spec } = this;
    const fd = spec.output === "inherit" ? undefined : openSync(spec.output.file, "a");
    const streams: ("inherit" | "ignore" | number)[] =
      fd === undefined ? ["inherit", "inherit", "inherit"] : ["ignore", fd, fd];
    const stdio: StdioOptions = spec.ipc === true ? [...streams, "ipc"] : streams;
    const child: ChildProcess = spawn(spec.command, spec.args, { env: spec.env, cwd: spec.cwd, stdio });
    if (fd !== undefined) {
      closeSync(fd);
    }
    this.#child = child;
    this.#starts += 1;
    const startedAtMs = Date.now();
    if (spec.pidFile !== undefined && child.pid !== undefined) {
      writeFileSync(spec.pidFile, `${child.pid}\n`);
    }
    this.#exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => {
        if (spec.pidFile !== undefined) {
          rmSync(spec.pidFile, { force: true });
        }
        resolve();
        this.#exited = Promise.resolve();
        if (this.#stopping) {
          return;
        }
        const ranMs = Date.now() - startedAtMs;
        this.#delayMs = ranMs >= RESTART_BACKOFF_RESET_MS ? RESTART_DELAY_MS_MIN : this.#delayMs;
        spec.onEvent?.(
          `${spec.name} (pid ${child.pid}) exited (${signal ?? `code ${code}`}) after ${ranMs} ms; ` +
            `restarting in ${this.#delayMs} ms`,
        );
        this.#restartTimer = setTimeout(() => this.#start(), this.#delayMs);
        this.#delayMs = Math.min(this.#delayMs * 2, RESTART_DELAY_MS_MAX);
      });
    });
    child.on("error", (error) => {
      spec.onEvent?.(`${spec.name} could not start: ${error.message}`);
    });
  }
}
