import type { FaultInjection } from "./database.ts";
import { openWriterConnection } from "./database.ts";
import type { CommitBackend } from "./group-commit.ts";

/**
 * Opens a journal file and commits on the calling thread: each flush runs its transaction, fsync
 * included, synchronously inside the `setImmediate` callback.
 */
export function openInlineWriter(
  path: string,
  faults: FaultInjection | undefined,
): { backend: CommitBackend; lastSeq: number } {
  const connection = openWriterConnection(path, faults);
  const backend: CommitBackend = {
    commit(batch, done) {
      try {
        connection.commit(batch);
      } catch (error) {
        done(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      // Outside the try: an exception from a waiter must not be taken for a failed commit.
      done(undefined);
    },
    close() {
      connection.close();
      return Promise.resolve();
    },
  };
  return { backend, lastSeq: connection.lastSeq };
}
