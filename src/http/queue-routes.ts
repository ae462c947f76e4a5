import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { TokenView } from "../actors/engine.ts";
import { assert } from "../engine/decider.ts";
import type { AppDeps } from "./app.ts";
import { ISSUE_TOKEN_REQUEST, TOKEN_ACTIVE, TOKEN_WAITING } from "./examples.ts";
import { documented, jsonBody, jsonResponse } from "./openapi-helpers.ts";
import { bearerToken, valueOf } from "./respond.ts";
import { IssueTokenBody, TokenSchema } from "./schemas.ts";
import { isoTimeOrNull } from "./views.ts";

function tokenView(view: TokenView) {
  // The engine answers an ended token with TOKEN_EXPIRED, so a view here is always live.
  assert(view.status !== "EXPIRED", "an ended token is answered as a rejection, not a view");
  return {
    token: view.token,
    userId: view.userId,
    concertId: view.concertId,
    status: view.status,
    position: view.position,
    estimatedWaitSeconds: view.estimatedWaitSeconds,
    expiresAt: isoTimeOrNull(view.expiresAtMs),
    pollAfterSeconds: view.pollAfterSeconds,
    opensAt: isoTimeOrNull(view.opensAtMs),
  };
}

const issueToken = createRoute(
  documented(
    {
      method: "post",
      path: "/api/v1/queue/tokens",
      operationId: "issueQueueToken",
      tags: ["Waiting room"],
      summary: "Take a place in a concert's waiting room (or get your live token back)",
      request: jsonBody(IssueTokenBody, ISSUE_TOKEN_REQUEST),
      responses: {
        201: jsonResponse(
          TokenSchema,
          "A new token, WAITING with its position or ACTIVE at once",
          TOKEN_ACTIVE,
        ),
        200: jsonResponse(TokenSchema, "The user's live token for this concert", TOKEN_WAITING),
      },
    },
    // OVERLOADED also when the concert's waiting room holds as many tokens as it may.
    { access: "public", viaActor: true, codes: ["CONCERT_NOT_FOUND"] },
  ),
);

const currentToken = createRoute(
  documented(
    {
      method: "get",
      path: "/api/v1/queue/tokens/current",
      operationId: "getCurrentQueueToken",
      tags: ["Waiting room"],
      summary: "Poll the status of your token; poll again after pollAfterSeconds",
      responses: {
        200: {
          ...jsonResponse(TokenSchema, "The token's status, position and estimated wait", TOKEN_WAITING),
          headers: {
            "Retry-After": {
              description: "pollAfterSeconds: when to poll again.",
              required: true,
              schema: { type: "integer", minimum: 0 },
            },
          },
        },
      },
    },
    { access: "queueToken", viaActor: true, codes: ["TOKEN_EXPIRED"] },
  ),
);

const leaveQueue = createRoute(
  documented(
    {
      method: "delete",
      path: "/api/v1/queue/tokens/current",
      operationId: "leaveQueue",
      tags: ["Waiting room"],
      summary: "Leave the waiting room; everyone behind moves up",
      responses: { 204: { description: "Left" } },
    },
    { access: "queueToken", viaActor: true, codes: ["TOKEN_EXPIRED"] },
  ),
);

export function registerQueueRoutes(app: OpenAPIHono, { engine }: AppDeps): void {
  app.openapi(issueToken, async (c) => {
    const { userId, concertId } = c.req.valid("json");
    const issued = valueOf(await engine.issueToken(userId, concertId));
    return issued.created ? c.json(tokenView(issued.token), 201) : c.json(tokenView(issued.token), 200);
  });

  app.openapi(currentToken, async (c) => {
    const view = valueOf(await engine.currentToken(bearerToken(c)));
    c.header("Retry-After", String(view.pollAfterSeconds));
    return c.json(tokenView(view), 200);
  });

  app.openapi(leaveQueue, async (c) => {
    valueOf(await engine.leaveQueue(bearerToken(c)));
    return c.body(null, 204);
  });
}
