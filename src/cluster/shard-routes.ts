/**
 * What makes one server a shard of a cluster, on the HTTP side: it refuses keys another shard owns,
 * forwards a token request for another shard's concert to that shard, carries the messages of
 * cross-shard payments between the coordinating shard and the wallet's (an internal endpoint here, a
 * transport for the engine's saga driver), and answers the lists that span shards by asking every
 * peer over internal endpoints and merging their answers in the single node's order.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Context, MiddlewareHandler } from "hono";
import type { SimulatedClock } from "../actors/clock.ts";
import type { Engine } from "../actors/engine.ts";
import type { ShardConfig } from "../config.ts";
import type { Result } from "../engine/decider.ts";
import { USER_ID_PATTERN } from "../engine/limits.ts";
import type { FundsAnswer, FundsCommand } from "../engine/wallet-reservation.ts";
import { sendError, sendRejection } from "../http/errors.ts";
import { bearerToken } from "../http/respond.ts";
import { reservationView } from "../http/views.ts";
import { shardOfKey, shardTag, walletShardOf } from "./ownership.ts";
import { PeerClient, SHARD_SECRET_HEADER } from "./peer-client.ts";

/** Where a shard's internal endpoints live; HAProxy denies this prefix to clients. */
export const INTERNAL_PREFIX = "/internal/v1";

const KEY_IN_PATH = /^\/api\/v1\/(?:schedules|reservations|concerts|admin\/concerts)\/([^/]+)/;
const WALLET_PATH = /^\/api\/v1\/users\/([^/]+)\/balance(?:\/|$)/;
const USER_RESERVATIONS_PATH = /^\/api\/v1\/users\/([^/]+)\/reservations$/;
const CONCERTS_PATH = "/api/v1/concerts";
/** The one request whose key is only in its body (`{"concertId": …}`): HAProxy routes it by the body. */
export const ISSUE_TOKEN_PATH = "/api/v1/queue/tokens";
const ADMIN_PREFIX = "/api/v1/admin/";

/** One item of a shard's part of a list, with the key the parts are merged by. */
interface Ranked<T> {
  readonly rank: number;
  readonly item: T;
}

interface ConcertItem {
  readonly concertId: string;
  readonly title: string;
}

type ReservationItem = ReturnType<typeof reservationView>;

export interface ShardRoutes {
  /** Runs before the API's routes (after the body is parsed). */
  readonly middleware: MiddlewareHandler;
  /** Adds the internal endpoints the peers call. */
  readonly registerInternal: (app: OpenAPIHono) => void;
  /** Closes the kept-alive connections to the peers. */
  readonly close: () => void;
}

/**
 * The HTTP side of shard `config.index` of a cluster, over its own engine. With `simulatedClock` (tests
 * only: SIMULATED_CLOCK_START_MS) it also has the internal endpoint that moves that clock.
 */
