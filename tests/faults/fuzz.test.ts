import fs from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_BODY_BYTES_MAX } from "../../src/http/app.ts";
import { STATUS_OF, type ErrorCode } from "../../src/http/errors.ts";
import { seedFrom } from "../../support/cli.ts";
import { REPO_ROOT } from "../../support/child-process.ts";
import { memoryTempDir } from "../../support/temp-dir.ts";
import { ADMIN_TOKEN, startAppEngine, type AppEngine } from "./app-engine.ts";

/**
 * Hostile input, in process through `app.request()`: thousands of random and adversarial requests to
 * every route (wrong types, huge, negative and fractional numbers, unicode and control characters in
 * ids, `__proto__` and `constructor` keys, deep nesting, empty, malformed and oversized bodies, bad,
 * missing and duplicated headers, forged tokens, wrong methods, random paths, query junk). For each:
 * no exception and no 5xx; every non-2xx answer carries the error body with a known code and the
 * status the contract gives it; no stack trace or internal path in any answer; and a rejected request
 * changes nothing (the journal's last seq and a digest of the state are the same before and after).
 * Slow and stalled bodies over a real socket are in slow-clients.test.ts.
 */

const SEED = seedFrom(process.env.FUZZ_SEED, "FUZZ_SEED");
const RANDOM_RUNS = 2_000;
const SHAPED_RUNS = 2_000;
const KNOWN_STATUSES = new Set([200, 201, 204, 400, 401, 402, 403, 404, 405, 409, 410, 413, 422]);

interface Ids {
  readonly concertA: string;
  readonly concertB: string;
  readonly scheduleA: string;
  readonly scheduleA2: string;
  readonly scheduleB: string;
  /** Alice's HELD reservation and Bob's CONFIRMED one. */
  readonly heldReservation: string;
  readonly paidReservation: string;
  /** Alice's ACTIVE token for A, Bob's used one, Bob's new ACTIVE one, Carol's ACTIVE token for B. */
  readonly aliceToken: string;
  readonly bobUsedToken: string;
  readonly bobToken: string;
  readonly carolTokenB: string;
}

interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string | Uint8Array;
}

interface Tally {
  sent: number;
  unsendable: number;
  rejected: number;
  accepted: number;
  maxMs: number;
  byStatus: Map<number, number>;
}

/** A digest of everything a request could change: any change to the state appends to the journal. */
function fingerprint(h: AppEngine): string {
  const state = h.state();
  return JSON.stringify([
    h.appendedSeq(),
    h.engine.journalSeq(),
    state.catalog.concerts.size,
    [...state.wallets.values()].map((w) => [w.userId, w.balance, w.transactions.length]),
    [...state.schedules.values()].map((s) => [s.availableCount, s.heldCount, s.bookedCount, s.holds.count]),
    state.idempotency.records.size,
    [...state.waitingRooms.values()].map((r) => [r.issuedTotal, r.waitingCount, r.activeCount, r.endedCount]),
    [...state.waitingRoomOverrides.values()],
  ]);
}

const INTERNALS = [/\bat [^\n]*:\d+:\d+/, /node_modules/, /\.ts:\d+/, /\bError:/];
/**
 * The OpenAPI document is fixed text about the API, whose prose and example times can look like a
 * stack frame ("at once … 10:02:13"); no request's internals can reach it.
 */
const DOCUMENT_PATH = "/openapi.json";

function checkAnswer(request: FuzzRequest, status: number, headers: Headers, text: string): void {
  const where = `${request.method} ${request.path.slice(0, 200)} → ${status} ${text.slice(0, 300)}`;
  expect(status, where).toBeLessThan(500);
  expect(KNOWN_STATUSES.has(status), where).toBe(true);
  for (const pattern of request.path.split("?")[0] === DOCUMENT_PATH ? [] : INTERNALS) {
    expect(text, where).not.toMatch(pattern);
  }
  expect(text.includes(REPO_ROOT), where).toBe(false);
  if (status < 400 || request.method === "HEAD") {
    return;
  }
  expect(headers.get("content-type") ?? "", where).toMatch(/^application\/json/);
  const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
  const code = body.error?.code;
  expect(typeof code, where).toBe("string");
  expect(typeof body.error?.message === "string" && body.error.message.length > 0, where).toBe(true);
  expect(STATUS_OF[code as ErrorCode], where).toBe(status);
  if (status === 405) {
    expect(headers.get("allow"), where).toBeTruthy();
  }
}

