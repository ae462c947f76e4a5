/**
 * Request lists encoded before timing. autocannon's `client.setRequests()` encodes a connection's
 * list when the connection opens, inside the timed window: measured at about 8 µs per request, a
 * 1,000-request list on each of 50 connections cost the first half second of every round, on both
 * sides. Here the same encoder runs before the round, and each connection is handed its bytes.
 * wrk and the paced client send the same bytes, read from a request file.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { Client, Request as CannonRequest } from "autocannon";

/** autocannon's own encoder of a request object into the bytes it writes (the one it uses internally). */
export type RequestEncoder = (request: CannonRequest, context: object) => Buffer | null;
const requestEncoderFactory = createRequire(import.meta.url)("autocannon/lib/httpRequestBuilder.js") as (
  defaults: Record<string, unknown>,
) => RequestEncoder;

/** The parts of autocannon 8's per-connection request iterator that {@link usePreEncoded} sets. */
interface RequestIteratorInternals {
  requests: CannonRequest[];
  currentRequest: CannonRequest;
  currentRequestIndex: number;
  rebuildRequest(): unknown;
}

/** The encoder for one server: the Host header is part of the bytes. */
export function encoderFor(baseUrl: string): RequestEncoder {
  const target = new URL(baseUrl);
  return requestEncoderFactory({ hostname: target.hostname, port: target.port });
}

/** Encodes every static request of a list; chained ones (with setupRequest) are built as they go. */
export function preEncode(requests: CannonRequest[], encode: RequestEncoder): CannonRequest[] {
  return requests.map((request) =>
    request.setupRequest === undefined ? { ...request, requestBuffer: encode({ ...request }, {}) } : request,
  );
}

/**
 * Hands a connection its pre-encoded list. This is what `client.setRequests()` does minus the
 * encoding; it relies on autocannon 8's RequestIterator fields, checked here so a change of
 * autocannon fails loudly instead of measuring something else.
 */
export function usePreEncoded(client: Client, requests: CannonRequest[]): void {
  const iterator = (client as unknown as { requestIterator?: Partial<RequestIteratorInternals> })
    .requestIterator;
  const first = requests[0];
  if (
    iterator === undefined ||
    !Array.isArray(iterator.requests) ||
    typeof iterator.rebuildRequest !== "function"
  ) {
    throw new Error("autocannon's request iterator is not the one this harness knows (autocannon 8)");
  }
  if (first === undefined) {
    throw new Error("a connection needs at least one request");
  }
  iterator.requests = requests;
  iterator.currentRequestIndex = 0;
  iterator.currentRequest = first;
  if (first.setupRequest !== undefined) {
    iterator.rebuildRequest();
  }
}

/** Stands in a chained request's path for the value captured from the answer before it. */
export const CAPTURE_PLACEHOLDER = "__CAPTURE__";

/**
 * A link of a chain that wrk's Lua script (bench/load-wrk.lua) runs on one connection, declared as
 * data because a JavaScript closure cannot reach wrk: what the request reads from its answer, what it
 * counts, and whether it takes the value read from the answer before it.
 */
export interface ChainStep {
  /**
   * Kept for the next request when the answer has `status`: the first group of `pattern`, written so
   * that Lua patterns and JavaScript regular expressions read it alike (e.g. `"id":"([^"]+)"`).
   */
  capture?: { status: number; pattern: string };
  /** {@link CAPTURE_PLACEHOLDER} in the path takes the capture; with nothing captured, the request is skipped. */
  usesCapture?: boolean;
  /** Counted in the round's tally under `name` when the answer has `status`. */
  tally?: { status: number; name: string };
}

/** A request of a workload: autocannon's request object, and what a chain step declares. */
export type BenchRequest = CannonRequest & ChainStep;

/** A request that does not depend on the answer before it: the same bytes every time it is sent. */
export function isStatic(request: BenchRequest): boolean {
  return !isClosure(request) && !isChainStep(request);
}

