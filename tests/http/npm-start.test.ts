import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO_ROOT, runToExit, watchChild } from "../../support/child-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

/**
 * The quick start as users run it: `npm start`. A supervisor that stops it signals npm, not the
 * server, so the signal must reach the server through npm and the shell of the script.
 */

/** Bounds on start-up and shutdown, so a hung child fails the test instead of hanging it. */
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

describe("npm start", () => {
  const dir = tempDir("npm-start-");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("serves, and on SIGTERM to npm drains, flushes the journal and exits 0", async () => {
    const { PATH, HOME } = process.env;
    const child = spawn("npm", ["start", "--silent"], {
      cwd: REPO_ROOT,
      env: { PATH, HOME, HOST: "127.0.0.1", PORT: "0", DATABASE_PATH: path.join(dir, "journal.db") },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let listening: (url: string) => void = () => undefined;
    const baseUrl = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const watched = watchChild(child, {
      onLine: (line) => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (match?.[1] !== undefined) {
          listening(match[1]);
        }
      },
    });
    const startTimer = setTimeout(() => child.kill("SIGKILL"), START_TIMEOUT_MS);
    const url = await Promise.race([
      baseUrl,
      watched.exited.then(() => Promise.reject(new Error(`npm start exited early:\n${watched.output()}`))),
    ]);
    clearTimeout(startTimer);

    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(STOP_TIMEOUT_MS) });
    expect(health.status).toBe(200);

    child.kill("SIGTERM");
    const result = await runToExit(watched, STOP_TIMEOUT_MS);
    expect(result.stdout).toContain("journal flushed");
    expect(result.code).toBe(0);
    await expect(fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  });
});
