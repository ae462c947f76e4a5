import http from "node:http";

/** A call from one shard to another must be answered within this, or it fails. */
export const PEER_REQUEST_TIMEOUT_MS = 2_000;
/** Kept-alive connections to one peer at most; more concurrent calls wait for one. */
export const PEER_SOCKETS_MAX = 64;
/** The largest answer a peer may send (a fan-out list of a big shard); a larger one fails the call. */
export const PEER_RESPONSE_BYTES_MAX = 64 * 1024 * 1024;

/** The header that carries the cluster's shared secret from one shard to another. */
export const SHARD_SECRET_HEADER = "x-shard-secret";

export interface PeerResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface PeerRequest {
  readonly method: "GET" | "POST";
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/** Errors worth one more try on a fresh connection: a kept-alive one the peer had already closed. */
const STALE_CONNECTION_CODES: ReadonlySet<string> = new Set(["ECONNRESET", "EPIPE"]);

/**
 * Shard-to-shard HTTP calls over kept-alive connections (one `http.Agent` for every peer), each
 * bounded by `PEER_REQUEST_TIMEOUT_MS` from start to the last byte. A call that meets a connection the
 * peer closed meanwhile (it restarted) is tried once more; only reads, token issues and the steps of
 * cross-shard payments (idempotent by payment id) go through here, and all are safe to repeat.
 */
export class PeerClient {
  readonly #agent = new http.Agent({ keepAlive: true, maxSockets: PEER_SOCKETS_MAX });

  constructor(readonly secret: string) {}

  async request(url: string, request: PeerRequest): Promise<PeerResponse> {
    try {
      return await this.#once(url, request);
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (typeof code === "string" && STALE_CONNECTION_CODES.has(code)) {
        return this.#once(url, request);
      }
      throw error;
    }
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.#agent.destroy();
  }

  #once(url: string, { method, headers = {}, body }: PeerRequest): Promise<PeerResponse> {
    return new Promise((resolve, reject) => {
      const outgoing = http.request(
        url,
        {
          method,
          agent: this.#agent,
          headers: {
            ...headers,
            [SHARD_SECRET_HEADER]: this.secret,
            ...(body === undefined ? {} : { "content-length": String(Buffer.byteLength(body)) }),
          },
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          let bytes = 0;
          incoming.on("data", (chunk: Buffer) => {
            bytes += chunk.length;
            if (bytes > PEER_RESPONSE_BYTES_MAX) {
              outgoing.destroy(new Error(`${url} answered more than ${PEER_RESPONSE_BYTES_MAX} bytes`));
            } else {
              chunks.push(chunk);
            }
          });
          incoming.on("end", () => {
            clearTimeout(deadline);
            resolve({
              status: incoming.statusCode ?? 0,
              headers: incoming.headers,
              body: Buffer.concat(chunks, bytes).toString("utf8"),
            });
          });
          incoming.on("error", reject);
        },
      );
      const deadline = setTimeout(() => {
        outgoing.destroy(new Error(`${url} did not answer within ${PEER_REQUEST_TIMEOUT_MS} ms`));
      }, PEER_REQUEST_TIMEOUT_MS);
      outgoing.on("error", (error) => {
        clearTimeout(deadline);
        reject(error);
      });
      outgoing.end(body);
    });
  }
}