/** A request built or read by JavaScript code as it runs (autocannon's setupRequest, onResponse). */
export function isClosure(request: BenchRequest): boolean {
  return request.setupRequest !== undefined || request.onResponse !== undefined;
}

export function isChainStep(request: BenchRequest): boolean {
  return request.capture !== undefined || request.usesCapture === true || request.tally !== undefined;
}

/** A request as a request file holds it: its bytes, and the chain step it is (when it is one). */
export interface EncodedRequest {
  bytes: Buffer;
  step?: ChainStep;
}

/** The bytes of requests without closures, with their chain steps. */
export function encodeForFile(requests: readonly BenchRequest[], encode: RequestEncoder): EncodedRequest[] {
  return requests.map((request) => {
    if (isClosure(request)) {
      throw new Error(
        "a request with closures (setupRequest, onResponse) cannot be sent from a request file",
      );
    }
    const { capture, usesCapture, tally, ...plain } = request;
    const bytes = encode(plain, {});
    if (bytes === null) {
      throw new Error(`autocannon could not encode ${request.method ?? "GET"} ${request.path ?? "/"}`);
    }
    if (usesCapture === true && !(request.path ?? "").includes(CAPTURE_PLACEHOLDER)) {
      throw new Error(`${request.path ?? "/"} takes a capture but has no ${CAPTURE_PLACEHOLDER} in its path`);
    }
    return isChainStep(request) ? { bytes, step: { capture, usesCapture, tally } } : { bytes };
  });
}

/**
 * Writes requests for wrk's Lua script (bench/load-wrk.lua) and the paced client to read. Each one is
 * a header line, then its bytes: the header is the length in bytes, then for a chain step, separated
 * by tabs, whether it takes the capture (1 or 0), the capture's status and pattern, and the tally's
 * status and name (0 and "-" where there is none). Patterns and names hold no tab or newline.
 */
export async function writeRequestFile(path: string, requests: readonly EncodedRequest[]): Promise<void> {
  const parts = requests.flatMap(({ bytes, step }) => {
    const fields = [String(bytes.length)];
    if (step !== undefined) {
      fields.push(
        step.usesCapture === true ? "1" : "0",
        String(step.capture?.status ?? 0),
        step.capture?.pattern ?? "-",
        String(step.tally?.status ?? 0),
        step.tally?.name ?? "-",
      );
    }
    if (fields.some((field) => /[\t\n]/.test(field))) {
      throw new Error(`a request file field holds a tab or newline: ${JSON.stringify(fields)}`);
    }
    return [Buffer.from(`${fields.join("\t")}\n`), bytes];
  });
  await writeFile(path, Buffer.concat(parts));
}

/** Writes request files into a fresh temporary directory (`0`, `1`, …) for `use`, and removes them after. */
export async function withRequestFiles<T>(
  lists: readonly (readonly EncodedRequest[])[],
  use: (paths: string[]) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "bench-requests-"));
  try {
    const paths = lists.map((_, index) => join(dir, String(index)));
    for (const [index, list] of lists.entries()) {
      await writeRequestFile(paths[index] as string, list);
    }
    return await use(paths);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Reads the bytes of a request file of static requests; a chain step is refused. */
export async function readStaticRequestFile(path: string): Promise<Buffer[]> {
  const file = await readFile(path);
  const requests: Buffer[] = [];
  let at = 0;
  while (at < file.length) {
    const newline = file.indexOf(0x0a, at);
    const header = file.subarray(at, newline).toString("latin1");
    const length = Number(header);
    if (newline === -1 || !Number.isSafeInteger(length) || newline + 1 + length > file.length) {
      throw new Error(`${path}: not a file of static requests at byte ${at}: ${header.slice(0, 80)}`);
    }
    requests.push(file.subarray(newline + 1, newline + 1 + length));
    at = newline + 1 + length;
  }
  return requests;
}
