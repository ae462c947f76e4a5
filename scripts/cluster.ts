/**
 * `npm run cluster`: HAProxy on PORT (default 3000) of HOST in front of SHARDS shard processes
 * (default 2), each with its journal DATA_DIR/shard-<i>.db and its pid in DATA_DIR/shard-<i>.pid,
 * restarted when it dies. Every other variable is the single node's and reaches every shard.
 * SIGTERM (or SIGINT) drains the shards, stops HAProxy and exits 0.
 */
import { clusterSettingsOf, startCluster, type Cluster } from "../src/cluster/cluster.ts";
import { loadConfig } from "../src/config.ts";

function fail(message: string): never {
  console.error(`cluster: ${message}`);
  process.exit(1);
}

let settings: ReturnType<typeof clusterSettingsOf>;
let port: number;
let host: string;
try {
  settings = clusterSettingsOf(process.env);
  // The shards' settings, checked once here, so a typo stops the cluster before any shard starts.
  ({ port, host } = loadConfig(process.env));
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}

/** A signal while the cluster starts stops what has started. */
const starting = new AbortController();
let cluster: Cluster | undefined;
let stopping = false;

function stop(signal: NodeJS.Signals): void {
  if (stopping) {
    return;
  }
  stopping = true;
  if (cluster === undefined) {
    starting.abort();
    return;
  }
  console.error(`cluster: ${signal}: draining the shards, then stopping haproxy`);
  cluster.stop().then(
    () => {
      console.error("cluster: stopped; bye");
      process.exit(0);
    },
    (error: unknown) => fail(`could not stop cleanly: ${String(error)}`),
  );
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));

try {
  cluster = await startCluster({
    ...settings,
    host,
    port,
    env: process.env,
    onEvent: (message) => console.error(`cluster: ${message}`),
    signal: starting.signal,
  });
} catch (error) {
  if (starting.signal.aborted) {
    console.error("cluster: stopped while starting; bye");
    process.exit(0);
  }
  fail(error instanceof Error ? error.message : String(error));
}
console.error(
  `cluster: ${settings.shards} shards (journals in ${settings.dataDir}) behind haproxy on ${cluster.url}; ready`,
);