// ---------------------------------------------------------------------------------------------------
// Arbitraries.

const ADVERSARIAL_STRINGS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "..",
  ".",
  "",
  " ",
  "null",
  "undefined",
  "NaN",
  "-1",
  "0",
  "1e309",
  "\u0000",
  "\u0007\u001b[31m",
  "\r\n",
  "\u202eevil",
  "\ud800",
  "𝓊𝓈ℯ𝓇",
  "ユーザー",
  "é",
  "a".repeat(64),
  "a".repeat(65),
  "x".repeat(3000),
  "' OR 1=1 --",
  "<script>alert(1)</script>",
  "%00",
  "%ZZ",
  "%",
  "a/b",
  "a?b=c",
  "a#b",
  "a b",
  "${7*7}",
  "../../etc/passwd",
];

/** Percent-encodes a path or query part; a lone surrogate (which cannot be encoded) goes in raw. */
function encodePart(part: string): string {
  try {
    return encodeURIComponent(part);
  } catch {
    return part;
  }
}

const junkString = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.constantFrom(...ADVERSARIAL_STRINGS),
);

const junkNumber = fc.oneof(
  fc.integer({ min: -10_000_000, max: 200_000_000 }),
  fc.double(),
  fc.constantFrom(
    0,
    -0,
    0.5,
    1.000001,
    -1,
    1e308,
    -1e308,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    Number.MIN_SAFE_INTEGER,
    1_000_000,
    1_000_001,
    100_000_001,
  ),
);

const junkValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: junkNumber },
  { weight: 3, arbitrary: junkString },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [1, 2], { nested: { deep: [1] } }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** JSON texts a parser or a validator could trip on. */
const RAW_BODIES = [
  "",
  " ",
  "{",
  "}",
  "[1,2",
  '{"amount": }',
  "nul",
  '"a string"',
  "123",
  "true",
  "null",
  "[]",
  "\ufeff{}",
  "{}garbage",
  '{"amount":1000}{"amount":2000}',
  '{"amount":1e400}',
  '{"amount":-0}',
  '{"amount":100000000000000000000000000}',
  '{"amount":1000,"amount":"x"}',
  '{"__proto__":{"amount":5000}}',
  '{"__proto__":{"polluted":true},"amount":1000}',
  '{"constructor":{"prototype":{"polluted":true}},"amount":1000}',
  '{"amount":1000,"__proto__":null}',
  '{"userId":"__proto__","concertId":"constructor"}',
  '{"scheduleId":{"__proto__":{"x":1}},"seatNumbers":[1]}',
  '{"seatNumbers":{"length":2,"0":1,"1":2},"scheduleId":"x"}',
  "[".repeat(8_000) + "]".repeat(8_000),
  '{"amount":' + "[".repeat(5_000) + "]".repeat(5_000) + "}",
  '{"a":'.repeat(2_500) + "1" + "}".repeat(2_500),
  JSON.stringify({ amount: 1000, pad: "x".repeat(REQUEST_BODY_BYTES_MAX) }),
  "x".repeat(REQUEST_BODY_BYTES_MAX + 1),
];

const CONTENT_TYPES = [
  "application/json",
  "application/json; charset=utf-8",
  "APPLICATION/JSON",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "application/merge-patch+json",
  "",
  "*/*",
];

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"];

function pathParam(ids: Ids): fc.Arbitrary<string> {
  const known = fc.constantFrom(
    ids.concertA,
    ids.concertB,
    ids.scheduleA,
    ids.scheduleB,
    ids.heldReservation,
    ids.paidReservation,
    "alice",
    "bob",
  );
  return fc.oneof(
    { weight: 2, arbitrary: known },
    { weight: 3, arbitrary: junkString.map((s) => encodePart(s)) },
    { weight: 1, arbitrary: junkString },
    { weight: 1, arbitrary: known.map((id) => `${id}${id}`) },
  );
}

function queryJunk(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant("") },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "?limit=-1",
        "?limit=0",
        "?limit=501",
        "?limit=1e3",
        "?limit=NaN",
        "?limit=abc",
        "?limit=1&limit=2",
        "?limit=500",
        "?limit=%ZZ",
        "?__proto__[polluted]=1",
        "?constructor[prototype][polluted]=1",
        "?status=FOO",
        "?status=BOOKED&status=HELD",
        "?available=maybe",
        "?available=true",
        `?x=${"a".repeat(5_000)}`,
        "?&&&==&",
      ),
    },
    { weight: 1, arbitrary: junkString.map((s) => `?${encodePart(s)}=${encodePart(s)}`) },
  );
}

