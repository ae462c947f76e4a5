import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  call,
  killAllServers,
  pollUntil,
  startServer,
  type ServerProcess,
} from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { parseExposition, promtool, valueOf, type Exposition } from "../support/prometheus-text.ts";

/**
 * /metrics as Prometheus sees it: a real server (src/main.ts in a child process) serves traffic of
 * every kind, then `promtool check metrics` judges what it exposes. The shipped ops files are checked
 * against the same scrape: the scrape config by promtool, the dashboard's queries by promtool and by
 * the names they use, so the dashboard cannot drift from the metrics.
 */

const ADMIN_TOKEN = "metrics-admin-token";
const HOLD_TTL_MS = 1_000;
const OPS_DIR = path.resolve(import.meta.dirname, "../../ops");
const DASHBOARD_PATH = path.join(OPS_DIR, "grafana-dashboard.json");
const PROMETHEUS_CONFIG_PATH = path.join(OPS_DIR, "prometheus.yml");

interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  panels?: DashboardPanel[];
}
interface Dashboard {
  title: string;
  uid: string;
  templating: { list: { name: string; type: string; query: string }[] };
  panels: DashboardPanel[];
}

function expectStatusOf(result: { status: number; text: string }, status: number, what: string): void {
  expect(result.status, `${what}: ${result.text}`).toBe(status);
}

/** Every kind of request: reads, tokens (active, waiting, left), holds, payments, an expiry, errors. */
async function serveEveryKindOfTraffic(base: string): Promise<void> {
  const request = (method: string, url: string, options?: Parameters<typeof call>[3]) =>
    call(base, method, url, options);

  expectStatusOf(await request("GET", "/health"), 200, "health");
  expectStatusOf(await request("GET", "/openapi.json"), 200, "openapi");
  expectStatusOf(await request("GET", "/docs"), 200, "docs");
  const concerts = await request("GET", "/api/v1/concerts");
  const concertId = (concerts.body as { concerts: { concertId: string }[] }).concerts[0]?.concertId ?? "";
  const schedules = await request("GET", `/api/v1/concerts/${concertId}/schedules`);
  const scheduleId =
    (schedules.body as { schedules: { scheduleId: string }[] }).schedules[0]?.scheduleId ?? "";
  expectStatusOf(await request("GET", `/api/v1/schedules/${scheduleId}/seats`), 200, "seats");
  const concert = {
    title: "Metrics Night",
    schedules: [{ startsAt: "2031-06-01T19:00:00.000Z", seatCount: 5, price: 10_000 }],
  };
  expectStatusOf(
    await request("POST", "/api/v1/admin/concerts", { token: ADMIN_TOKEN, body: concert }),
    201,
    "admin",
  );
  expect((await request("POST", "/api/v1/admin/concerts", { token: "wrong", body: concert })).status).toBe(
    401,
  );

  // QUEUE_MAX_ACTIVE is 3: three fans are admitted at once, the next two wait and one of them leaves.
  const tokens = new Map<string, string>();
  for (const userId of ["alice", "bob", "carol", "dave", "erin"]) {
    const issued = await request("POST", "/api/v1/queue/tokens", { body: { userId, concertId } });
    expectStatusOf(issued, 201, `token of ${userId}`);
    tokens.set(userId, (issued.body as { token: string }).token);
  }
  const token = (userId: string): string => tokens.get(userId) ?? "";
  expectStatusOf(await request("GET", "/api/v1/queue/tokens/current", { token: token("dave") }), 200, "poll");
  expectStatusOf(
    await request("DELETE", "/api/v1/queue/tokens/current", { token: token("erin") }),
    204,
    "leave",
  );

  const charge = { body: { amount: 200_000 }, headers: { "idempotency-key": "metrics-charge-1" } };
  expectStatusOf(await request("POST", "/api/v1/users/alice/balance/charge", charge), 200, "charge");
  expectStatusOf(await request("POST", "/api/v1/users/alice/balance/charge", charge), 200, "charge again");

  const holdSeat = (userId: string, seatNumber: number) =>
    request("POST", "/api/v1/reservations", {
      token: token(userId),
      body: { scheduleId, seatNumbers: [seatNumber] },
    });
  const alices = await holdSeat("alice", 1);
  expectStatusOf(alices, 201, "hold");
  expectStatusOf(await holdSeat("bob", 1), 409, "hold of a held seat");
  expectStatusOf(await holdSeat("bob", 2), 201, "hold left to expire");
  const carols = await holdSeat("carol", 3);
  expectStatusOf(carols, 201, "hold to cancel");
  const carolsId = (carols.body as { reservationId: string }).reservationId;
  const unpaid = await request("POST", "/api/v1/payments", {
    token: token("carol"),
    body: { reservationId: carolsId },
  });
  expect(unpaid.status, unpaid.text).toBeGreaterThanOrEqual(400);
  expectStatusOf(
    await request("DELETE", `/api/v1/reservations/${carolsId}`, { token: token("carol") }),
    200,
    "cancel",
  );
  const alicesId = (alices.body as { reservationId: string }).reservationId;
  expectStatusOf(
    await request("POST", "/api/v1/payments", {
      token: token("alice"),
      body: { reservationId: alicesId },
      headers: { "idempotency-key": "metrics-pay-1" },
    }),
    201,
    "payment",
  );
  expectStatusOf(await request("GET", `/api/v1/reservations/${alicesId}`), 200, "reservation");
  expectStatusOf(await request("GET", "/api/v1/users/alice/reservations"), 200, "reservations");
  expectStatusOf(await request("GET", "/api/v1/users/alice/balance/transactions?limit=5"), 200, "ledger");

  expectStatusOf(await request("GET", "/api/v1/nope"), 404, "unknown path");
  expectStatusOf(await request("PUT", "/api/v1/concerts"), 405, "wrong method");
  expectStatusOf(await request("PROPFIND", "/api/v1/concerts"), 405, "unusual method");
  expectStatusOf(
    await request("POST", "/api/v1/users/alice/balance/charge", { body: '{"amount":' }),
    400,
    "bad JSON",
  );
  const oversized = JSON.stringify({ amount: 1, padding: "x".repeat(20 * 1024) });
  expectStatusOf(
    await request("POST", "/api/v1/users/alice/balance/charge", { body: oversized }),
    413,
    "oversized body",
  );
  expectStatusOf(
    await request("POST", "/api/v1/reservations", {
      token: `${concertId}.0.forgedforgedforgedforged`,
      body: { scheduleId, seatNumbers: [4] },
    }),
    401,
    "forged token",
  );

  // Alice's payment used her token: dave is admitted at the next tick. Bob's hold expires.
  await pollUntil("dave to be admitted", async () => {
    const polled = await request("GET", "/api/v1/queue/tokens/current", { token: token("dave") });
    return (polled.body as { status?: string }).status === "ACTIVE" ? true : undefined;
  });
  await pollUntil(
    "bob's hold to expire",
    async () => {
      const metrics = parseExposition((await request("GET", "/metrics")).text);
      return (valueOf(metrics, "app_hold_expiries_total") ?? 0) >= 1 ? true : undefined;
    },
    { timeoutMs: HOLD_TTL_MS + 15_000 },
  );
}

