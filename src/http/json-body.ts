import type { IncomingMessage } from "node:http";
import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { BlankEnv } from "hono/types";
import { sendError } from "./errors.ts";

/** Request bodies above this are refused with 413, before or while they are read. */
export const REQUEST_BODY_BYTES_MAX = 16 * 1024;

const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json\s*(;|$)/i;

/** Raised when a client hangs up before its body arrived whole: nothing to do, nothing to log. */
export class ClientWentAway extends Error {
  override readonly name = "ClientWentAway";
}

function tooLarge(c: Context): Response {
  return sendError(c, "PAYLOAD_TOO_LARGE", `request bodies are limited to ${REQUEST_BODY_BYTES_MAX} bytes`);
}

/**
 * Reads at most `REQUEST_BODY_BYTES_MAX` bytes; undefined once the body turns out longer. It listens
 * for the stream's events rather than iterating it: an async iterator costs several promises and
 * objects per request, more than the rest of reading a small body. The listeners are inline and stay
 * attached (the request is dropped with them), so a request costs no named closures.
 */
function readLimited(incoming: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    incoming.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > REQUEST_BODY_BYTES_MAX) {
        // Settles once; later chunks are counted and dropped while the 413 goes out.
        chunks.length = 0;
        resolve(undefined);
      } else {
        chunks.push(chunk);
      }
    });
    incoming.on("end", () => {
      resolve(
        bytes > REQUEST_BODY_BYTES_MAX
          ? undefined
          : chunks.length === 1
            ? (chunks[0] as Buffer).toString("utf8")
            : Buffer.concat(chunks, bytes).toString("utf8"),
      );
    });
    // A close before the whole body came means the client hung up (or was cut off for sending too
    // slowly). Every request closes, so the error (and its costly stack) is made only for those.
    incoming.on("close", () => {
      if (!incoming.complete) {
        reject(new ClientWentAway("the request body did not arrive whole"));
      }
    });
    incoming.on("error", (error) => {
      reject(new ClientWentAway("the request body did not arrive whole", { cause: error }));
    });
  });
}

/**
 * Limits request bodies and parses JSON ones straight from Node's request stream, then hands the
 * value to Hono's body cache, where the validators read it. Reading the body through Hono instead
 * would first build a full web Request (with its AbortSignal and stream) for every POST, which costs
 * more than the rest of a seat hold. Outside @hono/node-server (`app.request()` in tests) there is no
 * Node request, and Hono's own body limit does the job.
 */
export function jsonBody(): MiddlewareHandler {
  const fallback = bodyLimit({ maxSize: REQUEST_BODY_BYTES_MAX, onError: tooLarge });
  return createMiddleware<BlankEnv>(async (c, next) => {
    const method = c.req.method;
    if (method === "GET" || method === "HEAD") {
      return next();
    }
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming === undefined) {
      return fallback(c, next);
    }
    const declared = Number(incoming.headers["content-length"] ?? "0");
    if (declared > REQUEST_BODY_BYTES_MAX) {
      return tooLarge(c);
    }
    if (!JSON_MEDIA_TYPE.test(incoming.headers["content-type"] ?? "")) {
      // Not JSON: the validators refuse it without reading it; the limit above still holds.
      return next();
    }
    const text = await readLimited(incoming);
    if (text === undefined) {
      return tooLarge(c);
    }
    if (text.length === 0) {
      // No body at all: routes that take one refuse it in validation, the others ignore it.
      return next();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return sendError(c, "VALIDATION_FAILED", "Malformed JSON in request body");
    }
    // The validators read the body through `c.req.json()`; it answers with what was parsed here.
    // Hono's body cache would not do: its `json()` reads the cached text, and turns a cached value
    // back into text through a web Response first, the very cost this middleware exists to avoid.
    c.req.json = <T>(): Promise<T> => Promise.resolve(parsed as T);
    return next();
  });
}
