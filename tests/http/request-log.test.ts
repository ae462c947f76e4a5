import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import { ID_LENGTH } from "../../src/actors/ids.ts";
import { loadConfig } from "../../src/config.ts";
import { pino } from "pino";
import { configSummary, logJournalFailure, replayProgressLine, writeRequestLine } from "../../src/logging.ts";
import { REQUEST_ID_CHARS_MAX } from "../../src/http/request-log.ts";
import { readResult, requestInit, type HttpResult, type RequestOptions } from "../../support/http.ts";
import { ADMIN_TOKEN, T0_MS, startEngineApp, type EngineApp } from "../support/app-harness.ts";
import { recordingLogger, type LogEntry } from "../support/test-logger.ts";
import { testEngineOptions, WRITERS } from "../support/test-engine.ts";
import { useTempDir } from "../support/temp-dir.ts";

/**
 * The request id and the log lines of the app in process: an id kept or made, echoed in the header,
 * in every error body and in the request's one log line; the level of each line; readiness; and the
 * start-up lines the server builds from the engine's reports (replay progress, a failed journal).
 */

const FRESH_ID = new RegExp(`^[A-Za-z0-9_-]{${ID_LENGTH}}$`);

const dir = useTempDir("request-log-");
interface Running extends EngineApp {
  /** Lines logged at error level. */
  readonly errors: LogEntry[];
  /** What the app's `isDraining` answers. */
  draining: boolean;
}
let running: Running | undefined;

afterEach(async () => {
  await running?.engine.stop();
  running = undefined;
});

async function start(options: Parameters<typeof testEngineOptions>[2] = {}): Promise<Running> {
  const errors: LogEntry[] = [];
  const clock = new SimulatedClock(T0_MS);
  const started = await startEngineApp(testEngineOptions(path.join(dir(), "journal.db"), clock, options), {
    adminToken: ADMIN_TOKEN,
    logError: (entry) => errors.push(entry),
    isDraining: () => current.draining,
  });
  const current: Running = { ...started, errors, draining: false };
  running = current;
  return current;
}

async function send(
  app: EngineApp,
  method: string,
  url: string,
  options?: RequestOptions,
): Promise<HttpResult> {
  return readResult(await app.app.request(url, requestInit(method, options)));
}

function withId(id: string, options: RequestOptions = {}): RequestOptions {
  return { ...options, headers: { ...options.headers, "x-request-id": id } };
}

/** The one log line of the request with this id. */
function lineOf(app: EngineApp, requestId: string): LogEntry {
  const lines = app.logs.filter((entry) => entry.requestId === requestId);
  expect(lines, `log lines of request ${requestId}`).toHaveLength(1);
  return lines[0] as LogEntry;
}

