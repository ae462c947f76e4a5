import { describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  balanceOf,
  bookingSetup,
  expectError,
  expectStatus,
  seatStatuses,
  startTargetHarness,
  useHarness,
  type Harness,
  type HttpResult,
} from "../support/app-harness.ts";

/**
 * Client mistakes: malformed or oversized bodies, unknown routes, wrong methods. Each gets a 4xx with
 * the error body, is never logged as a server error, and changes nothing. A full mailbox is a 503.
 */

interface PostRoute {
  readonly name: string;
  readonly path: string;
  readonly token?: string;
}

async function postRoutes(h: Harness): Promise<{ routes: PostRoute[]; scheduleId: string }> {
  const { scheduleId, token } = await bookingSetup(h, { balance: 100_000 });
  return {
    scheduleId,
    routes: [
      { name: "issue token", path: "/api/v1/queue/tokens" },
      { name: "charge", path: "/api/v1/users/alice/balance/charge" },
      { name: "create concert", path: "/api/v1/admin/concerts", token: ADMIN_TOKEN },
      { name: "hold", path: "/api/v1/reservations", token },
      { name: "pay", path: "/api/v1/payments", token },
    ],
  };
}

/** Sends a raw body (no JSON encoding) with the given content type. */
function sendRaw(
  h: Harness,
  route: PostRoute,
  body: string,
  contentType = "application/json",
): Promise<HttpResult> {
  return h.request("POST", route.path, {
    token: route.token,
    body,
    headers: { "content-type": contentType },
  });
}

describe("bodies that are not a JSON object", () => {
  const harness = useHarness();

  it("answers 400 VALIDATION_FAILED to malformed JSON on every POST route, changing nothing", async () => {
    const h = harness();
    const { routes, scheduleId } = await postRoutes(h);
    const seqBefore = await h.journalSeq();
    for (const route of routes) {
      for (const body of ["{", '{"amount": 1,}', "{amount: 1}", "", "nul", '{"a":1}{"b":2}', "\u0000"]) {
        expectError(await sendRaw(h, route, body), 400, "VALIDATION_FAILED");
      }
    }
    await h.settle();
    expect(await h.journalSeq()).toBe(seqBefore);
    expect(await balanceOf(h, "alice")).toBe(100_000);
    expect(await seatStatuses(h, scheduleId, [1])).toEqual(["AVAILABLE"]);
  });

  it("answers 400 VALIDATION_FAILED to an array, string, number, boolean or null body on every POST route", async () => {
    const h = harness();
    const { routes } = await postRoutes(h);
    const seqBefore = await h.journalSeq();
    for (const route of routes) {
      for (const body of ["[]", '[{"amount":1}]', '"text"', "42", "true", "null"]) {
        expectError(await sendRaw(h, route, body), 400, "VALIDATION_FAILED");
      }
    }
    await h.settle();
    expect(await h.journalSeq()).toBe(seqBefore);
  });

  it("answers 400 VALIDATION_FAILED to a body sent without a JSON content type", async () => {
    const h = harness();
    const { routes } = await postRoutes(h);
    const charge = routes.find((route) => route.name === "charge") as PostRoute;
    expectError(await sendRaw(h, charge, '{"amount":1}', "text/plain"), 400, "VALIDATION_FAILED");
    const untyped = await h.fetch(charge.path, { method: "POST", body: '{"amount":1}' });
    expect(untyped.status).toBe(400);
    expect(await balanceOf(h, "alice")).toBe(100_000);
  });

  it("ignores __proto__ and unknown keys and refuses what is missing, never failing with a 5xx", async () => {
    const h = harness();
    const { routes } = await postRoutes(h);
    const charge = routes.find((route) => route.name === "charge") as PostRoute;
    expectError(await sendRaw(h, charge, '{"__proto__":{"amount":5}}'), 400, "VALIDATION_FAILED");
    expectError(
      await sendRaw(h, charge, '{"constructor":{"prototype":{"amount":5}}}'),
      400,
      "VALIDATION_FAILED",
    );
    expectStatus(await sendRaw(h, charge, '{"amount":5,"__proto__":{"admin":true},"extra":1}'), 200);
    expect(await balanceOf(h, "alice")).toBe(100_005);
  });

  it("answers 400 VALIDATION_FAILED to deeply nested JSON", async () => {
    const h = harness();
    const { routes } = await postRoutes(h);
    for (const route of routes) {
      const nested = `${"[".repeat(5_000)}${"]".repeat(5_000)}`;
      expectError(await sendRaw(h, route, nested), 400, "VALIDATION_FAILED");
      const deepObject = `${'{"a":'.repeat(2_000)}1${"}".repeat(2_000)}`;
      expectError(await sendRaw(h, route, deepObject), 400, "VALIDATION_FAILED");
    }
  });
});

