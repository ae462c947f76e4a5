/**
 * The snapshot thread started by `snapshot-thread.ts`. It keeps a state of its own, folded from the
 * journal file with recovery's fold (`foldJournal`, `foldEvents`), and snapshots that state: the
 * engine's live state is never read, copied or encoded, so taking a snapshot costs the event loop
 * nothing. The state is exactly what recovery would rebuild at the seq asked for, because it is built
 * the same way from the same durable events.
 *
 * Between snapshots the state stays here, so each snapshot folds only the events since the previous
 * one (the first one starts from the newest snapshot in the file, as a start-up does). It costs a
 * second copy of the state's memory on this thread.
 */
import os from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { snapshotOf, type EngineEvent, type EngineState } from "../engine/engine-state.ts";
import { encodeState } from "./codec.ts";
import { openSnapshotConnection, type SnapshotConnection } from "./database.ts";
import { openJournalReader, type JournalReader } from "./journal-reader.ts";
import { SNAPSHOT_BYTES_MAX, SNAPSHOT_THREAD_NICE } from "./limits.ts";
import { foldEvents, foldJournal } from "./recovery.ts";
import type { FromSnapshotThread, SnapshotThreadStart, ToSnapshotThread } from "./worker-protocol.ts";
import { describeError } from "./worker-protocol.ts";

if (parentPort === null) {
  throw new Error("snapshot-worker.ts runs as a worker thread only");
}
const port = parentPort;
const { path } = workerData as SnapshotThreadStart;

// On Linux the nice value belongs to the thread, and libuv sets the calling thread's (`setpriority`
// with who = 0): the event loop's thread keeps its own, and wins a core whenever it wants one.
os.setPriority(SNAPSHOT_THREAD_NICE);

function post(message: FromSnapshotThread): void {
  port.postMessage(message);
}

/** The state this thread keeps, and the seq it is folded through. */
interface Folded {
  readonly state: EngineState;
  seq: number;
}

/** An encoded snapshot waiting for its write turn. */
interface Prepared {
  readonly seq: number;
  /** A view into the encoder's reused buffer, valid until the next encode. */
  readonly payload: Uint8Array;
}

let reader: JournalReader<EngineEvent> | undefined;
let connection: SnapshotConnection | undefined;
let folded: Folded | undefined;
let prepared: Prepared | undefined;

try {
  reader = openJournalReader<EngineEvent>(path);
  connection = openSnapshotConnection(path);
  post({ kind: "ready" });
} catch (error) {
  reader?.close();
  post({ kind: "open-failed", error: describeError(error) });
  port.close();
}

/**
 * The state through `seq`: the kept one folded forward, or, the first time (or after a failure), the
 * newest snapshot in the file and the events after it.
 */
function foldThrough(openReader: JournalReader<EngineEvent>, seq: number): EngineState {
  if (folded === undefined || folded.seq > seq) {
    const { state, snapshotSeq, eventsReplayed } = foldJournal(openReader, { useSnapshot: true, toSeq: seq });
    assertFoldedThrough(snapshotSeq + eventsReplayed, seq);
    folded = { state, seq };
    return state;
  }
  const kept = folded;
  // A fold that fails halfway leaves the state between two seqs: it is dropped, and rebuilt next time.
  folded = undefined;
  const events = foldEvents(openReader, kept.state, kept.seq, seq);
  assertFoldedThrough(kept.seq + events, seq);
  kept.seq = seq;
  folded = kept;
  return kept.state;
}

/** The journal asks for a seq only once it is durable, so the file holds every event up to it. */
function assertFoldedThrough(foldedSeq: number, seq: number): void {
  if (foldedSeq !== seq) {
    throw new Error(`the journal ends at seq ${foldedSeq}, before seq ${seq} asked for`);
  }
}

port.on("message", (message: ToSnapshotThread) => {
  if (reader === undefined || connection === undefined) {
    return;
  }
  switch (message.kind) {
    case "prepare": {
      prepared = undefined;
      try {
        const payload = encodeState(snapshotOf(foldThrough(reader, message.seq)));
        if (payload.byteLength > SNAPSHOT_BYTES_MAX) {
          throw new RangeError(
            `an encoded snapshot is ${payload.byteLength} bytes, over ${SNAPSHOT_BYTES_MAX}`,
          );
        }
        prepared = { seq: message.seq, payload };
      } catch (error) {
        post({ kind: "failed", error: describeError(error) });
        return;
      }
      post({ kind: "prepared", seq: prepared.seq, bytes: prepared.payload.byteLength });
      return;
    }
    case "write": {
      const snapshot = prepared;
      prepared = undefined;
      try {
        if (snapshot === undefined) {
          throw new Error("no snapshot is prepared");
        }
        // The snapshot is metadata for operators, so its creation time is the only clock read here.
        connection.write({ seq: snapshot.seq, createdAtMs: Date.now(), payload: snapshot.payload });
      } catch (error) {
        post({ kind: "failed", error: describeError(error) });
        return;
      }
      post({ kind: "written" });
      return;
    }
    case "close": {
      reader.close();
      connection.close();
      reader = undefined;
      connection = undefined;
      // Closing the port ends the thread once this callback returns.
      port.close();
      return;
    }
  }
});
