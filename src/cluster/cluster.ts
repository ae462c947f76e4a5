/**
 * A cluster on one machine: `shards` shard processes (each `src/main.ts` on its own journal and an
 * internal loopback port, restarted when it dies) behind one HAProxy. `npm run cluster`
 * (scripts/cluster.ts) and the tests both start it with `startCluster`.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { haproxyConfig } from "./haproxy-config.ts";
import { SHARDS_MAX } from "./ownership.ts";
import { Supervised } from "./supervisor.ts";

/** The shards of `npm run cluster` unless SHARDS says otherwise. */
export const SHARDS_DEFAULT = 2;
/** A shard (or HAProxy) must answer within this long after it is started. */
export const CLUSTER_START_TIMEOUT_MS = 60_000;
/** Shards listen on this address: only HAProxy and their peers on this machine reach them. */
export const SHARD_HOST = "127.0.0.1";
const READY_POLL_MS = 100;
const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const MAIN = join(REPO_ROOT, "src", "main.ts");

export interface ClusterOptions {
  readonly shards: number;
  readonly dataDir: string;
  /** Where HAProxy listens. */
  readonly host: string;
  readonly port: number;
  /** The environment every shard gets (the single node's settings); the cluster adds its own. */
  readonly env: NodeJS.ProcessEnv;
  /** Shard and HAProxy output: inherited, or files in `dataDir` (`shard-<i>.log`, `haproxy.log`). */
  readonly output?: "inherit" | "files";
  /** Told about exits and restarts. */
  readonly onEvent?: (message: string) => void;
  /** HAProxy routes token requests by the concert in their body (default true; see haproxy-config.ts). */
  readonly routeTokenBody?: boolean;
  /** Aborting it while the cluster starts stops what was started, and `startCluster` rejects. */
  readonly signal?: AbortSignal;
  /**
   * What Node runs as each shard: `src/main.ts` through tsx unless given (the tests give a bundle of
   * the same source, which starts in a third of the CPU).
   */
  readonly shardMain?: string;
}

export interface ClusterShard {
  readonly index: number;
  /** The internal URL HAProxy and the peers use. */
  readonly url: string;
  readonly journal: string;
  readonly pidFile: string;
  readonly process: Supervised;
}

export interface Cluster {
  /** Where clients connect: HAProxy. */
  readonly url: string;
  readonly shards: readonly ClusterShard[];
  readonly haproxyConfigFile: string;
  /** Where HAProxy's pid is (`DATA_DIR/haproxy.pid`) while it runs. */
  readonly haproxyPidFile: string;
  /** Drains and stops every shard (SIGTERM, as a single node drains), then HAProxy. */
  readonly stop: () => Promise<void>;
}

/** The cluster's own variables: SHARDS and DATA_DIR (PORT and HOST are the single node's). */
export function clusterSettingsOf(env: NodeJS.ProcessEnv): { shards: number; dataDir: string } {
  const parsed = z
    .object({
      SHARDS: z.coerce.number().int().min(1).max(SHARDS_MAX).default(SHARDS_DEFAULT),
      DATA_DIR: z.string().min(1).default("./data"),
    })
    .safeParse({ SHARDS: env.SHARDS || undefined, DATA_DIR: env.DATA_DIR || undefined });
  if (!parsed.success) {
    throw new Error(`SHARDS must be an integer from 1 to ${SHARDS_MAX}, DATA_DIR a directory`);
  }
  return { shards: parsed.data.SHARDS, dataDir: parsed.data.DATA_DIR };
}

/** A free TCP port on `host`, as the system gives one out. */
export function freePort(host = SHARD_HOST): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * The command that runs `command` so that the kernel sends it SIGTERM when this process dies, even
 * by SIGKILL (Linux's PR_SET_PDEATHSIG, set by util-linux's `setpriv`, which then execs `command`: the
 * pid stays that of `command`). HAProxy cannot watch its parent itself; SIGTERM is its hard stop.
 * Without `setpriv`, `command` runs as is, and outlives a killed cluster.
 */
function exitingWithThisProcess(
  command: string,
  args: readonly string[],
  onEvent?: (message: string) => void,
): { command: string; args: readonly string[] } {
  if (spawnSync("setpriv", ["--pdeathsig", "TERM", "true"], { stdio: "ignore" }).status === 0) {
    return { command: "setpriv", args: ["--pdeathsig", "TERM", command, ...args] };
  }
  onEvent?.(`setpriv (util-linux) is missing: ${command} will outlive this process if it is killed`);
  return { command, args };
}

