import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { SimulatedClock, SystemClock } from "./actors/clock.ts";
import type { Engine } from "./actors/engine.ts";
import { newId, taggedIdSource } from "./actors/ids.ts";
import { shardTag } from "./cluster/ownership.ts";
import { shardRoutes } from "./cluster/shard-routes.ts";
import { startEngine } from "./actors/start-engine.ts";
import { ConfigError, loadConfig, type Config } from "./config.ts";
import { createApp } from "./http/app.ts";
import { HttpMetrics } from "./http/metrics.ts";
import { createHttpServer } from "./http/server.ts";
import { registerEngineMetrics } from "./http/engine-metrics.ts";
import { seedDemoData } from "./demo-data.ts";
import {
  configSummary,
  createLogger,
  exitAfterFlush,
  logJournalFailure,
  replayProgressLine,
  type Logger,
} from "./logging.ts";

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

/**
 * Every line from here on is a JSON log line on stdout (src/logging.ts), the start-up failures too;
 * only an invalid configuration, found before there is a logger, is a plain line on stderr.
 */
async function serve(config: Config, logger: Logger): Promise<void> {
  logger.info({ config: configSummary(config) }, `starting on journal ${config.databasePath}`);
  mkdirSync(dirname(config.databasePath), { recursive: true });
  const startedAtMs = Date.now();
  const metrics = new HttpMetrics();
  const simulatedClock =
    config.simulatedClockStartMs === undefined ? undefined : new SimulatedClock(config.simulatedClockStartMs);
  const engine: Engine = await startEngine({
    onJournalCommit: metrics.observeJournalCommit,
    onJournalFailure: (error) => logJournalFailure(logger, config.databasePath, error),
    onRecoveryProgress: (progress) => {
      const { fields, msg } = replayProgressLine(progress);
      logger.info(fields, msg);
    },
    journalWriter: config.journalWriter,
    databasePath: config.databasePath,
    clock: simulatedClock ?? new SystemClock(),
    // A shard tags every id it mints with its number, so the id alone says which shard owns it.
    newId: config.shard === undefined ? newId : taggedIdSource(shardTag(config.shard.index)),
    holdTtlMs: config.holdTtlMs,
    mailboxDepthMax: config.mailboxDepthMax,
    snapshotEveryEvents: config.snapshotEveryEvents,
    waitingRoom: config.waitingRoom,
  });
  const { eventsReplayed, snapshotSeq, durationMs } = engine.recovery;
  logger.info(
    { journal: config.databasePath, eventsReplayed, snapshotSeq, durationMs: Math.round(durationMs) },
    `recovered ${eventsReplayed} events after snapshot seq ${snapshotSeq} ` +
      `from ${config.databasePath} in ${durationMs.toFixed(0)} ms`,
  );
  if (config.seedDemo) {
    const seeded = await seedDemoData(engine);
    if (seeded !== undefined) {
      logger.info({ concertId: seeded }, `created demo concert ${seeded}`);
    }
  }

  registerEngineMetrics(metrics, engine);
  let draining = false;
  const shard = config.shard === undefined ? undefined : shardRoutes(config.shard, engine, simulatedClock);
  const app = createApp({
    engine,
    metrics,
    adminToken: config.adminToken,
    startedAtMs,
    logger,
    isDraining: () => draining,
    shard,
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
    const url = `http://${config.host}:${port}`;
    logger.info({ url, startupMs: Date.now() - startedAtMs }, `listening on ${url}; ready`);
  });

  server.on("error", (error: Error) => {
    logger.fatal({ err: error }, `cannot serve on ${config.host}:${config.port}: ${error.message}`);
    void engine.stop().finally(() => exitAfterFlush(logger, 1));
  });

  let drainTimer: NodeJS.Timeout | undefined;
  let closing = false;
  const close = (): void => {
    if (closing) {
      return;
    }
    closing = true;
    clearTimeout(drainTimer);
    logger.info("closing: finishing in-flight requests, then flushing the journal");
    const forceClose = setTimeout(() => {
      server.closeAllConnections();
    }, SHUTDOWN_GRACE_MS);
    forceClose.unref();
    server.close(() => {
      shard?.close();
      engine
        .stop()
        .then(() => {
          logger.info({ journalSeq: engine.journalSeq() }, "journal flushed; bye");
          exitAfterFlush(logger, 0);
        })
        .catch((error: unknown) => {
          logger.error({ err: error }, "could not flush the journal");
          exitAfterFlush(logger, 1);
        });
    });
    server.closeIdleConnections();
  };
  /**
   * SIGTERM (a supervisor, an orchestrator) first drains: /health/ready answers 503 while the server
   * goes on serving for `drainDelayMs`, so a load balancer takes it out of rotation before its
   * connections close. SIGINT is an operator's Ctrl-C at a terminal, where no balancer is waiting to
   * notice: it closes at once. A second signal during the drain cuts it short.
   */
  const shutdown = (signal: NodeJS.Signals): void => {
    if (draining) {
      close();
      return;
    }
    draining = true;
    const drainDelayMs = signal === "SIGTERM" ? config.drainDelayMs : 0;
    logger.info(
      { signal, drainDelayMs },
      `${signal}: draining (/health/ready answers 503) for ${drainDelayMs} ms, then closing`,
    );
    drainTimer = setTimeout(close, drainDelayMs);
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  // The router went with the parent, so there is no balancer to drain for: close at once.
  onParentGone = () => {
    logger.warn("the process that started this server is gone: closing");
    draining = true;
    close();
  };
}

/**
 * What to do when the process that started this one over an IPC channel dies: until the server
 * serves, exit (a journal is safe to leave at any point, as after a crash); `serve` replaces it with a
 * close that flushes the journal.
 */
let onParentGone = (): void => {
  logger.warn("the process that started this server is gone: exiting");
  exitAfterFlush(logger, 1);
};

/**
 * A server started with an IPC channel (each shard of `npm run cluster`) must not outlive the process
 * that started it, even one killed by SIGKILL: the kernel closes the channel when that process dies,
 * and Node emits 'disconnect'. Nothing is ever sent on the channel. A server started without one
 * (`npm start`, systemd) has nothing to watch.
 */
function watchParent(): void {
  if (process.send === undefined) {
    return;
  }
  if (!process.connected) {
    onParentGone();
    return;
  }
  process.once("disconnect", () => onParentGone());
}

const config = readConfig();
const logger = createLogger(config.logLevel);
watchParent();
serve(config, logger).catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  logger.fatal({ err: error }, `failed to start: ${message}`);
  exitAfterFlush(logger, 1);
});
