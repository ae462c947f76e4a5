import type { Worker } from "node:worker_threads";
import { closeJournalThread, startJournalThread } from "./thread-entry.ts";
import type { FromSnapshotThread, SnapshotThreadStart, ToSnapshotThread } from "./worker-protocol.ts";
import { errorFrom } from "./worker-protocol.ts";

/**
 * Builds snapshots away from the event loop and writes them when the journal gives it the turn
 * (`GroupCommitJournal.takeSnapshot`). One request at a time: each resolves before the next is made.
 */
export interface SnapshotMaker {
  /** Builds and encodes the state as of `seq`, which must be durable; resolves with its size in bytes. */
  prepare(seq: number): Promise<number>;
  /** Writes the prepared snapshot in a transaction of its own; resolves once it is durable. */
  write(): Promise<void>;
  /** False once the maker can take no more requests (its thread died); the journal then opens another. */
  readonly usable: boolean;
  /** Stops the maker; a request under way is abandoned (it rejects). */
  close(): Promise<void>;
}

/** Opens a `SnapshotMaker` for the journal at `path`. */
export type OpenSnapshotMaker = (path: string) => Promise<SnapshotMaker>;

/**
 * Starts the snapshot thread (`snapshot-worker.ts`) on the engine journal at `path`: it folds the
 * journal into a state of its own with recovery's fold, encodes that state and writes it through a
 * connection of its own. The main thread only exchanges a few small messages with it.
 */
export const openSnapshotThread: OpenSnapshotMaker = async (path) => {
  const start: SnapshotThreadStart = { path };
  const { worker } = await startJournalThread<FromSnapshotThread>(
    new URL("./snapshot-worker.ts", import.meta.url),
    start,
    (reason, cause) => new Error(`journal ${path}: the snapshot thread did not start: ${reason}`, { cause }),
  );
  return new SnapshotThread(worker);
};

/** A request sent to the thread, waiting for its answer. */
interface Pending {
  readonly expects: "prepared" | "written";
  readonly resolve: (message: FromSnapshotThread) => void;
  readonly reject: (error: Error) => void;
}

class SnapshotThread implements SnapshotMaker {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;
  #pending: Pending | undefined = undefined;
  #dead: Error | undefined = undefined;
  #closing = false;

  constructor(worker: Worker) {
    this.#worker = worker;
    worker.on("message", (message: FromSnapshotThread) => this.#onMessage(message));
    worker.on("error", (error: Error) => this.#die(error));
    worker.on("messageerror", (error: Error) => this.#die(error));
    this.#exited = new Promise<void>((resolve) => {
      worker.once("exit", (code: number) => {
        this.#die(new Error(`the snapshot thread exited with code ${code}`));
        resolve();
      });
    });
    // An idle snapshot thread must not keep the process alive; it is referenced while it works.
    worker.unref();
  }

  get usable(): boolean {
    return this.#dead === undefined && !this.#closing;
  }

  async prepare(seq: number): Promise<number> {
    const answer = await this.#request({ kind: "prepare", seq }, "prepared");
    return answer.kind === "prepared" ? answer.bytes : 0;
  }

  async write(): Promise<void> {
    await this.#request({ kind: "write" }, "written");
  }

  async close(): Promise<void> {
    if (this.#closing) {
      return this.#exited;
    }
    this.#closing = true;
    if (this.#dead !== undefined) {
      return this.#exited;
    }
    if (this.#pending !== undefined) {
      // A busy thread reads no message until it is done; what it is doing is abandoned instead.
      this.#die(new Error("the snapshot thread was stopped before its snapshot was done"));
      await this.#worker.terminate();
      return this.#exited;
    }
    const message: ToSnapshotThread = { kind: "close" };
    await closeJournalThread(this.#worker, this.#exited, message);
  }

  #request(message: ToSnapshotThread, expects: Pending["expects"]): Promise<FromSnapshotThread> {
    if (this.#dead !== undefined) {
      return Promise.reject(this.#dead);
    }
    if (this.#closing || this.#pending !== undefined) {
      return Promise.reject(
        new Error("the snapshot thread takes one request at a time, and not after close"),
      );
    }
    return new Promise<FromSnapshotThread>((resolve, reject) => {
      this.#pending = { expects, resolve, reject };
      this.#worker.ref();
      this.#worker.postMessage(message);
    });
  }

  #onMessage(message: FromSnapshotThread): void {
    const pending = this.#pending;
    this.#pending = undefined;
    if (!this.#closing) {
      this.#worker.unref();
    }
    if (pending === undefined) {
      this.#die(new Error(`unexpected ${message.kind} message from the snapshot thread`));
      return;
    }
    if (message.kind === pending.expects) {
      pending.resolve(message);
    } else if (message.kind === "failed") {
      pending.reject(errorFrom(message.error));
    } else {
      const error = new Error(`the snapshot thread answered ${message.kind} instead of ${pending.expects}`);
      pending.reject(error);
      this.#die(error);
    }
  }

  /** The thread is gone or broke the protocol: the request under way fails, and so does every later one. */
  #die(error: Error): void {
    this.#dead ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
    if (!this.#closing) {
      void this.#worker.terminate();
    }
  }
}
