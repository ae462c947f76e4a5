import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { fileURLToPath } from "node:url";

/**
 * Child processes for the tests and scripts that need a real process (to SIGKILL it, to run it as
 * another user, to limit its file size): a TypeScript entry run with `node --import tsx`, its output
 * collected as it comes, and its whole lines handed to the caller as they arrive.
 */

/** The repository root: children run there, so `--import tsx` resolves from its node_modules. */
export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** What a child printed and how it ended. */
export interface ChildResult extends ChildExit {
  readonly stdout: string;
  readonly stderr: string;
}

export interface TsxChildOptions {
  /** Arguments after the entry. */
  readonly args?: readonly string[];
  /** The child's whole environment; the parent's when undefined. */
  readonly env?: NodeJS.ProcessEnv;
  /** Node options before the entry (e.g. `--trace-gc`). */
  readonly nodeArgs?: readonly string[];
  /** Runs the child as another user (root only), e.g. to make a file unwritable for it. */
  readonly uid?: number;
  readonly gid?: number;
  /**
   * The checkout the child runs from (its entry and `--import tsx` resolve there): REPO_ROOT unless
   * told, e.g. a copy that the user in `uid` can reach (see `tests/support/as-another-user.ts`).
   */
  readonly cwd?: string;
  /** Runs the child under `ulimit -f` (in 512-byte blocks), so its writes fail like a full disk. */
  readonly fileSizeBlocksMax?: number;
}

/** Starts `node --import tsx <entry> <args>` in the repository root (or `cwd`), with stdout and stderr piped. */
export function spawnTsx(entry: string, options: TsxChildOptions = {}): ChildProcess {
  const { args = [], env, nodeArgs: before = [], uid, gid, cwd = REPO_ROOT, fileSizeBlocksMax } = options;
  const nodeArgs = [...before, "--import", "tsx", entry, ...args];
  const spawnOptions: SpawnOptions = { cwd, stdio: ["ignore", "pipe", "pipe"], env, uid, gid };
  return fileSizeBlocksMax === undefined
    ? spawn(process.execPath, nodeArgs, spawnOptions)
    : spawn(
        "sh",
        ["-c", `ulimit -f ${fileSizeBlocksMax} && exec "$0" "$@"`, process.execPath, ...nodeArgs],
        spawnOptions,
      );
}

export interface WatchOptions {
  /** Called with every whole line on stdout; a last line the child did not finish is never passed. */
  readonly onLine?: (line: string) => void;
  /** Output kept per stream (the latest), so a chatty child cannot grow the test's memory; all of it when undefined. */
  readonly outputCharsMax?: number;
}

export interface WatchedChild {
  readonly child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved. */
  readonly output: () => string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  /** Resolves once the child has exited and its output is all read; rejects if it could not start. */
  readonly exited: Promise<ChildExit>;
  /** The output and the exit, once it has exited. */
  readonly result: () => Promise<ChildResult>;
}

/** Collects a child's output as it comes, and tells when it is gone. */
export function watchChild(child: ChildProcess, { onLine, outputCharsMax }: WatchOptions = {}): WatchedChild {
  const text = { output: "", stdout: "", stderr: "" };
  const append = (name: keyof typeof text, chunk: string): void => {
    text[name] += chunk;
    if (outputCharsMax !== undefined && text[name].length > outputCharsMax) {
      text[name] = text[name].slice(-outputCharsMax);
    }
  };
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    append("stdout", chunk);
    append("output", chunk);
    if (onLine !== undefined) {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) {
        onLine(line);
      }
    }
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    append("stderr", chunk);
    append("output", chunk);
  });
  const exited = new Promise<ChildExit>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    output: () => text.output,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    exited,
    result: async () => ({ ...(await exited), stdout: text.stdout, stderr: text.stderr }),
  };
}

/** Waits for a child to exit, SIGKILLing it once `timeoutMs` has passed (its result then says so). */
export async function runToExit(watched: WatchedChild, timeoutMs: number): Promise<ChildResult> {
  const timer = setTimeout(() => watched.child.kill("SIGKILL"), timeoutMs);
  try {
    return await watched.result();
  } finally {
    clearTimeout(timer);
  }
}
