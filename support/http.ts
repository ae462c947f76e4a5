/**
 * Requests as the tests send them and answers as they read them, the same whether the app answers
 * in process (`app.request()`) or a server over a socket (`fetch`): both take a URL and a
 * `RequestInit` and give back a `Response`.
 */

export interface RequestOptions {
  /** A value to send as JSON; a string is sent as it is (for malformed JSON). */
  readonly body?: unknown;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  readonly idempotencyKey?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  /** The parsed JSON body, or undefined for an empty or non-JSON body. */
  readonly body: unknown;
  readonly text: string;
}

/** The method, headers and body of a request; a body is JSON unless a content-type says otherwise. */
export function requestInit(
  method: string,
  { body, token, idempotencyKey, headers = {} }: RequestOptions = {},
): RequestInit {
  const sent: Record<string, string> = { ...headers };
  if (token !== undefined) {
    sent.authorization = `Bearer ${token}`;
  }
  if (idempotencyKey !== undefined) {
    sent["idempotency-key"] = idempotencyKey;
  }
  const init: RequestInit = { method, headers: sent };
  if (body !== undefined) {
    sent["content-type"] ??= "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  return init;
}

/** Reads an answer whole, parsing its body when it says it is JSON. */
export async function readResult(response: Response): Promise<HttpResult> {
  const text = await response.text();
  const body: unknown =
    text.length > 0 && (response.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(text)
      : undefined;
  return { status: response.status, headers: response.headers, body, text };
}

/** A field of a parsed JSON body, or undefined where the body has no such field. */
export function field<T>(body: unknown, name: string): T | undefined {
  return typeof body === "object" && body !== null && name in body
    ? ((body as Record<string, unknown>)[name] as T)
    : undefined;
}
