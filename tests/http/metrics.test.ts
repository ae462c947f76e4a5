import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { METRICS_CONCERTS_MAX } from "../../src/http/engine-metrics.ts";
import { observedSeries, OTHER_LABEL, UNMATCHED_ROUTE_LABEL } from "../../src/http/metrics.ts";
import {
  activeToken,
  bookingSetup,
  createConcert,
  expectStatus,
  hold,
  SHOW_AT,
  useHarness,
  type Harness,
} from "../support/app-harness.ts";
import { parseExposition, samplesOf, valueOf, type Exposition } from "../support/prometheus-text.ts";

/** /metrics by Prometheus' conventions: names, types, and label sets bounded whatever the load. */

async function scrape(h: Harness): Promise<Exposition> {
  const result = await h.request("GET", "/metrics");
  expect(result.status).toBe(200);
  return parseExposition(result.text);
}

/** True for a counter's samples and a histogram's buckets, sum and count: values that only go up. */
function isCounting(exposition: Exposition, sampleName: string): boolean {
  if (exposition.types.get(sampleName) === "counter") {
    return true;
  }
  const family = sampleName.replace(/_(bucket|sum|count)$/, "");
  return family !== sampleName && exposition.types.get(family) === "histogram";
}

/** A hold, a sale, a rejected hold, an expired hold and a token given up, through the API. */
async function bookingTraffic(h: Harness, userId: string): Promise<void> {
  const { scheduleId, token } = await bookingSetup(h, { userId, balance: 200_000 });
  const held = await hold(h, token, scheduleId, [1]);
  expect(
    (await h.request("POST", "/api/v1/reservations", { token, body: { scheduleId, seatNumbers: [1] } }))
      .status,
  ).toBe(409);
  expectStatus(
    await h.request("POST", "/api/v1/payments", { token, body: { reservationId: held.reservationId } }),
    201,
  );
  const other = await bookingSetup(h, { userId: `${userId}-late` });
  await hold(h, other.token, other.scheduleId, [2]);
  await h.advance(h.options.holdTtlMs + 1);
  expectStatus(await h.request("DELETE", "/api/v1/queue/tokens/current", { token: other.token }), 204);
}

describe("metric names", () => {
  const harness = useHarness();

  it("names the app's own series app_…, keeps prom-client's defaults, and ends only counters in _total", async () => {
    const h = harness();
    await bookingTraffic(h, "alice");
    const { types } = await scrape(h);
    expect(types.size).toBeGreaterThan(20);
    for (const [name, type] of types) {
      expect(name).toMatch(/^(app|process|nodejs)_[a-z0-9_]+$/);
      expect(name.endsWith("_total"), `${name} is a ${type}`).toBe(type === "counter");
    }
  });

  it("counts holds by outcome, sales, hold expiries, queue tokens and journal commits", async () => {
    const h = harness();
    await bookingTraffic(h, "alice");
    const metrics = await scrape(h);
    expect(valueOf(metrics, "app_holds_total", { outcome: "HELD" })).toBe(2);
    expect(valueOf(metrics, "app_holds_total", { outcome: "SEAT_UNAVAILABLE" })).toBe(1);
    expect(valueOf(metrics, "app_payments_total", { outcome: "COMPLETED" })).toBe(1);
    expect(valueOf(metrics, "app_sales_total")).toBe(1);
    expect(valueOf(metrics, "app_hold_expiries_total")).toBe(1);
    expect(valueOf(metrics, "app_events_total", { type: "HoldExpired" })).toBe(1);
    expect(valueOf(metrics, "app_queue_tokens_issued_total")).toBe(2);
    expect(valueOf(metrics, "app_queue_tokens_used_total")).toBe(1);
    expect(valueOf(metrics, "app_queue_tokens_left_total")).toBe(1);
    expect(valueOf(metrics, "app_journal_commits_total")).toBeGreaterThan(0);
    expect(valueOf(metrics, "app_journal_commit_duration_seconds_count")).toBeGreaterThan(0);
    expect(valueOf(metrics, "app_journal_batch_events_sum")).toBe(
      valueOf(metrics, "app_journal_events_committed_total"),
    );
  });

  it("reports counters that never decrease from one scrape to the next", async () => {
    const h = harness();
    await bookingTraffic(h, "alice");
    const before = await scrape(h);
    await bookingTraffic(h, "bob");
    const after = await scrape(h);
    const counters = before.samples.filter((sample) => isCounting(before, sample.name));
    expect(counters.length).toBeGreaterThan(10);
    for (const sample of counters) {
      const later = valueOf(after, sample.name, sample.labels);
      expect(later, `${sample.name}${JSON.stringify(sample.labels)}`).toBeGreaterThanOrEqual(sample.value);
    }
    expect(valueOf(after, "app_sales_total")).toBe(2);
  });
});

