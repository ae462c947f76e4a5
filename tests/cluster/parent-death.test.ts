/**
 * A cluster must not outlive the process that runs it: when `npm run cluster` (or the cluster process
 * under it) is killed with SIGKILL, which it cannot catch, its shards and HAProxy exit on their own.
 */
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../src/cluster/cluster.ts";
import { isAlive, spawnCluster } from "../../support/cluster-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

const SHARDS = 2;
/** Everything the killed process started must be gone within this long. */
const EXIT_TIMEOUT_MS = 5_000;

let dataDir: string | undefined;
let started: ChildProcess | undefined;
let left: number[] = [];

/** The pids in DATA_DIR's `*.pid` files: every shard and HAProxy. */
function pidsIn(dir: string): number[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith(".pid"))
    .map((name) => Number(readFileSync(join(dir, name), "utf8")));
}

/** Starts `command` (which runs a cluster) and waits for the cluster's ready line. */
async function startCluster(command: string, args: string[], dir: string): Promise<ChildProcess> {
  return spawnCluster(command, args, {
    SHARDS: String(SHARDS),
    DATA_DIR: dir,
    PORT: String(await freePort()),
    ADMIN_TOKEN: "parent-death-admin",
    LOG_LEVEL: "warn",
    DRAIN_DELAY_MS: "0",
  });
}

/** The pids of `pid`'s children, from /proc (Linux). */
function childrenOf(pid: number): number[] {
  return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
    readFileSync(`/proc/${pid}/task/${task}/children`, "utf8")
      .split(" ")
      .filter((field) => field !== "")
      .map(Number),
  );
}

async function allGone(pids: readonly number[]): Promise<number[]> {
  const deadline = Date.now() + EXIT_TIMEOUT_MS;
  for (;;) {
    const living = pids.filter(isAlive);
    if (living.length === 0 || Date.now() > deadline) {
      return living;
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

afterEach(() => {
  // A failed test must not leave processes behind: these pids are the ones it started.
  for (const pid of left) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
  left = [];
  if (started?.exitCode === null && started.signalCode === null) {
    started.kill("SIGKILL");
  }
  if (dataDir !== undefined) {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

describe("a cluster whose process is killed with SIGKILL", () => {
  it("takes its shards and HAProxy with it", async () => {
    dataDir = tempDir("parent-death");
    started = await startCluster(process.execPath, ["--import", "tsx", "scripts/cluster.ts"], dataDir);
    const pids = pidsIn(dataDir);
    left = pids;
    expect(pids).toHaveLength(SHARDS + 1);
    expect(pids.every(isAlive)).toBe(true);
    started.kill("SIGKILL");
    expect(await allGone(pids)).toEqual([]);
  });

  it("stops when npm, which runs it as `npm run cluster`, is killed", async () => {
    dataDir = tempDir("parent-death-npm");
    started = await startCluster("npm", ["run", "--silent", "cluster"], dataDir);
    // npm runs the cluster process as its child, and that process the shards and HAProxy.
    const clusterProcess = childrenOf(started.pid as number);
    expect(clusterProcess).toHaveLength(1);
    const pids = [...clusterProcess, ...pidsIn(dataDir)];
    left = pids;
    expect(pids).toHaveLength(1 + SHARDS + 1);
    started.kill("SIGKILL");
    expect(await allGone(pids)).toEqual([]);
  });
});
