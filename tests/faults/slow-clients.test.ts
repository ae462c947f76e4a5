import net from "node:net";
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REQUEST_BODY_BYTES_MAX } from "../../src/http/app.ts";
import { startServer, type ServerProcess } from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

/**
 * Hostile clients over a real socket, against the server as users run it: bodies trickled a byte at
 * a time, headers never finished, bodies never finished, oversized headers and bodies, malformed
 * requests. The server must cut the slow ones off (408) once REQUEST_TIMEOUT_MS has passed, refuse
 * the oversized ones, and meanwhile keep answering everyone else.
 */

/** The shortest request timeout the server accepts, so the test waits as little as it can. */
const REQUEST_TIMEOUT_MS = 1_000;
const SLOW_CLIENTS = 30;
const TRICKLE_INTERVAL_MS = 200;
const ADMIN_TOKEN = "slow-clients-admin-secret";

interface RawExchange {
  /** Everything the server sent before it closed the connection. */
  readonly received: string;
  readonly closedByServer: boolean;
}

/**
 * Opens a connection, sends `head`, then the bytes of `trickle` one per interval (forever, when it is
 * undefined), and resolves with what came back once the server closes the connection.
 */
function rawClient(
  port: number,
  head: string,
  trickle: string | undefined,
): { done: Promise<RawExchange>; stop: () => void } {
  const socket = net.connect({ host: "127.0.0.1", port });
  let received = "";
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const done = new Promise<RawExchange>((resolve) => {
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearInterval(timer);
      resolve({ received, closedByServer: !stopped });
    });
  });
  socket.on("connect", () => {
    socket.write(head);
    let sent = 0;
    timer = setInterval(() => {
      if (socket.destroyed || (trickle !== undefined && sent >= trickle.length)) {
        clearInterval(timer);
        return;
      }
      socket.write(trickle === undefined ? "x" : (trickle[sent] ?? ""));
      sent += 1;
    }, TRICKLE_INTERVAL_MS);
  });
  return {
    done,
    stop: () => {
      stopped = true;
      socket.destroy();
    },
  };
}

/** One whole request on a fresh connection; resolves with the raw answer once the server is done. */
function rawRequest(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port }, () => socket.end(request));
    let received = "";
    socket.on("data", (chunk: Buffer) => {
      received += chunk.toString("latin1");
    });
    socket.on("error", () => undefined);
    socket.on("close", () => resolve(received));
  });
}

function statusOf(raw: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);
}

