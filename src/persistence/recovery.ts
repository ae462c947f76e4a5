import { existsSync } from "node:fs";
import { assert } from "../engine/decider.ts";
import {
  evolveEngine,
  initialEngineState,
  type EngineEvent,
  type EngineState,
} from "../engine/engine-state.ts";
import { resumeWaitingRoom } from "../engine/waiting-room/index.ts";
import { openJournalReader } from "./journal-reader.ts";

export interface RecoveredState {
  readonly state: EngineState;
  /** The seq the snapshot covered (0 without one); replay started after it. */
  readonly snapshotSeq: number;
  readonly eventsReplayed: number;
  readonly lastSeq: number;
  readonly durationMs: number;
}

/** Checks that a decoded snapshot has the shape of an engine state before anything trusts it. */
function assertEngineState(state: unknown): asserts state is EngineState {
  const initial = initialEngineState();
  assert(typeof state === "object" && state !== null, "a snapshot holds an engine state");
  for (const key of Object.keys(initial)) {
    assert(key in state, `the snapshot lacks the engine state's ${key}`);
  }
}

export interface RecoveryOptions {
  /**
   * When the recovered state goes live. Polls are not journaled, so every waiting fan gets a fresh
   * idle grace period from this instant (`resumeWaitingRoom`); two recoveries of one journal resumed
   * at the same instant are equal whether or not they started from a snapshot.
   */
  readonly resumeAtMs: number;
  /** False folds the whole journal from an empty state (what `journal verify` compares). Default true. */
  readonly useSnapshot?: boolean;
  /**
   * The last seq to fold (default: the end of the journal), so that two recoveries of a journal that
   * is still being written (the journal tool's) cover the same events.
   */
  readonly toSeq?: number;
}

/**
 * Rebuilds the engine state from a journal file: the newest snapshot, then every event after it.
 * A missing file is an empty journal. An entry that does not decode stops recovery with an error
 * naming the file and the seq: skipping it would silently lose a write.
 */
export function recoverEngineState(path: string, options: RecoveryOptions): RecoveredState {
  const startedMs = performance.now();
  if (!existsSync(path)) {
    return { state: initialEngineState(), snapshotSeq: 0, eventsReplayed: 0, lastSeq: 0, durationMs: 0 };
  }
  const reader = openJournalReader<EngineEvent>(path);
  try {
    const snapshot = options.useSnapshot === false ? undefined : reader.newestSnapshot();
    let state: EngineState;
    if (snapshot === undefined) {
      state = initialEngineState();
    } else {
      const decoded = snapshot.state;
      assertEngineState(decoded);
      state = decoded;
    }
    const snapshotSeq = snapshot?.seq ?? 0;
    const { toSeq } = options;
    if (toSeq !== undefined && snapshotSeq > toSeq) {
      throw new Error(`the newest snapshot of ${path} covers seq ${snapshotSeq}, past seq ${toSeq}`);
    }
    let eventsReplayed = 0;
    for (const stored of reader.events(snapshotSeq, toSeq === undefined ? {} : { toSeq })) {
      evolveEngine(state, stored.event);
      eventsReplayed += 1;
    }
    for (const room of state.waitingRooms.values()) {
      resumeWaitingRoom(room, options.resumeAtMs);
    }
    const lastSeq = reader.lastSeq();
    return {
      state,
      snapshotSeq,
      eventsReplayed,
      lastSeq: toSeq === undefined ? lastSeq : Math.min(lastSeq, toSeq),
      durationMs: performance.now() - startedMs,
    };
  } finally {
    reader.close();
  }
}