describe("oversized bodies", () => {
  const harness = useHarness();

  it("answers 413 PAYLOAD_TOO_LARGE to a body over 16 KiB on every POST route, changing nothing", async () => {
    const h = harness();
    const { routes } = await postRoutes(h);
    const seqBefore = await h.journalSeq();
    const padding = "x".repeat(16 * 1024);
    for (const route of routes) {
      const body = JSON.stringify({ amount: 1, userId: "alice", padding });
      expectError(await sendRaw(h, route, body), 413, "PAYLOAD_TOO_LARGE");
      // The same without a Content-Length the server could trust: the limit counts the bytes read.
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode(body));
          controller.close();
        },
      });
      const response = await h.fetch(route.path, {
        method: "POST",
        body: stream,
        headers: { "content-type": "application/json", authorization: `Bearer ${route.token ?? ""}` },
        duplex: "half",
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: "PAYLOAD_TOO_LARGE" } });
    }
    await h.settle();
    expect(await h.journalSeq()).toBe(seqBefore);
    expect(await balanceOf(h, "alice")).toBe(100_000);
  });

  it("accepts a body of exactly 16 KiB", async () => {
    const h = harness();
    const prefix = '{"amount":1,"pad":"';
    const suffix = '"}';
    const body = prefix + "x".repeat(16 * 1024 - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(body)).toBe(16 * 1024);
    expectStatus(
      await h.request("POST", "/api/v1/users/alice/balance/charge", {
        body,
        headers: { "content-type": "application/json" },
      }),
      200,
    );
  });
});

describe("routes and methods", () => {
  const harness = useHarness();

  it("answers 404 NOT_FOUND for an unknown route", async () => {
    const h = harness();
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/api/v1/nope"],
      ["GET", "/api/v2/concerts"],
      ["POST", "/api/v1/concerts/x/y/z"],
      ["DELETE", "/api/v1/users"],
      ["GET", "/api/v1/queue/tokens/other"],
      // Routing is strict: a trailing slash is another path, not a method mismatch.
      ["GET", "/api/v1/concerts/"],
      ["GET", "/health/"],
      ["POST", "/api/v1/payments/"],
    ] as const) {
      expectError(await h.request(method, path), 404, "NOT_FOUND");
    }
  });

  it("answers 405 with an Allow header for a known route and the wrong method", async () => {
    const h = harness();
    const cases: [string, string, string[]][] = [
      ["PUT", "/api/v1/concerts", ["GET"]],
      ["DELETE", "/api/v1/concerts", ["GET"]],
      ["GET", "/api/v1/queue/tokens", ["POST"]],
      ["PATCH", "/api/v1/queue/tokens/current", ["GET", "DELETE"]],
      ["GET", "/api/v1/users/alice/balance/charge", ["POST"]],
      ["POST", "/api/v1/users/alice/balance", ["GET"]],
      ["POST", "/api/v1/reservations/abc", ["GET", "DELETE"]],
      ["GET", "/api/v1/payments", ["POST"]],
      ["GET", "/api/v1/admin/concerts", ["POST"]],
      ["POST", "/health", ["GET"]],
    ];
    for (const [method, path, allowed] of cases) {
      const result = await h.request(method, path, { token: ADMIN_TOKEN });
      const error = expectError(result, 405, "METHOD_NOT_ALLOWED");
      expect(error.message.length).toBeGreaterThan(0);
      const allow = (result.headers.get("allow") ?? "").split(/,\s*/).sort();
      expect(allow, `${method} ${path}`).toEqual([...allowed].sort());
    }
  });
});

describe("a full mailbox", () => {
  it("answers 503 OVERLOADED with Retry-After, and the refused requests change nothing", async () => {
    const h = await startTargetHarness({ mailboxDepthMax: 1, journalWriter: "worker" });
    try {
      const { concert, scheduleId } = await bookingSetup(h, { seatCount: 50 });
      const tokens: string[] = [];
      for (let i = 0; i < 20; i += 1) {
        const issued = await h.request("POST", "/api/v1/queue/tokens", {
          body: { userId: `u${i}`, concertId: concert.concertId },
        });
        tokens.push(expectStatus<{ token: string }>(issued, 201).token);
      }
      const answers = await Promise.all(
        tokens.map((token, i) =>
          h.request("POST", "/api/v1/reservations", { token, body: { scheduleId, seatNumbers: [i + 1] } }),
        ),
      );
      const overloaded = answers.filter((a) => a.status === 503);
      const held = answers.filter((a) => a.status === 201);
      expect(overloaded.length).toBeGreaterThan(0);
      expect(held.length).toBeGreaterThan(0);
      expect(overloaded.length + held.length).toBe(answers.length);
      for (const answer of overloaded) {
        expectError(answer, 503, "OVERLOADED");
        expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      }
      await h.settle();
      const seats = await seatStatuses(
        h,
        scheduleId,
        tokens.map((_, i) => i + 1),
      );
      expect(seats.filter((s) => s === "HELD")).toHaveLength(held.length);
      expect(seats.filter((s) => s === "AVAILABLE")).toHaveLength(overloaded.length);
      expect(h.errors).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
