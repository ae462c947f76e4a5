import fs from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { QUEUE_TOKEN_SECRET_LENGTH_MIN } from "../../src/engine/waiting-room/index.ts";
import { SecuredResponse } from "../../src/http/security-headers.ts";
import { createHttpServer } from "../../src/http/server.ts";
import { REPO_ROOT } from "../../support/child-process.ts";
import { memoryTempDir } from "../../support/temp-dir.ts";
import { ADMIN_TOKEN, startAppEngine, type AppEngine } from "./app-engine.ts";

/**
 * The attack surface as SECURITY.md describes it, checked: unguessable tokens bound to one user and
 * one concert, the admin token, answers that never carry a stack trace or an internal path, secure
 * headers, and safe defaults. (Body and header limits and slow clients: fuzz.test.ts and
 * slow-clients.test.ts.)
 */

let h: AppEngine;
let dir = "";
beforeEach(async () => {
  dir = memoryTempDir("security-");
  h = await startAppEngine(path.join(dir, "journal.db"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  await h.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function concert(title: string): Promise<{ concertId: string; scheduleId: string }> {
  const answer = await h.request("POST", "/api/v1/admin/concerts", {
    token: ADMIN_TOKEN,
    body: { title, schedules: [{ startsAt: "2030-06-01T19:00:00Z", seatCount: 10, price: 1_000 }] },
  });
  expect(answer.status).toBe(201);
  const body = answer.body as { concertId: string; schedules: { scheduleId: string }[] };
  return { concertId: body.concertId, scheduleId: body.schedules[0]?.scheduleId ?? "" };
}

async function tokenFor(userId: string, concertId: string): Promise<string> {
  const answer = await h.request("POST", "/api/v1/queue/tokens", { body: { userId, concertId } });
  expect(answer.status).toBe(201);
  return (answer.body as { token: string }).token;
}

describe("queue tokens", () => {
  it("carry an unguessable secret of at least 21 nanoid characters, different for every token", async () => {
    const { concertId } = await concert("Tokens");
    const secrets = new Set<string>();
    for (let i = 0; i < 200; i += 1) {
      const token = await tokenFor(`user${i}`, concertId);
      const secret = token.slice(token.lastIndexOf(".") + 1);
      expect(secret).toMatch(new RegExp(`^[A-Za-z0-9_-]{${QUEUE_TOKEN_SECRET_LENGTH_MIN},}$`));
      secrets.add(secret);
    }
    expect(secrets.size).toBe(200);
  });

  it("are refused when any character of the secret is wrong, or when the public parts are changed", async () => {
    const { concertId, scheduleId } = await concert("Forgery");
    const token = await tokenFor("alice", concertId);
    const secretStart = token.lastIndexOf(".") + 1;
    const forgeries = [
      ...Array.from({ length: token.length - secretStart }, (_, i) => {
        const at = secretStart + i;
        return token.slice(0, at) + (token[at] === "a" ? "b" : "a") + token.slice(at + 1);
      }),
      token.slice(0, -1),
      `${token}a`,
      token.replace(".0.", ".1."),
      token.replace(".0.", ".00."),
    ];
    for (const forged of forgeries) {
      const answer = await h.request("POST", "/api/v1/reservations", {
        token: forged,
        body: { scheduleId, seatNumbers: [1] },
      });
      expect(answer.status, forged).toBe(401);
    }
    expect(h.state().schedules.get(scheduleId)?.heldCount).toBe(0);
  });

  it("act for one user and one concert only", async () => {
    const a = await concert("Concert A");
    const b = await concert("Concert B");
    const alice = await tokenFor("alice", a.concertId);
    const bob = await tokenFor("bob", a.concertId);
    const wrongConcert = await h.request("POST", "/api/v1/reservations", {
      token: alice,
      body: { scheduleId: b.scheduleId, seatNumbers: [1] },
    });
    expect(wrongConcert.status).toBe(403);
    expect(wrongConcert.body).toMatchObject({ error: { code: "TOKEN_CONCERT_MISMATCH" } });

    const held = await h.request("POST", "/api/v1/reservations", {
      token: bob,
      body: { scheduleId: a.scheduleId, seatNumbers: [2] },
    });
    const reservationId = (held.body as { reservationId: string }).reservationId;
    const cancel = await h.request("DELETE", `/api/v1/reservations/${reservationId}`, { token: alice });
    expect(cancel.body).toMatchObject({ error: { code: "NOT_OWNER" } });
    const pay = await h.request("POST", "/api/v1/payments", { token: alice, body: { reservationId } });
    expect(pay.body).toMatchObject({ error: { code: "NOT_OWNER" } });
    // The reservation is Bob's because his token made it: the body cannot name another user.
    expect((held.body as { userId: string }).userId).toBe("bob");
  });
});

describe("the admin token", () => {
  it("is required, whole and exact; near misses are refused alike", async () => {
    const body = { title: "x", schedules: [{ startsAt: "2030-06-01T19:00:00Z", seatCount: 1, price: 1 }] };
    const nearMisses = [
      undefined,
      "",
      ADMIN_TOKEN.slice(0, -1),
      `${ADMIN_TOKEN}x`,
      ADMIN_TOKEN.toUpperCase(),
      ADMIN_TOKEN.slice(1),
      "x".repeat(ADMIN_TOKEN.length),
    ];
    for (const token of nearMisses) {
      const answer = await h.request("POST", "/api/v1/admin/concerts", { token, body });
      expect(answer.status, String(token)).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: "ADMIN_UNAUTHORIZED" } });
      expect(Object.keys((answer.body as { error: object }).error).sort()).toEqual([
        "code",
        "message",
        "requestId",
      ]);
      expect(answer.text).not.toContain(ADMIN_TOKEN);
    }
    expect(h.state().catalog.concerts.size).toBe(0);
  });

  it("is never echoed by a configuration error", () => {
    const secret = "not a valid token because of spaces";
    try {
      loadConfig({ ADMIN_TOKEN: secret });
      expect.fail("a token with spaces was accepted");
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).not.toContain(secret);
    }
  });
});