const PROMQL_KEYWORDS = new Set([
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "group_right",
  "and",
  "or",
  "unless",
  "offset",
  "bool",
]);

/** Grafana's interval variables as a literal duration, so that promtool can parse the query. */
function withoutGrafanaVariables(expr: string): string {
  return expr.replace(/\$__(rate_)?interval|\$\{__(rate_)?interval\}/g, "1m");
}

/**
 * The metric names a PromQL expression reads: identifiers that are not functions, keywords, label
 * names of matchers or grouping clauses, strings or durations.
 */
function metricNamesOf(expr: string): string[] {
  const stripped = withoutGrafanaVariables(expr)
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, "")
    .replace(/\[[^\]]*\]/g, "")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "");
  const names = new Set<string>();
  for (const [, identifier, call] of stripped.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (call === undefined && identifier !== undefined && !PROMQL_KEYWORDS.has(identifier)) {
      names.add(identifier);
    }
  }
  return [...names];
}

function panelsOf(panels: readonly DashboardPanel[]): DashboardPanel[] {
  return panels.flatMap((panel) => [panel, ...panelsOf(panel.panels ?? [])]);
}

describe("/metrics of a running server under promtool", () => {
  let dir: string;
  let server: ServerProcess;
  let text: string;
  let metrics: Exposition;

  beforeAll(async () => {
    dir = tempDir("metrics-ops-");
    server = await startServer({
      env: {
        DATABASE_PATH: path.join(dir, "journal.db"),
        SEED_DEMO: "true",
        ADMIN_TOKEN,
        HOLD_TTL_MS: String(HOLD_TTL_MS),
        QUEUE_MAX_ACTIVE: "3",
        QUEUE_ADMIT_INTERVAL_MS: "100",
      },
    });
    await serveEveryKindOfTraffic(server.baseUrl);
    const scraped = await call(server.baseUrl, "GET", "/metrics");
    expect(scraped.status).toBe(200);
    text = scraped.text;
    metrics = parseExposition(text);
  });

  afterAll(async () => {
    await killAllServers();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("passes `promtool check metrics` with no problem reported", () => {
    const result = promtool(["check", "metrics"], text);
    expect({ status: result.status, stdout: result.stdout, stderr: result.stderr }).toEqual({
      status: 0,
      stdout: "",
      stderr: "",
    });
  });

  it("exposes what the issue asks for: queue sizes and admissions, holds, sales, expiries, latency, the journal, mailboxes", () => {
    expect(valueOf(metrics, "app_queue_waiting", { concert: "_other" })).toBe(0);
    expect(metrics.samples.filter((s) => s.name === "app_queue_active").map((s) => s.value)).toContain(3);
    expect(valueOf(metrics, "app_queue_tokens_issued_total")).toBe(5);
    // Only dave was admitted from the line; the first three were issued ACTIVE at once.
    expect(valueOf(metrics, "app_queue_tokens_admitted_total")).toBe(1);
    expect(valueOf(metrics, "app_queue_tokens_left_total")).toBe(1);
    expect(metrics.types.get("app_queue_admitted_per_second")).toBe("gauge");
    expect(valueOf(metrics, "app_holds_total", { outcome: "HELD" })).toBe(3);
    expect(valueOf(metrics, "app_holds_total", { outcome: "SEAT_UNAVAILABLE" })).toBe(1);
    expect(valueOf(metrics, "app_payments_total", { outcome: "COMPLETED" })).toBe(1);
    expect(valueOf(metrics, "app_sales_total")).toBe(1);
    expect(valueOf(metrics, "app_hold_expiries_total")).toBe(1);
    expect(
      valueOf(metrics, "app_http_request_duration_seconds_count", {
        method: "POST",
        route: "/api/v1/reservations",
        status: "201",
      }),
    ).toBe(3);
    expect(
      valueOf(metrics, "app_http_request_duration_seconds_count", { method: "_other", route: "_unmatched" }),
    ).toBe(1);
    expect(valueOf(metrics, "app_journal_commit_duration_seconds_count")).toBeGreaterThan(0);
    expect(valueOf(metrics, "app_journal_batch_events_count")).toBe(
      valueOf(metrics, "app_journal_commits_total"),
    );
    expect(valueOf(metrics, "app_mailbox_depth", { kind: "schedule" })).toBe(0);
    expect(valueOf(metrics, "app_journal_failed")).toBe(0);
    expect(valueOf(metrics, "nodejs_eventloop_lag_p99_seconds")).toBeGreaterThanOrEqual(0);
  });

  it("ships a Prometheus scrape config that `promtool check config` accepts", () => {
    const result = promtool(["check", "config", PROMETHEUS_CONFIG_PATH]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(fs.readFileSync(PROMETHEUS_CONFIG_PATH, "utf8")).toContain('"127.0.0.1:3000"');
  });

  it("ships a Grafana dashboard over a Prometheus datasource variable, with a query on every panel", () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_PATH, "utf8")) as Dashboard;
    expect(dashboard.templating.list).toContainEqual(
      expect.objectContaining({ name: "datasource", type: "datasource", query: "prometheus" }),
    );
    const panels = panelsOf(dashboard.panels);
    expect(new Set(panels.map((panel) => panel.id)).size).toBe(panels.length);
    for (const panel of panels.filter((p) => p.type !== "row")) {
      expect(panel.datasource, panel.title).toEqual({ type: "prometheus", uid: "${datasource}" });
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0);
    }
    expect(panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining([
        "Queue sizes",
        "Admission rate",
        "Holds per second by outcome",
        "Sales and hold expiries per second",
        "Request p99 by route",
        "Journal commit latency",
        "Journal batch size",
        "Mailbox depth",
        "Journal failed",
        "Event loop lag",
      ]),
    );
    const p99 = panels.find((panel) => panel.title === "Request p99 by route")?.targets?.[0]?.expr ?? "";
    expect(p99).toMatch(/histogram_quantile\(0\.99, .*rate\(app_http_request_duration_seconds_bucket\[/);
  });

  it("uses in the dashboard only valid PromQL over metric names /metrics exposes", () => {
    const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_PATH, "utf8")) as Dashboard;
    const exprs = panelsOf(dashboard.panels).flatMap((panel) =>
      (panel.targets ?? []).map((target) => target.expr),
    );
    expect(exprs.length).toBeGreaterThan(10);

    const exposed = new Set(metrics.samples.map((sample) => sample.name));
    const used = new Set(exprs.flatMap(metricNamesOf));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);

    // Each query as a recording rule: promtool parses it as the Prometheus server would.
    const rules = path.join(dir, "dashboard-rules.yml");
    const groups = [
      {
        name: "dashboard",
        rules: exprs.map((expr, i) => ({
          record: `dashboard:query_${i}`,
          expr: withoutGrafanaVariables(expr),
        })),
      },
    ];
    fs.writeFileSync(rules, JSON.stringify({ groups }));
    const result = promtool(["check", "rules", rules]);
    expect(result.status, result.stdout + result.stderr).toBe(0);
  });
});

describe("metricNamesOf, which the dashboard check relies on", () => {
  it("finds the metric names of a query and nothing else", () => {
    expect(
      metricNamesOf(
        'histogram_quantile(0.99, sum by (le, route) (rate(app_http_request_duration_seconds_bucket{route!="_unmatched"}[$__rate_interval])))',
      ),
    ).toEqual(["app_http_request_duration_seconds_bucket"]);
    expect(
      metricNamesOf(
        "sum(rate(app_journal_batch_events_sum[5m])) / sum(rate(app_journal_batch_events_count[5m])) or vector(0)",
      ),
    ).toEqual(["app_journal_batch_events_sum", "app_journal_batch_events_count"]);
    expect(metricNamesOf("max by (kind) (app_mailbox_depth) > on (kind) app_mailbox_depth_limit")).toEqual([
      "app_mailbox_depth",
      "app_mailbox_depth_limit",
    ]);
  });
});
