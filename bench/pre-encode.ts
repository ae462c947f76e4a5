/**
 * Request lists encoded before timing. autocannon's `client.setRequests()` encodes a connection's
 * list when the connection opens, inside the timed window: measured at about 8 µs per request, a
 * 1,000-request list on each of 50 connections cost the first half second of every round, on both
 * sides. Here the same encoder runs before the round, and each connection is handed its bytes.
 */
import { createRequire } from "node:module";

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
