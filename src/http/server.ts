import { createServer, type Server, type ServerOptions } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { App } from "./app.ts";
import { setSecurityHeaders } from "./security-headers.ts";

/** Node's HTTP server around the app, with the security headers put on every response first. */
export function createHttpServer(app: App, options: ServerOptions): Server {
  const listener = getRequestListener(app.fetch);
  return createServer(options, (request, response) => {
    setSecurityHeaders(request, response);
    void listener(request, response);
  });
}