describe("the request id", () => {
  it("keeps an incoming X-Request-Id of 1 to 128 printable ASCII characters, in the header and the log line", async () => {
    const app = await start();
    const kept = [
      "a",
      "0b6f3c1e-2f4d-4c8e-9a51-7d2e8f0c9b13",
      "trace=7 span:9 ~!@#$%^&*()[]{}|;'<>?/",
      "x".repeat(128),
    ];
    for (const id of kept) {
      const answer = await send(app, "GET", "/api/v1/concerts", withId(id));
      expect(answer.status).toBe(200);
      expect(answer.headers.get("x-request-id")).toBe(id);
      expect(lineOf(app, id)).toMatchObject({ level: "info", status: 200, route: "/api/v1/concerts" });
    }
    expect(REQUEST_ID_CHARS_MAX).toBe(128);
  });

  it("replaces a missing, empty, too long or non-printable id with a fresh one", async () => {
    const app = await start();
    const replaced = ["", "x".repeat(129), "tab\there", "caf\u00e9", "del\u007f"];
    const seen = new Set<string>();
    for (const id of [undefined, ...replaced]) {
      const answer = await send(app, "GET", "/api/v1/concerts", id === undefined ? {} : withId(id));
      const given = answer.headers.get("x-request-id") ?? "";
      expect(given, JSON.stringify(id)).toMatch(FRESH_ID);
      expect(lineOf(app, given).status).toBe(200);
      seen.add(given);
    }
    expect(seen.size).toBe(replaced.length + 1);
  });

  it("is in the body of every error: rejection, 400, 404, 405, 413, 500 and 503", async () => {
    const app = await start();
    vi.spyOn(app.engine, "balance").mockRejectedValueOnce(new Error("a bug"));
    const cases: [number, string, string, string, RequestOptions?][] = [
      [401, "TOKEN_INVALID", "GET", "/api/v1/queue/tokens/current", { token: "nope" }],
      [400, "VALIDATION_FAILED", "POST", "/api/v1/queue/tokens", { body: { userId: "" } }],
      [400, "VALIDATION_FAILED", "POST", "/api/v1/queue/tokens", { body: "{not json" }],
      [404, "NOT_FOUND", "GET", "/api/v1/nowhere"],
      [405, "METHOD_NOT_ALLOWED", "DELETE", "/api/v1/concerts"],
      [413, "PAYLOAD_TOO_LARGE", "POST", "/api/v1/queue/tokens", { body: { userId: "x".repeat(20_000) } }],
      [500, "INTERNAL_ERROR", "GET", "/api/v1/users/alice/balance"],
    ];
    for (const [i, [status, code, method, url, options]] of cases.entries()) {
      const id = `error-case-${i}`;
      const answer = await send(app, method, url, withId(id, options));
      expect(answer.status, `${method} ${url}: ${answer.text}`).toBe(status);
      expect(answer.body).toEqual({ error: expect.objectContaining({ code, requestId: id }) as unknown });
      expect(answer.headers.get("x-request-id")).toBe(id);
    }
    app.draining = true;
    const generated = await send(app, "GET", "/health/ready");
    expect(generated.status).toBe(503);
    expect(generated.body).toMatchObject({
      error: { code: "DRAINING", requestId: generated.headers.get("x-request-id") },
    });
    expect(app.errors).toHaveLength(1);
  });
});