describe("slow and malformed clients over a real socket", () => {
  let server: ServerProcess;
  let dir = "";

  beforeAll(async () => {
    dir = tempDir("slow-clients-");
    server = await startServer({
      env: {
        DATABASE_PATH: path.join(dir, "journal.db"),
        REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        ADMIN_TOKEN,
      },
    });
  });
  afterAll(async () => {
    const exit = await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
    expect(exit.code).toBe(0);
    // Nothing a client did was logged as a server error, and the admin token was never printed.
    expect(server.output()).not.toMatch(/unexpected error/);
    expect(server.output()).not.toContain(ADMIN_TOKEN);
  });

  it("cuts off clients that trickle a body or never finish their headers, and answers everyone else meanwhile", async () => {
    const port = server.port;
    const body = JSON.stringify({ amount: 1_000 });
    const clients = Array.from({ length: SLOW_CLIENTS }, (_, i) => {
      switch (i % 3) {
        case 0:
          // Headers sent, then the body a byte at a time: far slower than the request timeout allows.
          return rawClient(
            port,
            `POST /api/v1/users/slow${i}/balance/charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
              `Content-Length: ${body.length}\r\n\r\n`,
            body,
          );
        case 1:
          // Slowloris: headers that never end.
          return rawClient(port, "GET /health HTTP/1.1\r\nHost: x\r\n", undefined);
        default:
          // A body that stops half way and never continues.
          return rawClient(
            port,
            `POST /api/v1/users/stall${i}/balance/charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
              `Content-Length: 1000\r\n\r\n{"amount":`,
            "",
          );
      }
    });

    // While they hang on, everyone else is answered.
    for (let i = 0; i < 20; i += 1) {
      const health = await fetch(`${server.baseUrl}/health`);
      expect(health.status).toBe(200);
      const charge = await fetch(`${server.baseUrl}/api/v1/users/fast${i}/balance/charge`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(charge.status).toBe(200);
    }

    const ends = await Promise.all(clients.map((client) => client.done));
    for (const [i, end] of ends.entries()) {
      expect(end.closedByServer, `slow client ${i} was never cut off`).toBe(true);
      // Node answers 408 when it can still answer, and otherwise just closes.
      if (end.received.length > 0) {
        expect(statusOf(end.received), end.received).toBe(408);
      }
    }
    // None of the slow charges happened.
    for (const i of [0, 2, 3, 5]) {
      const balance = await fetch(
        `${server.baseUrl}/api/v1/users/${i % 3 === 0 ? "slow" : "stall"}${i}/balance`,
      );
      expect(await balance.json()).toMatchObject({ balance: 0 });
    }
  });

  it("refuses oversized headers (431) and bodies (413), whether the length is declared or streamed", async () => {
    const port = server.port;
    const bigHeader = await rawRequest(
      port,
      `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20 * 1024)}\r\n\r\n`,
    );
    expect(statusOf(bigHeader)).toBe(431);

    const declared = await rawRequest(
      port,
      `POST /api/v1/users/big/balance/charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${REQUEST_BODY_BYTES_MAX + 1}\r\nConnection: close\r\n\r\n`,
    );
    expect(statusOf(declared)).toBe(413);
    expect(declared).toContain('"PAYLOAD_TOO_LARGE"');

    const pad = "x".repeat(REQUEST_BODY_BYTES_MAX);
    const chunk = JSON.stringify({ amount: 1_000, pad });
    const streamed = await rawRequest(
      port,
      `POST /api/v1/users/big/balance/charge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
        `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk.length.toString(16)}\r\n${chunk}\r\n0\r\n\r\n`,
    );
    expect(statusOf(streamed)).toBe(413);
    expect(streamed).toContain('"PAYLOAD_TOO_LARGE"');
    const balance = await fetch(`${server.baseUrl}/api/v1/users/big/balance`);
    expect(await balance.json()).toMatchObject({ balance: 0 });
  });

  it("uses the admin token without echoing it, in answers or in the server's output", async () => {
    const body = JSON.stringify({
      title: "Admin",
      schedules: [{ startsAt: "2030-06-01T19:00:00Z", seatCount: 1, price: 1 }],
    });
    for (const token of [ADMIN_TOKEN, `${ADMIN_TOKEN}x`, ADMIN_TOKEN.slice(0, -1)]) {
      const answer = await fetch(`${server.baseUrl}/api/v1/admin/concerts`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body,
      });
      expect(answer.status).toBe(token === ADMIN_TOKEN ? 201 : 401);
      expect(await answer.text()).not.toContain(ADMIN_TOKEN.slice(0, -1));
    }
  });

  it("answers malformed HTTP with 400 and stays up", async () => {
    const port = server.port;
    const garbage = [
      "GARBAGE\r\n\r\n",
      "GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "POST /api/v1/users/u/balance/charge HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /health HTTP/1.1\r\nHost: x\r\nBad Header Name: y\r\n\r\n",
      "GET /he\u0000alth HTTP/1.1\r\nHost: x\r\n\r\n",
    ];
    for (const request of garbage) {
      const answer = await rawRequest(port, Buffer.from(request, "latin1"));
      const status = statusOf(answer);
      expect(status === 0 || (status >= 400 && status < 500), `${JSON.stringify(request)} → ${answer}`).toBe(
        true,
      );
    }
    const health = await fetch(`${server.baseUrl}/health`);
    expect(health.status).toBe(200);
  });
});
