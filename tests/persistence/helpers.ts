import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach } from "vitest";

/** The repository root, where `node --import tsx` resolves tsx from. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const APPEND_LOOP_FIXTURE = fileURLToPath(new URL("./fixtures/append-loop.ts", import.meta.url));

/** The events the persistence tests journal: small, with the stream they belong to. */
export interface TestEvent {
  readonly type: "SeatsHeld" | "HoldExpired" | "Appended";
  readonly stream: string;
  readonly n: number;
  readonly note?: string;
}

export const streamOf = (event: TestEvent): string => event.stream;

export function held(n: number, stream = "schedule:a"): TestEvent {
  return { type: "SeatsHeld", stream, n };
}

/** A fresh temporary directory per test, removed after it. */
export function useTempDir(): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "persistence-test-"));
  });
  afterEach(() => {
    if (dir !== undefined) {
      fs.rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    }
  });
  return () => {
    if (dir === undefined) {
      throw new Error("useTempDir() is only available inside a test");
    }
    return dir;
  };
}

/** Waits for one turn of the event loop, so appends after it land in a new batch. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What a child process printed and how it ended. */
export interface ChildResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface AppendLoopOptions {
  readonly path: string;
  readonly writer: "inline" | "worker";
  readonly appendsMax: number;
  readonly durationMs: number;
  /** Bytes of filler per event, so a size limit is reached sooner. */
  readonly padBytes: number;
  /** Runs the child under `ulimit -f` (in 512-byte blocks), so its writes fail like a full disk. */
  readonly fileSizeBlocksMax?: number;
  /** Kills the child with SIGKILL once `killAfterAcks` appends were acknowledged. */
  readonly killAfterAcks?: number;
  /** Hard bound on the whole child run. */
  readonly timeoutMs: number;
}

/**
 * Runs `fixtures/append-loop.ts` in a child process. The child prints one line per acknowledged
 * append ("ack <seq>"), and "failed <message>" if the journal became unavailable.
 */
export function runAppendLoop(options: AppendLoopOptions): Promise<ChildResult> {
  const nodeArgs = [
    "--import",
    "tsx",
    APPEND_LOOP_FIXTURE,
    options.path,
    options.writer,
    String(options.appendsMax),
    String(options.durationMs),
    String(options.padBytes),
  ];
  const child =
    options.fileSizeBlocksMax === undefined
      ? spawn(process.execPath, nodeArgs, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] })
      : spawn(
          "sh",
          ["-c", `ulimit -f ${options.fileSizeBlocksMax} && exec "$0" "$@"`, process.execPath, ...nodeArgs],
          {
            cwd: REPO_ROOT,
            stdio: ["ignore", "pipe", "pipe"],
          },
        );
  return new Promise<ChildResult>((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    let acks = 0;
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    child.stdout.setEncoding("utf8");
    child.stderr.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      stdout += chunk;
      if (options.killAfterAcks !== undefined) {
        acks += chunk.split("\n").filter((line) => line.startsWith("ack ")).length;
        if (acks >= options.killAfterAcks) {
          child.kill("SIGKILL");
        }
      }
    });
    child.stderr.on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, code, signal });
    });
  });
}

/** The seqs a child reported as acknowledged; a last line cut off by the kill is ignored. */
export function ackedSeqs(stdout: string): number[] {
  const complete = stdout.slice(0, stdout.lastIndexOf("\n") + 1);
  return complete
    .split("\n")
    .filter((line) => line.startsWith("ack "))
    .map((line) => Number(line.slice("ack ".length)));
}
