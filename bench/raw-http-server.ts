/**
 * The lower ceiling of every scenario: raw `node:http` with the engine's routes, no framework. It
 * parses the same JSON request bodies and answers the same captured replies as the bare-Hono baseline
 * (bench/baseline-server.ts), so Hono's own cost is the gap between the two, and the load generator
 * is proven by how far past the engine it drives this server.
 *
 * Run as a child process: `node --import tsx bench/raw-http-server.ts`, configured by `CEILING_PORT`
 * and `CEILING_ROUTES` (see bench/ceiling-routes.ts).
 */
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";

import { ceilingConfig, HEALTH_REPLY, NOT_AN_OBJECT_REPLY, takesBody } from "./ceiling-routes.ts";
import type { CeilingRoute } from "./ceiling-routes.ts";

interface CompiledRoute {
  method: string;
  /** The route's Hono pattern as a regular expression: each `:name` matches one path segment. */
  pattern: RegExp;
  status: number;
  body: unknown;
  takesBody: boolean;
}

function compile(route: CeilingRoute): CompiledRoute {
  const source = route.path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
    .join("/");
  return {
    method: route.method,
    pattern: new RegExp(`^${source}$`),
    status: route.status,
    body: route.body,
    takesBody: takesBody(route),
  };
}

/** The same headers `c.json()` sends on @hono/node-server: a JSON content type and the length. */
function sendJson(response: ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
  });
  response.end(text);
}

function readBody(request: IncomingMessage, done: (text: string) => void): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () =>
    done(chunks.length === 1 ? (chunks[0] as Buffer).toString() : Buffer.concat(chunks).toString()),
  );
}

function main(): void {
  const { port, routes } = ceilingConfig();
  const compiled = [
    compile({ method: "GET", path: "/health", status: 200, body: HEALTH_REPLY }),
    ...routes.map(compile),
  ];
  const server = createServer((request, response) => {
    const url = request.url ?? "/";
    const query = url.indexOf("?");
    const path = query === -1 ? url : url.slice(0, query);
    const route = compiled.find((each) => each.method === request.method && each.pattern.test(path));
    if (route === undefined) {
      sendJson(response, 404, { error: { code: "NOT_FOUND", message: `${request.method} ${path}` } });
      return;
    }
    if (!route.takesBody) {
      sendJson(response, route.status, route.body);
      return;
    }
    readBody(request, (text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (typeof parsed !== "object" || parsed === null) {
        sendJson(response, 400, NOT_AN_OBJECT_REPLY);
        return;
      }
      sendJson(response, route.status, route.body);
    });
  });
  server.listen(port, "127.0.0.1", () => {
    console.log(`raw node:http listening on 127.0.0.1:${port}`);
  });
  // Nothing to flush: the server keeps no state, so it may stop at once.
  process.once("SIGTERM", () => process.exit(0));
}

main();
