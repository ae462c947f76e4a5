import {
  ServerResponse,
  type IncomingMessage,
  type OutgoingHttpHeader,
  type OutgoingHttpHeaders,
} from "node:http";

/** The headers hono's secureHeaders middleware sends by default, as a flat list of names and values. */
const SECURITY_HEADERS: readonly string[] = [
  "Cross-Origin-Resource-Policy",
  "same-origin",
  "Cross-Origin-Opener-Policy",
  "same-origin",
  "Origin-Agent-Cluster",
  "?1",
  "Referrer-Policy",
  "no-referrer",
  "Strict-Transport-Security",
  "max-age=15552000; includeSubDomains",
  "X-Content-Type-Options",
  "nosniff",
  "X-DNS-Prefetch-Control",
  "off",
  "X-Download-Options",
  "noopen",
  "X-Frame-Options",
  "SAMEORIGIN",
  "X-Permitted-Cross-Domain-Policies",
  "none",
  "X-XSS-Protection",
  "0",
];
/** The API's answers are never cached: the same headers plus `Cache-Control: no-store`. */
const API_HEADERS: readonly string[] = [...SECURITY_HEADERS, "Cache-Control", "no-store"];
const API_PATH_PREFIX = "/api/";
const REQUEST_ID_HEADER = "X-Request-Id";
/** The names this module adds, lower-cased: a header of the same name from the app takes precedence. */
const OWN_HEADER_NAMES: ReadonlySet<string> = new Set(
  [...API_HEADERS.filter((_, i) => i % 2 === 0), REQUEST_ID_HEADER].map((name) => name.toLowerCase()),
);

type Headers = OutgoingHttpHeaders | readonly OutgoingHttpHeader[];

/**
 * Node's response with the security headers, `Cache-Control: no-store` on the API, and the request's
 * id (`X-Request-Id`) added to every answer, an error from Node or @hono/node-server included, as its
 * head is written. A header the app sets itself takes precedence, as it would over `setHeader`.
 *
 * They are merged into the one list `writeHead` gets, so Node validates and writes each header once,
 * and a response built by @hono/node-server from a plain header object stays on Node's fast path
 * (no header map). Set beforehand with `setHeader`, each was validated and stored in that map, into
 * which `writeHead` then merged the app's headers one `setHeader` at a time: 7-8 µs a hold in
 * `npm run bench:profile`, against 5-6 µs now, most of it Node validating each header. Set through
 * Hono, they would build a web `Headers` object per request. Node's `getHeader` does not see them.
 */
export class SecuredResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  /** The request's id, sent as `X-Request-Id`; set by the request-id middleware (`request-log.ts`). */
  requestId: string | undefined = undefined;

  override writeHead(statusCode: number, statusMessage?: string, headers?: Headers): this;
  override writeHead(statusCode: number, headers?: Headers): this;
  override writeHead(statusCode: number, messageOrHeaders?: string | Headers, headers?: Headers): this {
    if (typeof messageOrHeaders === "string") {
      return super.writeHead(statusCode, messageOrHeaders, this.#withOwnHeaders(headers));
    }
    return super.writeHead(statusCode, this.#withOwnHeaders(messageOrHeaders ?? headers));
  }

  /** The headers for `writeHead`: this module's, then the app's. */
  #withOwnHeaders(given: Headers | undefined): OutgoingHttpHeader[] | OutgoingHttpHeaders | undefined {
    if (this.getHeaderNames().length > 0) {
      // Headers were set with `setHeader`: Node merges `given` into them, so add only what is missing.
      this.#setMissing();
      return given as OutgoingHttpHeader[] | OutgoingHttpHeaders | undefined;
    }
    const own = this.req.url?.startsWith(API_PATH_PREFIX) === true ? API_HEADERS : SECURITY_HEADERS;
    const list: OutgoingHttpHeader[] = own.slice();
    if (this.requestId !== undefined) {
      list.push(REQUEST_ID_HEADER, this.requestId);
    }
    let overrides = false;
    if (Array.isArray(given)) {
      const pairs = given.length > 0 && Array.isArray(given[0]);
      for (let i = 0; i < given.length; i += pairs ? 1 : 2) {
        const [name, value] = pairs ? (given[i] as OutgoingHttpHeader[]) : [given[i], given[i + 1]];
        overrides ||= OWN_HEADER_NAMES.has(String(name).toLowerCase());
        list.push(name as string, value as OutgoingHttpHeader);
      }
    } else if (given !== undefined) {
      const record = given as OutgoingHttpHeaders;
      for (const name in record) {
        overrides ||= OWN_HEADER_NAMES.has(name.toLowerCase());
        list.push(name, record[name] as OutgoingHttpHeader);
      }
    }
    return overrides ? withoutOverridden(list, own.length + (this.requestId === undefined ? 0 : 2)) : list;
  }

  #setMissing(): void {
    const own = this.req.url?.startsWith(API_PATH_PREFIX) === true ? API_HEADERS : SECURITY_HEADERS;
    for (let i = 0; i < own.length; i += 2) {
      const name = own[i] as string;
      if (!this.hasHeader(name)) {
        this.setHeader(name, own[i + 1] as string);
      }
    }
    if (this.requestId !== undefined && !this.hasHeader(REQUEST_ID_HEADER)) {
      this.setHeader(REQUEST_ID_HEADER, this.requestId);
    }
  }
}

/**
 * A flat header list whose first `ownLength` entries are this module's, without those of them the
 * app's entries (the rest) name again.
 */
function withoutOverridden(list: OutgoingHttpHeader[], ownLength: number): OutgoingHttpHeader[] {
  const named = new Set<string>();
  for (let i = ownLength; i < list.length; i += 2) {
    named.add(String(list[i]).toLowerCase());
  }
  const kept: OutgoingHttpHeader[] = [];
  for (let i = 0; i < list.length; i += 2) {
    const name = String(list[i]);
    if (i >= ownLength || !named.has(name.toLowerCase())) {
      kept.push(name, list[i + 1] as OutgoingHttpHeader);
    }
  }
  return kept;
}
