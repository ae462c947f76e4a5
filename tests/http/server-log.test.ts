import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  call,
  killAllServers,
  pollUntil,
  startServer,
  type ServerProcess,
} from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";
import type { LogEntry } from "../support/test-logger.ts";

/**
 * The server's log and readiness as an operator meets them: `src/main.ts` in a child process over
 * loopback, its stdout read as JSON lines. A request id goes in, comes back in the header and the
 * error body, and is in the request's line; start-up, drain and stop are lines; /health/ready turns
 * 503 for the drain after SIGTERM, while requests are still served, and the process then exits 0.
 */

const ADMIN_TOKEN = "server-log-admin-token";
const DRAIN_DELAY_MS = 1_500;

const dir = tempDir("server-log-");
afterEach(killAllServers);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

interface LoggedServer {
  readonly server: ServerProcess;
  /** Every stdout line so far, parsed; a line that is not JSON fails the test. */
  readonly lines: LogEntry[];
}

async function startLogged(name: string, env: Record<string, string> = {}): Promise<LoggedServer> {
  const lines: LogEntry[] = [];
  const server = await startServer({
    env: { DATABASE_PATH: path.join(dir, `${name}.db`), ADMIN_TOKEN, ...env },
    onLine: (line) => {
      lines.push(JSON.parse(line) as LogEntry);
    },
  });
  return { server, lines };
}

function linesOf(lines: readonly LogEntry[], requestId: string): LogEntry[] {
  return lines.filter((line) => line.requestId === requestId);
}

describe("the request id over loopback", () => {
  it("is kept, echoed in the header and the error body, and is in the request's log line", async () => {
    const { server, lines } = await startLogged("ids");
    const kept = "client trace #42 (retry 1)";
    const concerts = await call(server.baseUrl, "GET", "/api/v1/concerts", {
      headers: { "x-request-id": kept },
    });
    expect(concerts.status).toBe(200);
    expect(concerts.headers.get("x-request-id")).toBe(kept);

    // A 413 from the body reader on Node's stream, with an id too long to keep.
    const tooLong = "y".repeat(129);
    const large = await call(server.baseUrl, "POST", "/api/v1/users/alice/balance/charge", {
      headers: { "x-request-id": tooLong },
      body: JSON.stringify({ amount: 1, padding: "z".repeat(20_000) }),
    });
    expect(large.status).toBe(413);
    const made = large.headers.get("x-request-id") ?? "";
    expect(made).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(large.body).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE", requestId: made } });

    // A 404 without an id: one is made.
    const missing = await call(server.baseUrl, "GET", "/api/v1/nowhere");
    const missingId = missing.headers.get("x-request-id") ?? "";
    expect(missing.body).toMatchObject({ error: { code: "NOT_FOUND", requestId: missingId } });

    await pollUntil("the request lines", () =>
      Promise.resolve(linesOf(lines, missingId).length > 0 ? true : undefined),
    );
    expect(linesOf(lines, kept)).toEqual([
      expect.objectContaining({
        level: "info",
        msg: "request",
        method: "GET",
        route: "/api/v1/concerts",
        status: 200,
        durationMs: expect.any(Number) as unknown,
      }),
    ]);
    expect(linesOf(lines, made)).toEqual([
      expect.objectContaining({
        level: "info",
        method: "POST",
        route: "/api/v1/users/:userId/balance/charge",
        status: 413,
      }),
    ]);
    expect(linesOf(lines, tooLong)).toEqual([]);
    expect(linesOf(lines, missingId)).toEqual([expect.objectContaining({ level: "info", status: 404 })]);
    expect(await server.stop()).toEqual({ code: 0, signal: null });
  });
});

describe("start-up and shutdown", () => {
  it("log the configuration without secrets, the recovery, readiness, the drain and the stop", async () => {
    const { server, lines } = await startLogged("lifecycle", { DRAIN_DELAY_MS: String(DRAIN_DELAY_MS) });
    const ready = await call(server.baseUrl, "GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready" });

    server.child.kill("SIGTERM");
    // Draining: readiness says 503 while every other request is still served.
    const draining = await pollUntil(
      "/health/ready to answer 503",
      async () => {
        const answer = await call(server.baseUrl, "GET", "/health/ready");
        return answer.status === 503 ? answer : undefined;
      },
      { intervalMs: 20 },
    );
    expect(draining.body).toMatchObject({ error: { code: "DRAINING" } });
    expect(draining.headers.get("retry-after")).toBe("1");
    expect((await call(server.baseUrl, "GET", "/health")).status).toBe(200);
    expect((await call(server.baseUrl, "GET", "/api/v1/concerts")).status).toBe(200);
    const signalledAtMs = Date.now();
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // It served on for most of the drain delay (the poll above took some of it).
    expect(Date.now() - signalledAtMs).toBeGreaterThan(DRAIN_DELAY_MS / 2);

    const messages = lines.map((line) => line.msg);
    const order = [
      /^starting on journal /,
      /^recovered 0 events after snapshot seq 0 from /,
      /^listening on http:\/\/127\.0\.0\.1:\d+; ready$/,
      /^SIGTERM: draining \(\/health\/ready answers 503\) for 1500 ms, then closing$/,
      /^closing: finishing in-flight requests, then flushing the journal$/,
      /^journal flushed; bye$/,
    ];
    const at = order.map((pattern) => messages.findIndex((msg) => pattern.test(msg)));
    expect(
      at.every((index) => index >= 0),
      messages.join("\n"),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const starting = lines[at[0] as number] as LogEntry;
    expect(starting).toMatchObject({
      level: "info",
      config: { adminApi: "enabled", drainDelayMs: DRAIN_DELAY_MS, logLevel: "info" },
    });
    expect(JSON.stringify(lines)).not.toContain(ADMIN_TOKEN);
    expect(lines.at(-1)).toMatchObject({ level: "info", msg: "journal flushed; bye" });
    expect(lines.filter((line) => line.level === "error" || line.level === "fatal")).toEqual([]);
  });

  it("close at once on SIGINT, an operator's Ctrl-C, without the drain delay", async () => {
    const { server, lines } = await startLogged("interrupt", { DRAIN_DELAY_MS: "60000" });
    expect(await server.stop("SIGINT")).toEqual({ code: 0, signal: null });
    expect(lines.map((line) => line.msg)).toContain(
      "SIGINT: draining (/health/ready answers 503) for 0 ms, then closing",
    );
    expect(lines.at(-1)).toMatchObject({ msg: "journal flushed; bye" });
  });
});