function routePath(ids: Ids): fc.Arbitrary<string> {
  const p = pathParam(ids);
  const route = fc.oneof(
    fc.constantFrom(
      "/api/v1/queue/tokens",
      "/api/v1/queue/tokens/current",
      "/api/v1/concerts",
      "/api/v1/admin/concerts",
      "/api/v1/reservations",
      "/api/v1/payments",
      "/health",
      "/metrics",
      "/openapi.json",
      "/docs",
      "/",
      "//api/v1/concerts",
      "/api/v1/concerts/",
      "/API/V1/CONCERTS",
      "/api/v2/concerts",
      "/api/v1/../v1/concerts",
      "/api/v1/%2e%2e/health",
    ),
    p.map((x) => `/api/v1/concerts/${x}/schedules`),
    p.map((x) => `/api/v1/schedules/${x}/seats`),
    p.map((x) => `/api/v1/admin/concerts/${x}/waiting-room`),
    p.map((x) => `/api/v1/users/${x}/balance`),
    p.map((x) => `/api/v1/users/${x}/balance/charge`),
    p.map((x) => `/api/v1/users/${x}/balance/transactions`),
    p.map((x) => `/api/v1/users/${x}/reservations`),
    p.map((x) => `/api/v1/reservations/${x}`),
    fc
      .array(
        junkString.map((s) => encodePart(s)),
        { minLength: 1, maxLength: 6 },
      )
      .map((parts) => `/${parts.join("/")}`),
  );
  return fc.tuple(route, queryJunk()).map(([r, q]) => r + q);
}

function mutatedToken(token: string): fc.Arbitrary<string> {
  return fc.oneof(
    fc
      .nat({ max: token.length - 1 })
      .map((i) => token.slice(0, i) + (token[i] === "A" ? "B" : "A") + token.slice(i + 1)),
    fc.nat({ max: token.length - 1 }).map((i) => token.slice(0, i)),
    fc.constant(`${token}x`),
    fc.constant(`${token}.${token}`),
    fc.constant(token.toUpperCase()),
  );
}

function authorization(ids: Ids): fc.Arbitrary<string | undefined> {
  const tokens = [ids.aliceToken, ids.bobUsedToken, ids.bobToken, ids.carolTokenB, ADMIN_TOKEN];
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: fc.constantFrom(...tokens).map((t) => `Bearer ${t}`) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(...tokens)
        .chain(mutatedToken)
        .map((t) => `Bearer ${t}`),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "Bearer",
        "Bearer ",
        "bearer " + ids.aliceToken,
        "BEARER   " + ids.aliceToken + "   ",
        "Basic dXNlcjpwYXNz",
        `Bearer ${ids.aliceToken}, Bearer ${ids.bobToken}`,
        `Bearer ${ids.aliceToken} ${ids.bobToken}`,
        `Token ${ids.aliceToken}`,
        ids.aliceToken,
        `Bearer ${"A".repeat(8_000)}`,
        `Bearer ${ADMIN_TOKEN.slice(0, -1)}`,
        `Bearer ${ids.concertA}.0.${"a".repeat(21)}`,
        `Bearer ${ids.concertA}.zzzzzzzz.${"a".repeat(21)}`,
        `Bearer ${ids.concertA}.00.${"a".repeat(21)}`,
        "Bearer __proto__.0.x",
      ),
    },
    { weight: 1, arbitrary: junkString.map((s) => `Bearer ${s}`) },
  );
}

function idempotencyKey(): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 20 }).map((s) => `k-${s}`) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        "",
        " ",
        "k".repeat(128),
        "k".repeat(129),
        "tab\there",
        "del\u007f",
        "é-key",
        "k1, k2",
      ),
    },
  );
}

