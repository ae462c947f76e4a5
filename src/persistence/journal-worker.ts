/**
 * The writer thread started by `worker-writer.ts`: it owns the journal's write connection and commits
 * the batches the main thread sends, one at a time, so the main thread never waits for an fsync.
 */
import { parentPort, workerData } from "node:worker_threads";
import { fromWire } from "./batch-wire.ts";
import type { WriterConnection } from "./database.ts";
import { openWriterConnection } from "./database.ts";
import type { FromWorker, ToWorker, WorkerStart } from "./worker-protocol.ts";
import { describeError } from "./worker-protocol.ts";

if (parentPort === null) {
  throw new Error("journal-worker.ts runs as a worker thread only");
}
const port = parentPort;
const { path, faults } = workerData as WorkerStart;

function post(message: FromWorker): void {
  port.postMessage(message);
}

let connection: WriterConnection | undefined;
try {
  connection = openWriterConnection(path, faults);
  post({ kind: "ready", lastSeq: connection.lastSeq });
} catch (error) {
  post({ kind: "open-failed", error: describeError(error) });
  port.close();
}

port.on("message", (message: ToWorker) => {
  if (connection === undefined) {
    return;
  }
  switch (message.kind) {
    case "commit": {
      try {
        connection.commit(fromWire(message.wire));
      } catch (error) {
        post({ kind: "failed", error: describeError(error) });
        return;
      }
      post({ kind: "committed" });
      return;
    }
    case "close": {
      connection.close();
      connection = undefined;
      // Closing the port ends the thread once this callback returns.
      port.close();
      return;
    }
  }
});
