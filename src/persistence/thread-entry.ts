import { Worker } from "node:worker_threads";
import { JOURNAL_WORKER_CLOSE_TIMEOUT_MS, JOURNAL_WORKER_START_TIMEOUT_MS } from "./limits.ts";
import { errorFrom, type ErrorDescription } from "./worker-protocol.ts";

/**
 * The journal's threads (the writer thread, the snapshot thread) run TypeScript source. On Node 20 a
 * worker does not get the loader hooks of its parent, and an `--import tsx` in its execArgv is not
 * applied to its entry module (nodejs/node#47747), so a thread starts from a small ES module that
 * registers tsx's hooks and then imports the real entry. This works the same under `tsx` and vitest.
 */
export function typeScriptThreadEntry(entry: URL): URL {
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const source = `import { register } from ${JSON.stringify(tsxApi)};\nregister();\nawait import(${JSON.stringify(entry.href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}

/** What every journal thread may say while it starts. */
type StartMessage =
  | { readonly kind: "ready" }
  | { readonly kind: "open-failed" | "failed"; readonly error: ErrorDescription }
  | { readonly kind: string };

/**
 * Starts a journal thread from `entry` and waits for its "ready" message, at most
 * JOURNAL_WORKER_START_TIMEOUT_MS. A thread that reports a failure, exits, errs or stays silent is
 * terminated, and the start rejects with `failure(reason, cause)`.
 */
export function startJournalThread<M extends StartMessage>(
  entry: URL,
  workerData: unknown,
  failure: (reason: string, cause?: unknown) => Error,
): Promise<{ readonly worker: Worker; readonly ready: Extract<M, { kind: "ready" }> }> {
  const worker = new Worker(typeScriptThreadEntry(entry), { workerData });
  return new Promise((resolve, reject) => {
    const fail = (reason: string, cause?: unknown): void => {
      cleanUp();
      void worker.terminate();
      reject(failure(reason, cause));
    };
    const onMessage = (message: M): void => {
      if (message.kind === "ready") {
        cleanUp();
        resolve({ worker, ready: message as Extract<M, { kind: "ready" }> });
      } else {
        const error = "error" in message ? errorFrom(message.error) : undefined;
        fail(error?.message ?? `unexpected ${message.kind} message`, error);
      }
    };
    const onError = (error: Error): void => fail(error.message, error);
    const onExit = (code: number): void => fail(`it exited with code ${code}`);
    const timer = setTimeout(
      () => fail(`no answer within ${JOURNAL_WORKER_START_TIMEOUT_MS} ms`),
      JOURNAL_WORKER_START_TIMEOUT_MS,
    );
    function cleanUp(): void {
      clearTimeout(timer);
      worker.off("message", onMessage);
      worker.off("error", onError);
      worker.off("exit", onExit);
    }
    worker.on("message", onMessage);
    worker.on("error", onError);
    worker.on("exit", onExit);
  });
}

/**
 * Asks a journal thread to close with `message` and waits for it to exit, at most
 * JOURNAL_WORKER_CLOSE_TIMEOUT_MS; a thread still running then is terminated.
 */
export async function closeJournalThread(
  worker: Worker,
  exited: Promise<unknown>,
  message: unknown,
): Promise<void> {
  worker.ref();
  worker.postMessage(message);
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(true), JOURNAL_WORKER_CLOSE_TIMEOUT_MS);
  });
  const late = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (late) {
    await worker.terminate();
  }
}
