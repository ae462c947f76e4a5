import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { call, killAllServers, startServer, type ServerProcess } from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

/**
 * A line of 10,000 fans survives `kill -9`: every token keeps its status and its exact position.
 * The admission cap is 1, so one fan is ACTIVE and everyone else waits; a few leave before the
 * crash, so the positions behind them must have moved up and must stay moved up.
 */

const FANS = 10_000;
const LEAVERS = [1, 2, 500, 5_000, 9_999];
/** Requests in flight at once while filling the line; enough to be quick, few enough to stay polite. */
const CONCURRENCY = 50;

interface TokenState {
  readonly status: string;
  readonly position: number | null;
}

async function inBatches<T>(count: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let start = 0; start < count; start += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, count - start) }, (_, k) => run(start + k));
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

async function pollAll(server: ServerProcess, tokens: readonly string[]): Promise<(TokenState | number)[]> {
  return inBatches(tokens.length, async (i) => {
    const answer = await call(server.baseUrl, "GET", "/api/v1/queue/tokens/current", { token: tokens[i] });
    if (answer.status !== 200) {
      return answer.status;
    }
    const { status, position } = answer.body as TokenState;
    return { status, position };
  });
}

describe("the waiting room across a SIGKILL", () => {
  const dir = tempDir("waiting-room-restart-");
  const env = {
    DATABASE_PATH: path.join(dir, "journal.db"),
    SEED_DEMO: "true",
    QUEUE_MAX_ACTIVE: "1",
    // No admission tick during the test: the line must only change by what the test does.
    QUEUE_ADMIT_INTERVAL_MS: "60000",
  };

  afterAll(async () => {
    await killAllServers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("keeps every one of 10,000 tokens at the same status and position", async () => {
    const first = await startServer({ env });
    const concerts = await call(first.baseUrl, "GET", "/api/v1/concerts");
    const concertId = (concerts.body as { concerts: { concertId: string }[] }).concerts[0]?.concertId;
    expect(concertId).toBeDefined();

    const tokens = await inBatches(FANS, async (i) => {
      const issued = await call(first.baseUrl, "POST", "/api/v1/queue/tokens", {
        body: { userId: `fan-${i}`, concertId },
      });
      expect(issued.status).toBe(201);
      return (issued.body as { token: string }).token;
    });
    for (const leaver of LEAVERS) {
      const left = await call(first.baseUrl, "DELETE", "/api/v1/queue/tokens/current", {
        token: tokens[leaver],
      });
      expect(left.status).toBe(204);
    }

    const before = await pollAll(first, tokens);
    const waiting = before.filter((s) => typeof s !== "number" && s.status === "WAITING");
    expect(waiting).toHaveLength(FANS - 1 - LEAVERS.length);
    expect(
      waiting.map((s) => (typeof s === "number" ? -1 : s.position)).sort((a, b) => (a ?? 0) - (b ?? 0)),
    ).toEqual(Array.from({ length: waiting.length }, (_, i) => i + 1));
    expect(LEAVERS.map((i) => before[i])).toEqual(LEAVERS.map(() => 401));

    await first.stop("SIGKILL");
    const second = await startServer({ env });
    const after = await pollAll(second, tokens);
    expect(after).toEqual(before);
    await second.stop("SIGTERM");
  });
});
