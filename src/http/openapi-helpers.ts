import type { z } from "@hono/zod-openapi";
import { ErrorSchema } from "./schemas.ts";

/** Small builders that keep route definitions to what differs between routes. */

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { "application/json": { schema } }, required: true } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { "application/json": { schema } }, description };
}

/** Error responses a route may give, documented with the shared error body. */
export function errorResponses(...entries: [status: number, description: string][]) {
  return Object.fromEntries(
    entries.map(([status, description]) => [
      status,
      { content: { "application/json": { schema: ErrorSchema } }, description },
    ]),
  );
}

export const BEARER_TOKEN = [{ queueToken: [] }];
export const ADMIN_BEARER = [{ adminToken: [] }];