describe("answers to unexpected errors", () => {
  it("are 500 INTERNAL_ERROR with a fixed message: no stack trace, no internal path, no error text", async () => {
    const secret = `database at ${REPO_ROOT}data/journal.db failed`;
    vi.spyOn(h.engine, "listConcerts").mockImplementation(() => {
      throw new Error(secret);
    });
    vi.spyOn(h.engine, "balance").mockRejectedValue(new TypeError(secret));
    for (const url of ["/api/v1/concerts", "/api/v1/users/alice/balance"]) {
      const answer = await h.request("GET", url);
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({
        error: {
          code: "INTERNAL_ERROR",
          message: "the server failed to answer this request",
          requestId: answer.headers.get("x-request-id"),
        },
      });
      expect(answer.text).not.toContain(REPO_ROOT);
      expect(answer.text).not.toMatch(/\bat .+:\d+|Error|\.ts\b|database/);
    }
    // The operator still sees what happened, in the log.
    expect(h.logged).toHaveLength(2);
    expect(JSON.stringify(h.logged[0])).toContain(secret);
  });
});

describe("response headers", () => {
  it("are the secure ones on every answer, API answers are not cached, and nothing names the stack", async () => {
    // The headers are put on Node's response before the app runs, so this goes through the same
    // server wrapper as src/main.ts, on a loopback socket.
    const server = createHttpServer(h.app, {});
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    try {
      for (const url of ["/health", "/api/v1/concerts", "/api/v1/nowhere", "/openapi.json", "/metrics"]) {
        const answer = await fetch(base + url);
        await answer.arrayBuffer();
        const headers = answer.headers;
        expect(headers.get("x-content-type-options"), url).toBe("nosniff");
        expect(headers.get("x-frame-options"), url).toBe("SAMEORIGIN");
        expect(headers.get("strict-transport-security"), url).toMatch(/max-age=\d+/);
        expect(headers.get("referrer-policy"), url).toBe("no-referrer");
        expect(headers.get("cross-origin-opener-policy"), url).toBe("same-origin");
        expect(headers.get("cross-origin-resource-policy"), url).toBe("same-origin");
        expect(headers.get("x-powered-by"), url).toBeNull();
        expect(headers.get("server"), url).toBeNull();
        if (url.startsWith("/api/")) {
          expect(headers.get("cache-control"), url).toBe("no-store");
        }
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("the secured response", () => {
  it("lets a header the app sets itself replace the default of the same name, once, whichever way it is set", async () => {
    const server = createServer({ ServerResponse: SecuredResponse }, (request, response) => {
      if (request.url === "/progressive") {
        response.setHeader("x-frame-options", "DENY");
        response.writeHead(200, { "Content-Type": "text/plain" });
      } else if (request.url === "/api/list") {
        response.writeHead(200, ["Cache-Control", "max-age=5", "X-Frame-Options", "DENY"]);
      } else {
        response.writeHead(200, "Fine", { "x-frame-options": "DENY", "Content-Type": "text/plain" });
      }
      response.end("ok");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`;
    try {
      for (const url of ["/progressive", "/api/list", "/object"]) {
        const answer = await fetch(base + url);
        await answer.arrayBuffer();
        expect(answer.headers.get("x-frame-options"), url).toBe("DENY");
        expect(answer.headers.get("x-content-type-options"), url).toBe("nosniff");
        expect(answer.headers.get("cache-control"), url).toBe(url === "/api/list" ? "max-age=5" : null);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("defaults", () => {
  it("bind to loopback only and leave the admin API off", () => {
    const config = loadConfig({});
    expect(config.host).toBe("127.0.0.1");
    expect(config.adminToken).toBeUndefined();
  });
});
