/**
 * The engine runs as users run it: `npm start`'s entry point as a child process, on a fresh
 * temporary journal. Durability cannot be switched off (the journal always runs with
 * `synchronous = FULL`), so every 201 measured here was fsynced before it was sent.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { freePort, startServerProcess } from "./server-process.ts";
import type { ServerProcess } from "./server-process.ts";

/** `npm start` is `tsx src/main.ts`; this is the same thing without npm in between. */
export const ENGINE_COMMAND_DEFAULT: readonly string[] = [process.execPath, "--import", "tsx", "src/main.ts"];

/**
 * Settings every scenario shares: admission fast and wide enough that set-up can make tens of
 * thousands of tokens ACTIVE within a second or two, and ACTIVE tokens that outlive the whole run.
 * The values are the waiting room's own limits (src/engine/waiting-room/limits.ts: at most 100,000
 * active per concert, batches of at most 10,000, ticks at least 100 ms apart).
 */
const ENGINE_ENV_DEFAULTS: Readonly<Record<string, string>> = {
  HOST: "127.0.0.1",
  SEED_DEMO: "false",
  QUEUE_MAX_ACTIVE: "100000",
  QUEUE_ADMIT_BATCH: "10000",
  QUEUE_ADMIT_INTERVAL_MS: "100",
  QUEUE_ACTIVE_TTL_MS: "3600000",
};

export interface EngineProcess extends ServerProcess {
  readonly adminToken: string;
  readonly journalPath: string;
  /** Stops the engine, reads the journal mode from the file header, deletes the journal. */
  stopAndClean(): Promise<EngineShutdown>;
}

export interface EngineShutdown {
  exitCode: number | null;
  /** "wal" or "rollback", read from the SQLite file header after the engine stopped. */
  journalMode: string;
}

export async function startEngine(
  command: readonly string[],
  env: Record<string, string>,
): Promise<EngineProcess> {
  const dir = await mkdtemp(join(tmpdir(), "bench-journal-"));
  const journalPath = join(dir, "journal.db");
  const adminToken = randomBytes(24).toString("base64url");
  const port = await freePort();
  let server: ServerProcess;
  try {
    server = await startServerProcess({
      name: "engine",
      command,
      env: {
        ...ENGINE_ENV_DEFAULTS,
        ...env,
        PORT: String(port),
        DATABASE_PATH: journalPath,
        ADMIN_TOKEN: adminToken,
      },
      port,
    });
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    name: server.name,
    baseUrl: server.baseUrl,
    pid: server.pid,
    get exited() {
      return server.exited;
    },
    pause: server.pause,
    resume: server.resume,
    stop: server.stop,
    logTail: server.logTail,
    adminToken,
    journalPath,
    async stopAndClean(): Promise<EngineShutdown> {
      const exitCode = await server.stop();
      const journalMode = await readJournalMode(journalPath);
      await rm(dir, { recursive: true, force: true });
      return { exitCode, journalMode };
    },
  };
}

/** Bytes 18 and 19 of a SQLite database header are 2 in WAL mode, 1 in rollback-journal mode. */
async function readJournalMode(path: string): Promise<string> {
  try {
    const file = await open(path, "r");
    try {
      const header = Buffer.alloc(20);
      await file.read(header, 0, 20, 0);
      return header[18] === 2 && header[19] === 2 ? "wal" : "rollback";
    } finally {
      await file.close();
    }
  } catch {
    return "unknown";
  }
}
