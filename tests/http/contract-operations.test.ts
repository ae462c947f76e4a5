import { describe, expect, it } from "vitest";
import {
  bookingSetup,
  charge,
  expectStatus,
  HARNESS_TARGET,
  hold,
  useHarness,
} from "../support/app-harness.ts";

/** Health, Prometheus metrics, the OpenAPI document and the interactive docs. */

interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, { responses?: Record<string, unknown>; requestBody?: unknown }>>;
  components?: { schemas?: Record<string, unknown>; securitySchemes?: Record<string, unknown> };
}

/** Every route of the v1 contract, in OpenAPI path syntax. */
const CONTRACT_ROUTES: [method: string, path: string][] = [
  ["post", "/api/v1/queue/tokens"],
  ["get", "/api/v1/queue/tokens/current"],
  ["delete", "/api/v1/queue/tokens/current"],
  ["get", "/api/v1/concerts"],
  ["get", "/api/v1/concerts/{concertId}/schedules"],
  ["get", "/api/v1/schedules/{scheduleId}/seats"],
  ["post", "/api/v1/admin/concerts"],
  ["get", "/api/v1/users/{userId}/balance"],
  ["post", "/api/v1/users/{userId}/balance/charge"],
  ["get", "/api/v1/users/{userId}/balance/transactions"],
  ["post", "/api/v1/reservations"],
  ["get", "/api/v1/reservations/{reservationId}"],
  ["get", "/api/v1/users/{userId}/reservations"],
  ["delete", "/api/v1/reservations/{reservationId}"],
  ["post", "/api/v1/payments"],
  ["get", "/health"],
];

describe("GET /health", () => {
  const harness = useHarness();

  it("answers 200 {status: ok, journalSeq, uptimeSeconds}, with journalSeq following the writes", async () => {
    const h = harness();
    const before = expectStatus<{ status: string; journalSeq: number; uptimeSeconds: number }>(
      await h.request("GET", "/health"),
      200,
    );
    expect(Object.keys(before).sort()).toEqual(["journalSeq", "status", "uptimeSeconds"]);
    expect(before.status).toBe("ok");
    expect(Number.isInteger(before.journalSeq)).toBe(true);
    expect(before.uptimeSeconds).toBeGreaterThanOrEqual(0);

    await charge(h, "alice", 100);
    const after = expectStatus<{ journalSeq: number }>(await h.request("GET", "/health"), 200);
    expect(after.journalSeq).toBeGreaterThan(before.journalSeq);
  });
});

describe("GET /metrics", () => {
  const harness = useHarness();

  it("answers Prometheus text with request, journal, mailbox, queue and booking metrics", async () => {
    const h = harness();
    const result = await h.request("GET", "/metrics");
    expect(result.status).toBe(200);
    expect(result.headers.get("content-type")).toMatch(/^text\/plain/);
    for (const name of [
      "app_http_request_duration_seconds",
      "app_mailbox_depth",
      "app_queue_waiting",
      "app_queue_active",
      "app_journal_commits_total",
      "app_holds_total",
      "app_payments_total",
    ]) {
      expect(result.text).toContain(`# TYPE ${name} `);
    }
  });

  // A cluster's /metrics are each shard's own, scraped from each shard (README, "Running as a
  // cluster"): through the router, the requests of a test are counted by whichever shards served them.
  it.skipIf(HARNESS_TARGET === "cluster")("counts the requests, holds and commits it served", async () => {
    const h = harness();
    const { scheduleId, token } = await bookingSetup(h);
    await hold(h, token, scheduleId, [1]);
    await h.request("GET", "/api/v1/nope");
    const result = await h.request("GET", "/metrics");
    expect(result.text).toMatch(
      /app_http_request_duration_seconds_bucket\{[^}]*route="\/api\/v1\/reservations"[^}]*status="201"/,
    );
    expect(result.text).toMatch(/app_http_request_duration_seconds_count\{[^}]*status="404"/);
    expect(result.text).toMatch(/app_holds_total\{outcome="HELD"\} 1/);
    expect(result.text).toMatch(/app_queue_active\{concert="[^"]+"\} 1/);
    expect(result.text).toMatch(/app_journal_commits_total [1-9]/);
  });
});

describe("GET /openapi.json and /docs", () => {
  const harness = useHarness();

  it("documents every route of the contract in an OpenAPI 3.1 document", async () => {
    const h = harness();
    const doc = expectStatus<OpenApiDocument>(await h.request("GET", "/openapi.json"), 200);
    expect(doc.openapi).toMatch(/^3\.1\./);
    for (const [method, path] of CONTRACT_ROUTES) {
      expect(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(Object.keys(doc.paths[path]?.[method]?.responses ?? {}).length).toBeGreaterThan(0);
    }
  });

  it("generates request schemas from the validators (the charge amount bounds appear in the document)", async () => {
    const h = harness();
    const doc = expectStatus<OpenApiDocument>(await h.request("GET", "/openapi.json"), 200);
    const text = JSON.stringify(doc);
    expect(doc.paths["/api/v1/users/{userId}/balance/charge"]?.post?.requestBody).toBeDefined();
    expect(text).toContain("1000000");
    expect(text).toContain("idempotency-key");
  });

  it("serves interactive docs at /docs as HTML", async () => {
    const h = harness();
    const result = await h.request("GET", "/docs");
    expect(result.status).toBe(200);
    expect(result.headers.get("content-type")).toMatch(/^text\/html/);
    expect(result.text).toMatch(/swagger/i);
    expect(result.text).toContain("/openapi.json");
  });
});