describe("the request duration histogram", () => {
  it("reports the same buckets, sum and count as prom-client's own observe", async () => {
    const buckets = [0.0005, 0.001, 0.0025, 0.5, 1, 2.5];
    const registry = new Registry();
    const histogram = (name: string) =>
      new Histogram({ name, help: "h", labelNames: ["route", "status"], buckets, registers: [registry] });
    const fast = histogram("fast_seconds");
    const reference = histogram("reference_seconds");
    const values = [0, 0.0004, 0.0005, 0.0006, 0.001, 0.3, 1, 2.5, 2.6, 40];
    for (const [route, status] of [
      ["/a", "200"],
      ["/b", "404"],
    ] as const) {
      const series = observedSeries(fast, buckets, { route, status });
      for (const value of values) {
        series.observe(value);
        reference.observe({ route, status }, value);
      }
    }
    const text = async (name: string) => (await registry.getSingleMetricAsString(name)).replaceAll(name, "x");
    expect(await text("fast_seconds")).toBe(await text("reference_seconds"));
    expect(await text("fast_seconds")).toContain('x_bucket{le="0.0005",route="/a",status="200"} 3');
    const series = observedSeries(histogram("refused_seconds"), buckets, { route: "/a", status: "200" });
    expect(() => series.observe(Number.NaN)).toThrow(TypeError);
  });
});

describe("label cardinality", () => {
  const harness = useHarness();

  it("labels requests no route serves with one route value, never their path, and unusual methods as one", async () => {
    const h = harness();
    for (let i = 0; i < 20; i += 1) {
      expect((await h.request("GET", `/api/v1/nowhere-${i}/x${i}`)).status).toBe(404);
      expect((await h.request(`X-METHOD-${i}`, "/api/v1/concerts")).status).toBe(405);
    }
    expect((await h.request("PUT", "/api/v1/concerts")).status).toBe(405);
    const series = samplesOf(await scrape(h), "app_http_request_duration_seconds_count");
    expect(series.filter((s) => s.labels.route === UNMATCHED_ROUTE_LABEL).map((s) => s.labels)).toEqual(
      expect.arrayContaining([
        { method: "GET", route: UNMATCHED_ROUTE_LABEL, status: "404" },
        { method: OTHER_LABEL, route: UNMATCHED_ROUTE_LABEL, status: "405" },
        { method: "PUT", route: UNMATCHED_ROUTE_LABEL, status: "405" },
      ]),
    );
    expect(series.filter((s) => s.labels.route === UNMATCHED_ROUTE_LABEL)).toHaveLength(3);
    for (const { labels } of series) {
      expect(labels.route).not.toMatch(/nowhere/);
      expect(labels.method).not.toMatch(/X-METHOD/);
    }
  });

  it("labels a request a middleware refused (a 413 body) with the route it was sent to", async () => {
    const h = harness();
    const oversized = JSON.stringify({ amount: 1, padding: "x".repeat(20 * 1024) });
    expect((await h.request("POST", "/api/v1/users/u1/balance/charge", { body: oversized })).status).toBe(
      413,
    );
    const metrics = await scrape(h);
    expect(
      valueOf(metrics, "app_http_request_duration_seconds_count", {
        route: "/api/v1/users/:userId/balance/charge",
        status: "413",
      }),
    ).toBe(1);
  });

  it(`keeps per-concert queue series to the ${METRICS_CONCERTS_MAX} busiest live rooms and sums the rest as _other`, async () => {
    const h = harness();
    const live: string[] = [];
    for (let i = 0; i < METRICS_CONCERTS_MAX + 3; i += 1) {
      const { concertId } = await createConcert(h, { title: `Concert ${i}` });
      await activeToken(h, `fan-${i}`, concertId);
      live.push(concertId);
    }
    // The first concert is the busiest, so it must keep its own series.
    const busiest = live[0] as string;
    await activeToken(h, "second-fan", busiest);
    const idle = await createConcert(h, { title: "Nobody came" });

    const metrics = await scrape(h);
    for (const name of ["app_queue_waiting", "app_queue_active", "app_queue_admitted_per_second"]) {
      expect(samplesOf(metrics, name)).toHaveLength(METRICS_CONCERTS_MAX + 1);
    }
    const active = samplesOf(metrics, "app_queue_active");
    expect(valueOf(metrics, "app_queue_active", { concert: busiest })).toBe(2);
    expect(valueOf(metrics, "app_queue_active", { concert: OTHER_LABEL })).toBe(3);
    expect(active.reduce((sum, sample) => sum + sample.value, 0)).toBe(METRICS_CONCERTS_MAX + 4);
    expect(active.some((sample) => sample.labels.concert === idle.concertId)).toBe(false);
    expect(valueOf(metrics, "app_queue_live_concerts")).toBe(METRICS_CONCERTS_MAX + 3);
  });

  it("reports mailboxes per kind of actor, however many schedules there are", async () => {
    const h = harness();
    await createConcert(h, {
      schedules: Array.from({ length: 7 }, () => ({ startsAt: SHOW_AT, seatCount: 5, price: 10_000 })),
    });
    const metrics = await scrape(h);
    const kinds = ["catalog", "schedule", "waiting_room", "wallet"];
    for (const name of ["app_mailbox_depth", "app_mailbox_messages", "app_actors"]) {
      expect(
        samplesOf(metrics, name)
          .map((sample) => sample.labels.kind)
          .sort(),
      ).toEqual(kinds);
    }
    expect(valueOf(metrics, "app_actors", { kind: "schedule" })).toBe(7);
    expect(valueOf(metrics, "app_mailbox_depth_limit")).toBe(h.options.mailboxDepthMax);
  });
});
