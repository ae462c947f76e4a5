import type { WireBatch } from "./batch-wire.ts";
import type { FaultInjection } from "./database.ts";

/** What the writer thread is started with (`workerData`). */
export interface WorkerStart {
  readonly path: string;
  readonly faults: FaultInjection | undefined;
}

/** Messages from the main thread to the writer thread. */
export type ToWorker = { readonly kind: "commit"; readonly wire: WireBatch } | { readonly kind: "close" };

/** An error as plain data: class identity does not survive `postMessage`, and SQLite's code would not either. */
export interface ErrorDescription {
  readonly name: string;
  readonly message: string;
  readonly code: string | undefined;
}

/** Messages from the writer thread to the main thread. */
export type FromWorker =
  | { readonly kind: "ready"; readonly lastSeq: number }
  | { readonly kind: "open-failed"; readonly error: ErrorDescription }
  | { readonly kind: "committed" }
  | { readonly kind: "failed"; readonly error: ErrorDescription };

export function describeError(error: unknown): ErrorDescription {
  if (error instanceof Error) {
    const code: unknown = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, code: typeof code === "string" ? code : undefined };
  }
  return { name: "Error", message: String(error), code: undefined };
}

/** Rebuilds an Error on the main thread, keeping the SQLite code in the message and as `code`. */
export function errorFrom(description: ErrorDescription): Error {
  const codeSuffix = description.code === undefined ? "" : ` (${description.code})`;
  const error = new Error(`${description.name}: ${description.message}${codeSuffix}`);
  return Object.assign(error, { code: description.code });
}

/** What the snapshot thread is started with (`workerData`). */
export interface SnapshotThreadStart {
  readonly path: string;
}

/** Messages from the main thread to the snapshot thread; one request is answered before the next is sent. */
export type ToSnapshotThread =
  | { readonly kind: "prepare"; readonly seq: number }
  | { readonly kind: "write" }
  | { readonly kind: "close" };

/** Messages from the snapshot thread to the main thread. */
export type FromSnapshotThread =
  | { readonly kind: "ready" }
  | { readonly kind: "open-failed"; readonly error: ErrorDescription }
  | { readonly kind: "prepared"; readonly seq: number; readonly bytes: number }
  | { readonly kind: "written" }
  | { readonly kind: "failed"; readonly error: ErrorDescription };
