import { createServer, type Server, type ServerOptions } from "node:http";
import { getRequestListener } from "@hono/node-server";
import type { App } from "./app.ts";
import { SecuredResponse } from "./security-headers.ts";

/**
 * Node's HTTP server around the app. Its responses are `SecuredResponse`s, which put the security
 * headers and the request id on every answer as its head is written.
 */
export function createHttpServer(app: App, options: ServerOptions): Server {
  const listener = getRequestListener(app.fetch);
  return createServer({ ...options, ServerResponse: SecuredResponse }, (request, response) => {
    void listener(request, response);
  });
}
