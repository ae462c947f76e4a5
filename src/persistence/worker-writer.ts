import type { Worker } from "node:worker_threads";
import { toWire } from "./batch-wire.ts";
import type { CommitBatch, FaultInjection } from "./database.ts";
import { openWriterConnection } from "./database.ts";
import { JournalUnavailableError } from "./errors.ts";
import type { CommitBackend } from "./group-commit.ts";
import type { FromWorker, ToWorker, WorkerStart } from "./worker-protocol.ts";
import { errorFrom } from "./worker-protocol.ts";
import { closeJournalThread, startJournalThread } from "./thread-entry.ts";

/**
 * Opens a journal file whose write connection lives on a worker thread, so the fsync of each commit
 * runs beside the event loop instead of inside it. The main thread still checks and encodes every
 * event; it sends each batch as one transferred buffer, keeps one batch in flight and lets the next
 * accumulate.
 */
export async function openWorkerWriter(
  path: string,
  faults: FaultInjection | undefined,
  onFatal: (error: Error) => void,
): Promise<{ backend: CommitBackend; lastSeq: number }> {
  // Open the file here first, so a damaged file or an unknown schema version throws the same typed
  // errors as the inline writer (errors lose their class on the way back from a worker).
  openWriterConnection(path, undefined).close();
  const start: WorkerStart = { path, faults };
  const { worker, ready } = await startJournalThread<FromWorker>(
    new URL("./journal-worker.ts", import.meta.url),
    start,
    (reason, cause) =>
      new JournalUnavailableError(`journal ${path}: the writer thread did not start: ${reason}`, { cause }),
  );
  return { backend: new WorkerBackend(worker, onFatal), lastSeq: ready.lastSeq };
}

class WorkerBackend implements CommitBackend {
  readonly #worker: Worker;
  readonly #onFatal: (error: Error) => void;
  readonly #exited: Promise<void>;
  #done: ((error: Error | undefined) => void) | undefined = undefined;
  #closing = false;

  constructor(worker: Worker, onFatal: (error: Error) => void) {
    this.#worker = worker;
    this.#onFatal = onFatal;
    worker.on("message", (message: FromWorker) => this.#onMessage(message));
    worker.on("error", (error: Error) => this.#fatal(error));
    worker.on("messageerror", (error: Error) => this.#fatal(error));
    this.#exited = new Promise<void>((resolve) => {
      worker.once("exit", (code: number) => {
        if (!this.#closing) {
          this.#fatal(new Error(`the journal writer thread exited unexpectedly with code ${code}`));
        }
        resolve();
      });
    });
    // An idle writer thread must not keep the process alive; it is referenced while a commit is in
    // flight, so a script awaiting durability does not exit under it.
    worker.unref();
  }

  commit(batch: CommitBatch, done: (error: Error | undefined) => void): void {
    this.#done = done;
    this.#worker.ref();
    try {
      const { wire, transfer } = toWire(batch);
      const message: ToWorker = { kind: "commit", wire };
      this.#worker.postMessage(message, transfer);
    } catch (error) {
      this.#finish(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async close(): Promise<void> {
    this.#closing = true;
    const message: ToWorker = { kind: "close" };
    await closeJournalThread(this.#worker, this.#exited, message);
  }

  #onMessage(message: FromWorker): void {
    switch (message.kind) {
      case "committed":
        this.#finish(undefined);
        return;
      case "failed":
        this.#finish(errorFrom(message.error));
        return;
      case "ready":
      case "open-failed":
        this.#fatal(new Error(`unexpected ${message.kind} message from the journal writer thread`));
        return;
    }
  }

  #finish(error: Error | undefined): void {
    const done = this.#done;
    this.#done = undefined;
    if (!this.#closing) {
      this.#worker.unref();
    }
    done?.(error);
  }

  #fatal(error: Error): void {
    if (this.#done !== undefined) {
      this.#finish(error);
    } else {
      this.#onFatal(error);
    }
  }
}