export function shardRoutes(
  config: ShardConfig,
  engine: Engine,
  simulatedClock?: SimulatedClock,
): ShardRoutes {
  const me = config.index;
  const shards = config.peers.length;
  const client = new PeerClient(config.secret);
  const expectedDigest = digest(config.secret);
  const fromPeer = (c: Context): boolean => {
    const given = c.req.header(SHARD_SECRET_HEADER);
    return given !== undefined && timingSafeEqual(digest(given), expectedDigest);
  };

  const refuseForeign = (c: Context, what: string, key: string, owner: number): Response =>
    sendError(
      c,
      "SHARD_UNAVAILABLE",
      `${what} ${key} belongs to shard ${owner}, not to shard ${me}: send it through the cluster's router`,
    );

  /** The shard that owns `key` by its tag; undefined for no key, an untagged one, or a shard this cluster lacks. */
  const ownerOf = (key: string | undefined): number | undefined => {
    const owner = key === undefined ? undefined : shardOfKey(key);
    return owner !== undefined && owner < shards ? owner : undefined;
  };

  /** Local concerts in creation order, ranked by creation time. */
  const localConcerts = async (): Promise<Result<Ranked<ConcertItem>[]>> => {
    const listed = await engine.listConcerts();
    if (!listed.ok) {
      return listed;
    }
    return {
      ok: true,
      value: listed.value.map(({ concertId, title, createdAtMs }) => ({
        rank: createdAtMs ?? 0,
        item: { concertId, title },
      })),
    };
  };

  /** A user's local reservations, newest first, ranked by hold time (negated: the merge is ascending). */
  const localReservations = async (userId: string): Promise<Result<Ranked<ReservationItem>[]>> => {
    const listed = await engine.reservationsOf(userId);
    if (!listed.ok) {
      return listed;
    }
    return {
      ok: true,
      value: listed.value.map((reservation) => ({
        rank: -reservation.heldAtMs,
        item: reservationView(reservation),
      })),
    };
  };

  /**
   * This shard's part and every peer's, merged; or the response that says a shard did not answer. A
   * list with a part missing would look complete and be wrong, so it is never answered.
   */
  const gather = async <T>(
    c: Context,
    local: Result<Ranked<T>[]>,
    internalPath: string,
  ): Promise<T[] | Response> => {
    if (!local.ok) {
      return sendRejection(c, local.rejection);
    }
    const parts: Promise<Ranked<T>[] | string>[] = config.peers.map((peer, index) =>
      index === me
        ? Promise.resolve(local.value)
        : client
            .request(`${peer}${internalPath}`, {
              method: "GET",
              headers: { "x-request-id": String(c.var.requestId) },
            })
            .then(
              (answer) =>
                answer.status === 200
                  ? (JSON.parse(answer.body) as { items: Ranked<T>[] }).items
                  : `shard ${index} answered ${answer.status}`,
              (error: unknown) => `shard ${index} did not answer (${(error as Error).message})`,
            ),
    );
    const answered = await Promise.all(parts);
    const missing = answered.filter((part): part is string => typeof part === "string");
    if (missing.length > 0) {
      return sendError(c, "SHARD_UNAVAILABLE", `the list spans every shard, and ${missing.join("; ")}`);
    }
    return mergeRanked(answered as Ranked<T>[][]);
  };

  /** Sends a token request for another shard's concert to that shard, and relays its answer. */
  const forward = async (c: Context, owner: number, body: unknown): Promise<Response> => {
    const peer = config.peers[owner] as string;
    try {
      const answer = await client.request(`${peer}${c.req.path}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-request-id": String(c.var.requestId) },
        body: JSON.stringify(body),
      });
      const retryAfter = answer.headers["retry-after"];
      if (typeof retryAfter === "string") {
        c.header("Retry-After", retryAfter);
      }
      c.header("Content-Type", answer.headers["content-type"] ?? "application/json");
      return c.body(answer.body, answer.status as 200);
    } catch (error) {
      return sendError(
        c,
        "SHARD_UNAVAILABLE",
        `shard ${owner}, which owns the concert, did not answer (${(error as Error).message})`,
      );
    }
  };

  const middleware: MiddlewareHandler = async (c, next) => {
    const path = c.req.path;
    const method = c.req.method;
    if (path.startsWith(INTERNAL_PREFIX)) {
      return next();
    }
    const token = path.startsWith(ADMIN_PREFIX) ? undefined : bearerToken(c);
    const tokenOwner = ownerOf(token);
    const inPath = KEY_IN_PATH.exec(path)?.[1];
    // The key the router sends this request by (haproxy-config.ts): a cancel's token (its shard asks
    // the reservation's, Engine.refuseAbsent), else an id in the path, else the token.
    const byToken = {
      owner: tokenOwner,
      what: "the queue token of concert",
      key: token?.split(".")[0] ?? "",
    };
    const routedBy =
      (method === "DELETE" && tokenOwner !== undefined) || inPath === undefined
        ? byToken
        : { owner: ownerOf(inPath), what: "id", key: inPath };
    if (routedBy.owner !== undefined && routedBy.owner !== me) {
      return refuseForeign(c, routedBy.what, routedBy.key, routedBy.owner);
    }
    // A malformed user id goes on to the route, which refuses it as a single node does.
    const walletUser = WALLET_PATH.exec(path)?.[1];
    if (walletUser !== undefined && USER_ID_PATTERN.test(walletUser)) {
      const owner = walletShardOf(walletUser, shards);
      if (owner !== me) {
        return refuseForeign(c, "the wallet of user", walletUser, owner);
      }
    }
    if (method === "GET" && path === CONCERTS_PATH) {
      const merged = await gather(c, await localConcerts(), `${INTERNAL_PREFIX}/concerts`);
      return merged instanceof Response ? merged : c.json({ concerts: merged }, 200);
    }
    const listUser = method === "GET" ? USER_RESERVATIONS_PATH.exec(path)?.[1] : undefined;
    if (listUser !== undefined && USER_ID_PATTERN.test(listUser)) {
      const local = await localReservations(listUser);
      const merged = await gather(
        c,
        local,
        `${INTERNAL_PREFIX}/users/${encodeURIComponent(listUser)}/reservations`,
      );
      return merged instanceof Response ? merged : c.json({ userId: listUser, reservations: merged }, 200);
    }
    if (method === "POST" && path === ISSUE_TOKEN_PATH) {
      const body = await jsonOf(c);
      const concertId = stringField(body, "concertId");
      const owner = ownerOf(concertId);
      if (owner !== undefined && owner !== me) {
        // A forwarded request is never forwarded again: a second hop means the router is wrong.
        return fromPeer(c) ? refuseForeign(c, "concert", concertId ?? "", owner) : forward(c, owner, body);
      }
    }
    return next();
  };

  /** Sends a step of a cross-shard payment to the shard of the payer's wallet, and reads its answer. */
  const sendFunds = async (command: FundsCommand): Promise<FundsAnswer> => {
    const owner = walletShardOf(command.userId, shards);
    const answer = await client.request(`${config.peers[owner] as string}${INTERNAL_PREFIX}/funds`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(command),
    });
    if (answer.status !== 200) {
      throw new Error(`shard ${owner} answered ${answer.status} to ${command.type}: ${answer.body}`);
    }
    return JSON.parse(answer.body) as FundsAnswer;
  };

  engine.enableForeignTargets({
    concertOf: (id) => {
      const owner = ownerOf(id);
      if (owner === undefined || owner === me) {
        return undefined;
      }
      const url = `${config.peers[owner] as string}${INTERNAL_PREFIX}/targets/${encodeURIComponent(id)}`;
      return client.request(url, { method: "GET" }).then((answer) => {
        if (answer.status !== 200) {
          throw new Error(`shard ${owner} answered ${answer.status} about ${id}: ${answer.body}`);
        }
        return stringField(JSON.parse(answer.body), "concertId");
      });
    },
  });
  engine.enableCrossShardPayments({
    walletIsLocal: (userId) => walletShardOf(userId, shards) === me,
    transport: { send: sendFunds },
    paymentIdOfKey: (userId, key) =>
      `${shardTag(me)}pay-${createHash("sha256").update(`${userId}\u0000${key}`).digest("base64url").slice(0, 22)}`,
  });

  const registerInternal = (app: OpenAPIHono): void => {
    const peersOnly: MiddlewareHandler = async (c, next) =>
      fromPeer(c) ? next() : sendError(c, "NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`);
    app.use(`${INTERNAL_PREFIX}/*`, peersOnly);
    app.get(`${INTERNAL_PREFIX}/concerts`, async (c) => {
      const local = await localConcerts();
      return local.ok ? c.json({ items: local.value }, 200) : sendRejection(c, local.rejection);
    });
    app.post(`${INTERNAL_PREFIX}/funds`, async (c) => {
      const command = fundsCommandOf(await jsonOf(c));
      if (command === undefined) {
        return sendError(c, "VALIDATION_FAILED", "not a funds command");
      }
      const owner = walletShardOf(command.userId, shards);
      if (owner !== me) {
        return refuseForeign(c, "the wallet of user", command.userId, owner);
      }
      const answered = await engine.funds(command);
      return answered.ok ? c.json(answered.value, 200) : sendRejection(c, answered.rejection);
    });
    app.get(`${INTERNAL_PREFIX}/users/:userId/reservations`, async (c) => {
      const local = await localReservations(c.req.param("userId"));
      return local.ok ? c.json({ items: local.value }, 200) : sendRejection(c, local.rejection);
    });
    app.get(`${INTERNAL_PREFIX}/targets/:id`, (c) =>
      c.json({ concertId: engine.concertOfTarget(c.req.param("id")) ?? null }, 200),
    );
    if (simulatedClock !== undefined) {
      // Moves the clock to `nowMs` (never back), fires what fell due, and answers once it is all done.
      app.post(`${INTERNAL_PREFIX}/clock`, async (c) => {
        const nowMs = fieldOf(await jsonOf(c), "nowMs");
        if (typeof nowMs !== "number" || !Number.isSafeInteger(nowMs)) {
          return sendError(c, "VALIDATION_FAILED", 'expected {"nowMs": <Unix time in ms>}');
        }
        simulatedClock.advanceTo(Math.max(simulatedClock.nowMs(), nowMs));
        await engine.whenIdle();
        return c.json({ nowMs: simulatedClock.nowMs() }, 200);
      });
    }
  };

  return { middleware, registerInternal, close: () => client.close() };
}

/**
 * Merges lists that are each in order (ascending rank) into one, keeping each list's own order and
 * taking, on equal ranks, the item of the lower-numbered shard first.
 */
export function mergeRanked<T>(parts: readonly (readonly Ranked<T>[])[]): T[] {
  const merged: T[] = [];
  const next = parts.map(() => 0);
  for (;;) {
    let best = -1;
    for (let part = 0; part < parts.length; part += 1) {
      const candidate = parts[part]?.[next[part] as number];
      const leader = best < 0 ? undefined : parts[best]?.[next[best] as number];
      if (candidate !== undefined && (leader === undefined || candidate.rank < leader.rank)) {
        best = part;
      }
    }
    if (best < 0) {
      return merged;
    }
    merged.push((parts[best] as readonly Ranked<T>[])[next[best] as number]?.item as T);
    next[best] = (next[best] as number) + 1;
  }
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/** The parsed body (jsonBody() has read it); undefined when there is none or it is not JSON. */
async function jsonOf(c: Context): Promise<unknown> {
  try {
    return (await c.req.json()) as unknown;
  } catch {
    return undefined;
  }
}

/** A funds command as the coordinating shard sends it (see `sendFunds`), or undefined. */
function fundsCommandOf(body: unknown): FundsCommand | undefined {
  const type = stringField(body, "type");
  const paymentId = stringField(body, "paymentId");
  const userId = stringField(body, "userId");
  if (paymentId === undefined || userId === undefined) {
    return undefined;
  }
  switch (type) {
    case "ReserveFunds": {
      const reservationId = stringField(body, "reservationId");
      const amount = fieldOf(body, "amount");
      return reservationId === undefined || typeof amount !== "number"
        ? undefined
        : { type, paymentId, userId, reservationId, amount };
    }
    case "PostFunds":
    case "VoidFunds":
      return { type, paymentId, userId };
    case undefined:
    default:
      return undefined;
  }
}

function fieldOf(body: unknown, name: string): unknown {
  return typeof body === "object" && body !== null ? (body as Record<string, unknown>)[name] : undefined;
}

function stringField(body: unknown, name: string): string | undefined {
  const value = fieldOf(body, name);
  return typeof value === "string" ? value : undefined;
}
