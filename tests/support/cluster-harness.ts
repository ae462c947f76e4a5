import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { freePort, startCluster, type Cluster } from "../../src/cluster/cluster.ts";
import { INTERNAL_PREFIX } from "../../src/cluster/shard-routes.ts";
import { SHARD_SECRET_HEADER } from "../../src/cluster/peer-client.ts";
import {
  WAITING_ROOM_INTEGER_SETTING_NAMES,
  WAITING_ROOM_SETTING_FIELDS,
} from "../../src/engine/waiting-room/index.ts";
import { readResult, requestInit } from "../../support/http.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { checkAnswer, type Harness, type HarnessSettings } from "./app-harness.ts";
import { SHARD_BUNDLE_ENV } from "./shard-bundle.ts";

/**
 * The contract suites' cluster target (HARNESS_TARGET=cluster): what `npm run cluster` starts, 3
 * shard processes behind a real HAProxy on loopback, each on its own journal, all on one simulated
 * clock that only moves when the test says so (SIMULATED_CLOCK_START_MS, POST /internal/v1/clock).
 * Every request goes through HAProxy as a client's would; only the clock and the journal seqs are
 * read from the shards directly. The shards run the cluster project's bundle of `src/main.ts`
 * (shard-bundle.ts) when there is one.
 */

export const CLUSTER_HARNESS_SHARDS = 3;

/** Pino's level for error: a line at this level or above is an unexpected server error. */
const LOG_LEVEL_ERROR = 50;
/** A test's request that takes longer than this has hung. */
const REQUEST_TIMEOUT_MS = 15_000;

/** The environment the shards share: the harness options as the single node's variables. */
function clusterEnv(settings: HarnessSettings, secret: string, nowMs: number): NodeJS.ProcessEnv {
  const waitingRoom = Object.fromEntries(
    WAITING_ROOM_INTEGER_SETTING_NAMES.map((name) => [
      WAITING_ROOM_SETTING_FIELDS[name].env,
      String(settings[name]),
    ]),
  );
  return {
    PATH: process.env.PATH,
    ...waitingRoom,
    ...(settings.adminToken === undefined ? {} : { ADMIN_TOKEN: settings.adminToken }),
    HOLD_TTL_MS: String(settings.holdTtlMs),
    MAILBOX_DEPTH_MAX: String(settings.mailboxDepthMax),
    JOURNAL_WRITER: settings.journalWriter,
    SNAPSHOT_EVERY_EVENTS: "100000",
    SEED_DEMO: "false",
    LOG_LEVEL: "warn",
    DRAIN_DELAY_MS: "0",
    SHARD_SECRET: secret,
    SIMULATED_CLOCK_START_MS: String(nowMs),
  };
}

/** Every line a shard logged at error level or above, from its log file. */
function loggedErrors(dataDir: string): unknown[] {
  const errors: unknown[] = [];
  for (let shard = 0; shard < CLUSTER_HARNESS_SHARDS; shard += 1) {
    const file = path.join(dataDir, `shard-${shard}.log`);
    const text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
    for (const line of text.split("\n")) {
      if (!line.startsWith("{")) {
        continue;
      }
      const entry = JSON.parse(line) as { level?: number };
      if ((entry.level ?? 0) >= LOG_LEVEL_ERROR) {
        errors.push({ shard, ...entry });
      }
    }
  }
  return errors;
}

export async function startClusterHarness(settings: HarnessSettings, startMs: number): Promise<Harness> {
  const dataDir = tempDir("http-cluster-");
  const secret = randomBytes(18).toString("base64url");
  const errors: unknown[] = [];
  let nowMs = startMs;

  const boot = async (): Promise<Cluster> =>
    startCluster({
      shards: CLUSTER_HARNESS_SHARDS,
      dataDir,
      host: "127.0.0.1",
      port: await freePort(),
      env: clusterEnv(settings, secret, nowMs),
      output: "files",
      shardMain: process.env[SHARD_BUNDLE_ENV],
    });
  let cluster = await boot();

  /** Sets every shard's clock to `nowMs` and waits until each has done what fell due. */
  const moveClocks = async (): Promise<void> => {
    for (const shard of cluster.shards) {
      const response = await fetch(`${shard.url}${INTERNAL_PREFIX}/clock`, {
        method: "POST",
        headers: { "content-type": "application/json", [SHARD_SECRET_HEADER]: secret },
        body: JSON.stringify({ nowMs }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      if (response.status !== 200) {
        throw new Error(
          `shard ${shard.index} did not move its clock: ${response.status} ${await response.text()}`,
        );
      }
    }
  };

  let closed = false;
  return {
    clock: { nowMs: () => nowMs },
    options: settings,
    errors,
    async request(method, url, options) {
      const init = { ...requestInit(method, options), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) };
      const result = await readResult(await fetch(`${cluster.url}${url}`, init));
      return checkAnswer(method, url, result, errors);
    },
    fetch(url, init) {
      return fetch(`${cluster.url}${url}`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...init });
    },
    async journalSeq() {
      let sum = 0;
      for (const shard of cluster.shards) {
        const health = (await (await fetch(`${shard.url}/health`)).json()) as { journalSeq: number };
        sum += health.journalSeq;
      }
      return sum;
    },
    async advance(ms) {
      nowMs += ms;
      await moveClocks();
    },
    async admissionTick() {
      nowMs += settings.admitIntervalMs;
      await moveClocks();
    },
    settle: moveClocks,
    async restart() {
      await cluster.stop();
      cluster = await boot();
    },
    async close() {
      if (closed) {
        return;
      }
      closed = true;
      await cluster.stop();
      errors.push(...loggedErrors(dataDir));
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