function headerSet(
  ids: Ids,
  contentType: fc.Arbitrary<string | undefined>,
): fc.Arbitrary<[string, string][]> {
  return fc
    .record({
      authorization: authorization(ids),
      key: idempotencyKey(),
      contentType,
      duplicateAuthorization: fc.boolean(),
      extra: fc.array(
        fc.tuple(
          fc.constantFrom(
            "x-forwarded-for",
            "__proto__",
            "constructor",
            "x-request-id",
            "accept",
            "origin",
            "cookie",
          ),
          fc.string({ maxLength: 40 }),
        ),
        { maxLength: 2 },
      ),
    })
    .map(({ authorization: auth, key, contentType: type, duplicateAuthorization, extra }) => {
      const headers: [string, string][] = [];
      if (auth !== undefined) {
        headers.push(["authorization", auth]);
        if (duplicateAuthorization) {
          headers.push(["authorization", "Bearer duplicate"]);
        }
      }
      if (key !== undefined) {
        headers.push(["idempotency-key", key]);
      }
      if (type !== undefined) {
        headers.push(["content-type", type]);
      }
      headers.push(...extra);
      return headers;
    });
}

function anyBody(): fc.Arbitrary<string | Uint8Array | undefined> {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constant(undefined) },
    { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 3, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 200 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 100 }) },
  );
}

/** Any method, any path, any headers, any body. */
function randomRequest(ids: Ids): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom(...METHODS) },
        { weight: 1, arbitrary: fc.constantFrom("PURGE", "patch", "FOO") },
      ),
      path: routePath(ids),
      headers: headerSet(ids, fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined })),
      body: anyBody(),
    })
    .map((r) => ({ ...r, body: r.method === "GET" || r.method === "HEAD" ? undefined : r.body }));
}

const isoish = fc.oneof(
  fc.constantFrom(
    "2030-06-01T19:00:00Z",
    "2030-06-01T19:00:00.000+09:00",
    "2030-13-45T25:61:00Z",
    "0000-01-01T00:00:00Z",
    "+275760-09-13T00:00:00.000Z",
    "9999-12-31T23:59:59.999Z",
    "1970-01-01T00:00:00Z",
    "2030-06-01",
    "",
    "now",
  ),
  junkValue,
);

/** A body of the right shape for a route, with one or more fields replaced by junk. */
function shapedBody(route: string, ids: Ids): fc.Arbitrary<unknown> {
  const maybe = <T>(valid: T): fc.Arbitrary<unknown> =>
    fc.oneof({ weight: 2, arbitrary: fc.constant(valid) }, { weight: 3, arbitrary: junkValue });
  const seats = fc.oneof(
    fc.array(fc.integer({ min: -2, max: 40 }), { maxLength: 6 }),
    fc.array(junkValue, { maxLength: 5 }),
    fc.constantFrom([1, 1], [1, 2, 3, 4, 5], [0], [1.5], [2 ** 53], ["1"], [[1]], [null]),
  );
  switch (route) {
    case "tokens":
      return fc.record({ userId: maybe("fuzzer"), concertId: maybe(ids.concertA) });
    case "charge":
      return fc.record({ amount: junkValue }, { requiredKeys: [] });
    case "hold":
      return fc.oneof(
        fc.record({ scheduleId: maybe(ids.scheduleA), seatNumbers: seats }, { requiredKeys: [] }),
        fc.record({ scheduleId: maybe(ids.scheduleA2), seatNumber: junkValue }),
        fc.record({ scheduleId: maybe(ids.scheduleA), seatNumber: junkValue, seatNumbers: seats }),
      );
    case "pay":
      return fc.record({ reservationId: maybe(ids.heldReservation) }, { requiredKeys: [] });
    case "concert":
      return fc.record(
        {
          title: maybe("Fuzz Fest"),
          onSaleAt: fc.option(isoish, { nil: undefined }),
          schedules: fc.oneof(
            fc.array(
              fc.record({
                startsAt: maybe("2030-06-01T19:00:00Z"),
                seatCount: fc.oneof(fc.integer({ min: -5, max: 50 }), junkNumber),
                price: maybe(5_000),
              }),
              { maxLength: 3 },
            ),
            junkValue,
          ),
        },
        { requiredKeys: [] },
      );
    case "waiting-room":
      return fc.record(
        {
          maxActive: junkNumber,
          admitBatch: junkNumber,
          admitIntervalMs: junkNumber,
          activeTtlMs: junkNumber,
          waitIdleTtlMs: junkNumber,
          onSaleAt: isoish,
          unknownSetting: junkValue,
        },
        { requiredKeys: [] },
      );
    default:
      return junkValue;
  }
}

