import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { SystemClock } from "./actors/clock.ts";
import type { Engine } from "./actors/engine.ts";
import { newId } from "./actors/ids.ts";
import { startEngine } from "./actors/start-engine.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createApp } from "./http/app.ts";
import { HttpMetrics } from "./http/metrics.ts";
import { createHttpServer } from "./http/server.ts";
import { registerEngineMetrics } from "./http/engine-metrics.ts";
import { seedDemoData } from "./demo-data.ts";

/** In-flight requests get this long to finish on shutdown before their connections are cut. */
const SHUTDOWN_GRACE_MS = 10_000;
/** A client must send its request headers within this long (or the request timeout, if shorter). */
const HEADERS_TIMEOUT_MS_MAX = 10_000;
/** Node's own default, set explicitly: larger request headers are refused with 431. */
const REQUEST_HEADER_BYTES_MAX = 16 * 1024;
/**
 * How often Node looks for requests past their time limit. Its default (30 s) would let a client that
 * trickles its body keep a connection that long past the limit.
 */
const CONNECTIONS_CHECKING_INTERVAL_MS = 1_000;

function readConfig(): Config {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  mkdirSync(dirname(config.databasePath), { recursive: true });
  const startedAtMs = Date.now();
  const metrics = new HttpMetrics();
  const engine: Engine = await startEngine({
    onJournalCommit: metrics.observeJournalCommit,
    journalWriter: config.journalWriter,
    databasePath: config.databasePath,
    clock: new SystemClock(),
    newId,
    holdTtlMs: config.holdTtlMs,
    mailboxDepthMax: config.mailboxDepthMax,
    snapshotEveryEvents: config.snapshotEveryEvents,
    waitingRoom: config.waitingRoom,
  });
  console.log(
    `recovered ${engine.recovery.eventsReplayed} events after snapshot seq ${engine.recovery.snapshotSeq} ` +
      `from ${config.databasePath} in ${engine.recovery.durationMs.toFixed(0)} ms`,
  );
  if (config.seedDemo) {
    const seeded = await seedDemoData(engine);
    if (seeded !== undefined) {
      console.log(`created demo concert ${seeded}`);
    }
  }

  registerEngineMetrics(metrics, engine);
  const app = createApp({
    engine,
    metrics,
    adminToken: config.adminToken,
    startedAtMs,
    logError: (error) => console.error("unexpected error:", error),
  });
  // A slow or stalled client (a trickled body, headers never finished) is cut off, so it cannot hold
  // a connection and its buffers for Node's default of five minutes.
  const server = createHttpServer(app, {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(HEADERS_TIMEOUT_MS_MAX, config.requestTimeoutMs),
    connectionsCheckingInterval: CONNECTIONS_CHECKING_INTERVAL_MS,
    maxHeaderSize: REQUEST_HEADER_BYTES_MAX,
  });
  server.listen(config.port, config.host, () => {
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : config.port;
    console.log(`listening on http://${config.host}:${port}`);
  });

  server.on("error", (error: Error) => {
    console.error(`cannot serve on ${config.host}:${config.port}: ${error.message}`);
    void engine.stop().finally(() => process.exit(1));
  });

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    console.log(`${signal}: finishing in-flight requests, then flushing the journal`);
    const forceClose = setTimeout(() => {
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    forceClose.unref();
    server.close(() => {
      engine
        .stop()
        .then(() => {
          console.log("journal flushed; bye");
          process.exit(0);
        })
        .catch((error: unknown) => {
          console.error("could not flush the journal:", error);
          process.exit(1);
        });
    });
    server.closeIdleConnections();
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

main().catch((error: unknown) => {
  console.error("failed to start:", error instanceof Error ? error.message : error);
  process.exit(1);
});
