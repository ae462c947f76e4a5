/**
 * A small keep-alive JSON client for set-up and endpoint checks (never used while timing).
 * node:http with a pooled agent makes the thousands of set-up calls several times faster than fetch.
 */
import { Agent, request } from "node:http";

export const SETUP_CONCURRENCY = 32;
export const SETUP_REQUEST_TIMEOUT_MS = 15_000;

export interface ApiResponse {
  status: number;
  /** The raw body, exactly as received. */
  text: string;
  /** The parsed body, or undefined when it was not JSON. */
  json: unknown;
}

export interface ApiRequest {
  body?: unknown;
  headers?: Record<string, string>;
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: SETUP_CONCURRENCY });

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  send(method: string, path: string, options: ApiRequest = {}): Promise<ApiResponse> {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { ...options.headers };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(Buffer.byteLength(payload));
    }
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, this.baseUrl),
        { method, headers, agent: this.agent, timeout: SETUP_REQUEST_TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode ?? 0, text, json });
          });
        },
      );
      req.on("timeout", () =>
        req.destroy(new Error(`${method} ${path}: no answer in ${SETUP_REQUEST_TIMEOUT_MS} ms`)),
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Sends and insists on one status; anything else is a set-up failure naming the call. */
  async expect(status: number, method: string, path: string, options: ApiRequest = {}): Promise<ApiResponse> {
    const response = await this.send(method, path, options);
    if (response.status !== status) {
      throw new Error(
        `${method} ${path}: expected ${status}, got ${response.status} ${response.text.slice(0, 300)}`,
      );
    }
    return response;
  }

  /** Closes the pooled sockets so no idle connection lingers while timing. */
  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task` over `items` with at most `limit` in flight; the first failure rejects. */
export async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await task(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