/** A request that looks like a real one (right route, usually a real token), with something wrong in it. */
function shapedRequest(ids: Ids): fc.Arbitrary<FuzzRequest> {
  const routes = fc.constantFrom(
    { route: "tokens", method: "POST", path: "/api/v1/queue/tokens" },
    { route: "charge", method: "POST", path: "/api/v1/users/alice/balance/charge" },
    { route: "hold", method: "POST", path: "/api/v1/reservations" },
    { route: "pay", method: "POST", path: "/api/v1/payments" },
    { route: "concert", method: "POST", path: "/api/v1/admin/concerts" },
    { route: "waiting-room", method: "PATCH", path: `/api/v1/admin/concerts/${ids.concertA}/waiting-room` },
    { route: "cancel", method: "DELETE", path: `/api/v1/reservations/${ids.heldReservation}` },
    { route: "cancel", method: "DELETE", path: `/api/v1/reservations/${ids.paidReservation}` },
    { route: "leave", method: "DELETE", path: "/api/v1/queue/tokens/current" },
  );
  return routes.chain(({ route, method, path: p }) =>
    fc.record({
      method: fc.constant(method),
      path: fc.constant(p),
      headers: headerSet(
        ids,
        fc.oneof(
          { weight: 5, arbitrary: fc.constant("application/json") },
          { weight: 1, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
        ),
      ),
      body: fc.oneof(
        { weight: 6, arbitrary: shapedBody(route, ids).map((b) => JSON.stringify(b) ?? "") },
        { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
      ),
    }),
  );
}

// ---------------------------------------------------------------------------------------------------

describe("hostile input", () => {
  let h: AppEngine;
  let dir = "";
  let ids: Ids;
  const tally: Tally = { sent: 0, unsendable: 0, rejected: 0, accepted: 0, maxMs: 0, byStatus: new Map() };
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

  beforeAll(async () => {
    dir = memoryTempDir("fuzz-");
    h = await startAppEngine(path.join(dir, "journal.db"));
    const concert = async (
      title: string,
      schedules: number,
    ): Promise<{ concertId: string; scheduleIds: string[] }> => {
      const answer = await h.request("POST", "/api/v1/admin/concerts", {
        token: ADMIN_TOKEN,
        body: {
          title,
          schedules: Array.from({ length: schedules }, () => ({
            startsAt: "2030-06-01T19:00:00Z",
            seatCount: 30,
            price: 5_000,
          })),
        },
      });
      expect(answer.status).toBe(201);
      const body = answer.body as { concertId: string; schedules: { scheduleId: string }[] };
      return { concertId: body.concertId, scheduleIds: body.schedules.map((s) => s.scheduleId) };
    };
    const token = async (userId: string, concertId: string): Promise<string> => {
      const answer = await h.request("POST", "/api/v1/queue/tokens", { body: { userId, concertId } });
      expect(answer.status).toBe(201);
      return (answer.body as { token: string }).token;
    };
    const a = await concert("Concert A", 2);
    const b = await concert("Concert B", 1);
    const aliceToken = await token("alice", a.concertId);
    const bobUsedToken = await token("bob", a.concertId);
    const carolTokenB = await token("carol", b.concertId);
    for (const user of ["alice", "bob"]) {
      expect(
        (await h.request("POST", `/api/v1/users/${user}/balance/charge`, { body: { amount: 100_000 } }))
          .status,
      ).toBe(200);
    }
    const [scheduleA = "", scheduleA2 = ""] = a.scheduleIds;
    const held = await h.request("POST", "/api/v1/reservations", {
      token: aliceToken,
      body: { scheduleId: scheduleA, seatNumbers: [1, 2] },
    });
    const bobs = await h.request("POST", "/api/v1/reservations", {
      token: bobUsedToken,
      body: { scheduleId: scheduleA, seatNumbers: [5] },
    });
    const paidReservation = (bobs.body as { reservationId: string }).reservationId;
    expect(
      (
        await h.request("POST", "/api/v1/payments", {
          token: bobUsedToken,
          body: { reservationId: paidReservation },
        })
      ).status,
    ).toBe(201);
    ids = {
      concertA: a.concertId,
      concertB: b.concertId,
      scheduleA,
      scheduleA2,
      scheduleB: b.scheduleIds[0] ?? "",
      heldReservation: (held.body as { reservationId: string }).reservationId,
      paidReservation,
      aliceToken,
      bobUsedToken,
      bobToken: await token("bob", a.concertId),
      carolTokenB,
    };
  });

  afterAll(async () => {
    await h.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    const statuses = [...tally.byStatus.entries()].sort(([x], [y]) => x - y).map(([s, n]) => `${s}×${n}`);
    console.log(
      `fuzz (seed ${SEED}): ${tally.sent} requests sent (${tally.rejected} rejected, ${tally.accepted} accepted; ` +
        `${tally.unsendable} generated requests were not valid HTTP and could not be sent); ` +
        `statuses ${statuses.join(" ")}; slowest answer ${tally.maxMs.toFixed(1)} ms`,
    );
  });

  async function sendAndCheck(request: FuzzRequest): Promise<void> {
    let built: Request;
    try {
      const headers = new Headers();
      for (const [name, value] of request.headers) {
        headers.append(name, value);
      }
      built = new Request(`http://localhost${request.path}`, {
        method: request.method,
        headers,
        body: request.body,
      });
    } catch {
      // The generator made something no HTTP client can send (a control character in a header, a
      // forbidden method): it never reaches a server, so it is not a test of one.
      tally.unsendable += 1;
      return;
    }
    const before = fingerprint(h);
    const startedMs = performance.now();
    let response: Response;
    try {
      response = await h.app.request(built);
    } catch (error) {
      throw new Error(`${request.method} ${request.path} threw: ${String(error)}`, { cause: error });
    }
    const text = await response.text();
    tally.maxMs = Math.max(tally.maxMs, performance.now() - startedMs);
    tally.sent += 1;
    tally.byStatus.set(response.status, (tally.byStatus.get(response.status) ?? 0) + 1);
    checkAnswer(request, response.status, response.headers, text);
    if (response.status >= 300) {
      tally.rejected += 1;
      expect(fingerprint(h), `${request.method} ${request.path} → ${response.status} changed the state`).toBe(
        before,
      );
    } else {
      tally.accepted += 1;
    }
    expect(h.logged, `${request.method} ${request.path} logged an unexpected error`).toEqual([]);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  }

  it(`answers ${RANDOM_RUNS} random requests to random routes with no 5xx, the error body, and no change when rejected`, async () => {
    await fc.assert(fc.asyncProperty(randomRequest(ids), sendAndCheck), { numRuns: RANDOM_RUNS, seed: SEED });
  });

  it(`answers ${SHAPED_RUNS} well-formed requests with something wrong in them the same way`, async () => {
    await fc.assert(fc.asyncProperty(shapedRequest(ids), sendAndCheck), {
      numRuns: SHAPED_RUNS,
      seed: SEED + 1,
    });
  });

  it("answers the adversarial bodies on every write route without a 5xx, and a refusal changes nothing", async () => {
    const writes: [string, string, string | undefined][] = [
      ["POST", "/api/v1/queue/tokens", undefined],
      ["POST", "/api/v1/users/alice/balance/charge", undefined],
      ["POST", "/api/v1/reservations", ids.aliceToken],
      ["POST", "/api/v1/payments", ids.aliceToken],
      ["POST", "/api/v1/admin/concerts", ADMIN_TOKEN],
      ["PATCH", `/api/v1/admin/concerts/${ids.concertA}/waiting-room`, ADMIN_TOKEN],
    ];
    for (const [method, route, token] of writes) {
      for (const body of RAW_BODIES) {
        const headers: [string, string][] = [["content-type", "application/json"]];
        if (token !== undefined) {
          headers.push(["authorization", `Bearer ${token}`]);
        }
        const before = fingerprint(h);
        const response = await h.app.request(`http://localhost${route}`, { method, headers, body });
        const text = await response.text();
        checkAnswer({ method, path: route, headers, body }, response.status, response.headers, text);
        tally.sent += 1;
        if (response.status < 300) {
          // Only a whole JSON object may pass (a `__proto__` or `constructor` key is just ignored).
          tally.accepted += 1;
          expect(
            () => JSON.parse(body) as unknown,
            `${method} ${route} accepted ${body.slice(0, 80)}`,
          ).not.toThrow();
        } else {
          tally.rejected += 1;
          expect(fingerprint(h)).toBe(before);
        }
        if (body.length > REQUEST_BODY_BYTES_MAX) {
          expect(response.status).toBe(413);
        }
      }
    }
  });
});