/** True once `url` answers 200. */
async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitUntilAnswering(url: string, what: string, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + CLUSTER_START_TIMEOUT_MS;
  while (!(await answers(url))) {
    signal?.throwIfAborted();
    if (Date.now() > deadline) {
      throw new Error(`${what} did not answer ${url} within ${CLUSTER_START_TIMEOUT_MS} ms`);
    }
    await new Promise((done) => setTimeout(done, READY_POLL_MS));
  }
}

/** Starts the shards, waits until each is ready, then starts HAProxy in front of them. */
export async function startCluster(options: ClusterOptions): Promise<Cluster> {
  if (spawnSync("haproxy", ["-v"], { stdio: "ignore" }).status !== 0) {
    throw new Error("haproxy is not installed: run `sudo bash scripts/install-debian-packages.sh`");
  }
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true });
  const output = (name: string) =>
    options.output === "files" ? { file: join(dataDir, `${name}.log`) } : ("inherit" as const);
  const ports: number[] = [];
  for (let i = 0; i < options.shards; i += 1) {
    ports.push(await freePort());
  }
  const peers = ports.map((port) => `http://${SHARD_HOST}:${port}`);
  const secret = options.env.SHARD_SECRET || randomBytes(24).toString("base64url");
  const seedDemo = options.env.SEED_DEMO ?? "true";
  const shards: ClusterShard[] = ports.map((port, index) => {
    const journal = join(dataDir, `shard-${index}.db`);
    const pidFile = join(dataDir, `shard-${index}.pid`);
    const supervised = new Supervised({
      name: `shard ${index}`,
      command: process.execPath,
      args: options.shardMain === undefined ? ["--import", "tsx", MAIN] : [options.shardMain],
      cwd: REPO_ROOT,
      env: {
        ...options.env,
        PORT: String(port),
        HOST: SHARD_HOST,
        DATABASE_PATH: journal,
        // Only shard 0 creates the demo concert; the others start empty.
        SEED_DEMO: index === 0 ? seedDemo : "false",
        SHARD_INDEX: String(index),
        SHARD_PEERS: peers.join(","),
        SHARD_SECRET: secret,
      },
      pidFile,
      output: output(`shard-${index}`),
      onEvent: options.onEvent,
      // A shard exits when this process dies, even by SIGKILL: its IPC channel closes (src/main.ts).
      ipc: true,
    });
    return { index, url: peers[index] as string, journal, pidFile, process: supervised };
  });
  const stopShards = () => Promise.all(shards.map((shard) => shard.process.stop("SIGTERM")));
  try {
    await Promise.all(
      shards.map((shard) =>
        waitUntilAnswering(`${shard.url}/health/ready`, `shard ${shard.index}`, options.signal),
      ),
    );
  } catch (error) {
    await stopShards();
    throw error;
  }

  const haproxyConfigFile = join(dataDir, "haproxy.cfg");
  writeFileSync(
    haproxyConfigFile,
    haproxyConfig({
      bindHost: options.host,
      bindPort: options.port,
      shards: ports.map((port) => ({ host: SHARD_HOST, port })),
      routeTokenBody: options.routeTokenBody,
    }),
  );
  const haproxyPidFile = join(dataDir, "haproxy.pid");
  const haproxy = new Supervised({
    name: "haproxy",
    ...exitingWithThisProcess("haproxy", ["-db", "-f", haproxyConfigFile], options.onEvent),
    pidFile: haproxyPidFile,
    env: { PATH: options.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin" },
    output: output("haproxy"),
    onEvent: options.onEvent,
  });
  const host = options.host.includes(":") ? `[${options.host}]` : options.host;
  const url = `http://${host}:${options.port}`;
  try {
    await waitUntilAnswering(`${url}/health`, "haproxy", options.signal);
  } catch (error) {
    await Promise.all([stopShards(), haproxy.stop()]);
    throw error;
  }
  return {
    url,
    shards,
    haproxyConfigFile,
    haproxyPidFile,
    stop: async () => {
      // The shards drain first, behind a live router that sees their /health/ready turn 503.
      await stopShards();
      // SIGUSR1 is HAProxy's soft stop: it finishes the connections it has, then exits.
      await haproxy.stop("SIGUSR1");
    },
  };
}