describe("the request's log line", () => {
  it("has the id, method, route pattern, status and duration, one line per request", async () => {
    const app = await start();
    await send(app, "GET", "/api/v1/users/alice/balance", withId("line-1"));
    const line = lineOf(app, "line-1");
    expect(line).toEqual({
      level: "info",
      time: expect.any(Number) as unknown,
      pid: process.pid,
      hostname: expect.any(String) as unknown,
      msg: "request",
      requestId: "line-1",
      method: "GET",
      route: "/api/v1/users/:userId/balance",
      status: 200,
      durationMs: expect.any(Number) as unknown,
    });
    expect(line.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("logs a server error at error level with its stack, and never tells the client", async () => {
    const app = await start();
    vi.spyOn(app.engine, "listConcerts").mockImplementation(() => {
      throw new TypeError("the catalog is broken");
    });
    const answer = await send(app, "GET", "/api/v1/concerts", withId("boom"));
    expect(answer.status).toBe(500);
    expect(answer.text).not.toContain("broken");
    const line = lineOf(app, "boom");
    expect(line).toMatchObject({
      level: "error",
      status: 500,
      route: "/api/v1/concerts",
      msg: "unexpected error",
    });
    expect(line.err).toMatchObject({ type: "TypeError", message: "the catalog is broken" });
    expect((line.err as { stack: string }).stack).toMatch(/TypeError: the catalog is broken\n\s+at /);
    expect(app.errors).toEqual([line]);
  });

  it("logs client mistakes at info, never as errors, and successful probes at debug", async () => {
    const app = await start();
    await send(app, "GET", "/api/v1/nowhere", withId("c-404"));
    await send(app, "POST", "/api/v1/queue/tokens", withId("c-400", { body: { userId: 5 } }));
    await send(app, "GET", "/api/v1/queue/tokens/current", withId("c-401", { token: "nope" }));
    await send(app, "GET", "/health", withId("probe"));
    await send(app, "GET", "/health/ready", withId("ready"));
    expect(lineOf(app, "c-404")).toMatchObject({ level: "info", status: 404, route: "_unmatched" });
    expect(lineOf(app, "c-400")).toMatchObject({ level: "info", status: 400 });
    expect(lineOf(app, "c-401")).toMatchObject({ level: "info", status: 401 });
    expect(lineOf(app, "probe")).toMatchObject({ level: "debug", status: 200, route: "/health" });
    expect(lineOf(app, "ready")).toMatchObject({ level: "debug", status: 200, route: "/health/ready" });
    expect(app.errors).toEqual([]);
  });
});

describe("the request line as written", () => {
  it("is the line pino writes for the same fields, valid JSON for any printable id, quotes and backslashes included", () => {
    const lines: string[] = [];
    const logger = pino(
      { level: "debug", formatters: { level: (label) => ({ level: label }) }, timestamp: () => `,"time":1` },
      { write: (line: string) => lines.push(line) },
    );
    const printable = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i)).join("");
    const ids = ['a"b', "a\\b", '\\"', printable, "x".repeat(128)];
    for (const id of ids) {
      for (const level of ["info", "warn", "debug"] as const) {
        lines.length = 0;
        logger[level](
          { requestId: id, method: "POST", route: "/api/v1/reservations", status: 201, durationMs: 1.5 },
          "request",
        );
        writeRequestLine(logger, level, id, "POST", "/api/v1/reservations", 201, 1.5);
        expect(lines).toHaveLength(2);
        expect(lines[1]).toBe(lines[0]);
        expect(JSON.parse(lines[1] as string)).toMatchObject({ level, requestId: id, msg: "request" });
      }
    }
  });
});

describe("GET /health/ready", () => {
  it("answers 200 ready, and 503 DRAINING with Retry-After while the server drains", async () => {
    const app = await start();
    const ready = await send(app, "GET", "/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: "ready" });
    app.draining = true;
    const draining = await send(app, "GET", "/health/ready");
    expect(draining.status).toBe(503);
    expect(draining.body).toMatchObject({ error: { code: "DRAINING" } });
    expect(draining.headers.get("retry-after")).toBe("1");
    expect((await send(app, "GET", "/health")).status).toBe(200);
    expect((await send(app, "GET", "/api/v1/concerts")).status).toBe(200);
  });
});

describe.each(WRITERS)("a journal that fails (%s writer)", (writer) => {
  it("is logged once at error level with SQLite's message and code and the file; /health/ready answers 503", async () => {
    const { logger, entries } = recordingLogger();
    const file = path.join(dir(), "journal.db");
    const app = await start({
      journalWriter: writer,
      // Commit 1 creates the first wallet; commit 2 fails.
      faultInjection: { failCommitAt: 2 },
      onJournalFailure: (error) => logJournalFailure(logger, file, error),
    });
    const charge = (user: string) =>
      send(app, "POST", `/api/v1/users/${user}/balance/charge`, { body: { amount: 1_000 } });
    expect((await charge("a")).status).toBe(200);
    const refused = await Promise.all(["b", "c", "d"].map(charge));
    expect(refused.map((answer) => answer.status)).toEqual([503, 503, 503]);
    expect((await charge("e")).status).toBe(503);

    expect(entries).toHaveLength(1);
    const line = entries[0] as LogEntry;
    expect(line).toMatchObject({
      level: "error",
      journal: file,
      cause: {
        code: "SQLITE_IOERR",
        message: expect.stringContaining("injected failure of commit 2") as unknown,
      },
    });
    expect(line.msg).toContain(file);
    const ready = await send(app, "GET", "/health/ready");
    expect(ready.status).toBe(503);
    expect(ready.body).toMatchObject({ error: { code: "JOURNAL_UNAVAILABLE" } });
    // The 503s of the failed journal are warnings, not a stream of errors.
    expect(app.errors).toEqual([]);
  });
});

describe("start-up lines", () => {
  it("report replay progress with events, rate and the expected end", () => {
    const line = replayProgressLine({ eventsFolded: 1_200_000, eventsToFold: 3_000_000, elapsedMs: 2_000 });
    expect(line.fields).toEqual({
      eventsFolded: 1_200_000,
      eventsToFold: 3_000_000,
      elapsedMs: 2_000,
      eventsPerSecond: 600_000,
      remainingSeconds: 3,
    });
    expect(line.msg).toBe(
      "replaying the journal: 1200000 of 3000000 events (40.0 %), 600000 events/s, about 3 s to go",
    );
  });

  it("summarise the configuration without the admin token", () => {
    const secret = "a-very-secret-admin-token";
    const summary = configSummary(loadConfig({ ADMIN_TOKEN: secret, LOG_LEVEL: "debug" }));
    expect(JSON.stringify(summary)).not.toContain(secret);
    expect(summary).toMatchObject({ adminApi: "enabled", logLevel: "debug", port: 3000 });
    expect(configSummary(loadConfig({}))).toMatchObject({ adminApi: "disabled" });
  });
});
