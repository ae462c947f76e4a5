import { existsSync } from "node:fs";
import { assert } from "../engine/decider.ts";
import {
  evolveEngine,
  initialEngineState,
  restoreEngineState,
  snapshotOf,
  type EngineEvent,
  type EngineState,
  type StoredEngineState,
} from "../engine/engine-state.ts";
import { resumeWaitingRoom } from "../engine/waiting-room/index.ts";
import { openJournalReader, type JournalReader } from "./journal-reader.ts";

export interface RecoveredState {
  readonly state: EngineState;
  /** The seq the snapshot covered (0 without one); replay started after it. */
  readonly snapshotSeq: number;
  readonly eventsReplayed: number;
  readonly lastSeq: number;
  readonly durationMs: number;
}

/** Checks that a decoded snapshot has the shape of a stored engine state before anything trusts it. */
function assertStoredEngineState(state: unknown): asserts state is StoredEngineState {
  const initial = snapshotOf(initialEngineState());
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
  /** Told how far a long fold has got, at most every `REPLAY_PROGRESS_INTERVAL_MS` (never for a short one). */
  readonly onProgress?: (progress: ReplayProgress) => void;
}

/** How far a fold has got: events folded of those it will fold, and for how long it has run. */
export interface ReplayProgress {
  readonly eventsFolded: number;
  readonly eventsToFold: number;
  readonly elapsedMs: number;
}

/** A fold reports its progress at most this often, so an operator sees a long replay move. */
export const REPLAY_PROGRESS_INTERVAL_MS = 2_000;
/** The fold looks at the clock once per this many events, which keeps the check off the profile. */
const REPLAY_PROGRESS_CHECK_EVENTS = 4_096;

/** The state a journal folds into, and where the fold started. */
export interface FoldedState {
  readonly state: EngineState;
  /** The seq of the snapshot the fold started from; 0 when it started from an empty state. */
  readonly snapshotSeq: number;
  readonly eventsReplayed: number;
}

/**
 * Folds a journal into the engine state as of `toSeq` (default: its end): the newest snapshot (unless
 * `useSnapshot` is false), then every event after it, with `evolveEngine`, the fold the tests use.
 * Nothing is resumed, so the result is exactly what the events say; the snapshot thread keeps such a
 * state (snapshot-worker.ts), and `recoverEngineState` resumes it.
 */
export function foldJournal(
  reader: JournalReader<EngineEvent>,
  options: {
    readonly useSnapshot: boolean;
    readonly toSeq?: number;
    readonly onProgress?: (progress: ReplayProgress) => void;
  },
): FoldedState {
  const snapshot = options.useSnapshot ? reader.newestSnapshot() : undefined;
  let state: EngineState;
  if (snapshot === undefined) {
    state = initialEngineState();
  } else {
    const decoded = snapshot.state;
    assertStoredEngineState(decoded);
    state = restoreEngineState(decoded);
  }
  const snapshotSeq = snapshot?.seq ?? 0;
  const { toSeq } = options;
  if (toSeq !== undefined && snapshotSeq > toSeq) {
    throw new Error(`the newest snapshot of ${reader.path} covers seq ${snapshotSeq}, past seq ${toSeq}`);
  }
  const eventsReplayed = foldEvents(reader, state, snapshotSeq, toSeq, options.onProgress);
  return { state, snapshotSeq, eventsReplayed };
}

/** Folds the events after `afterSeq` through `toSeq` (default: the end) into `state`; returns how many. */
export function foldEvents(
  reader: JournalReader<EngineEvent>,
  state: EngineState,
  afterSeq: number,
  toSeq?: number,
  onProgress?: (progress: ReplayProgress) => void,
): number {
  const startedMs = performance.now();
  let reportedMs = startedMs;
  const eventsToFold = Math.max(0, Math.min(toSeq ?? Number.MAX_SAFE_INTEGER, reader.lastSeq()) - afterSeq);
  let folded = 0;
  for (const event of reader.replay(afterSeq, toSeq)) {
    evolveEngine(state, event);
    folded += 1;
    if (onProgress !== undefined && folded % REPLAY_PROGRESS_CHECK_EVENTS === 0) {
      const nowMs = performance.now();
      if (nowMs - reportedMs >= REPLAY_PROGRESS_INTERVAL_MS) {
        reportedMs = nowMs;
        onProgress({ eventsFolded: folded, eventsToFold, elapsedMs: nowMs - startedMs });
      }
    }
  }
  return folded;
}

/**
 * Rebuilds the engine state from a journal file: the newest snapshot, then every event after it
 * (`foldJournal`), resumed at `resumeAtMs`. A missing file is an empty journal. An entry that does not
 * decode stops recovery with an error naming the file and the seq: skipping it would silently lose a
 * write.
 */
export function recoverEngineState(path: string, options: RecoveryOptions): RecoveredState {
  const startedMs = performance.now();
  if (!existsSync(path)) {
    return { state: initialEngineState(), snapshotSeq: 0, eventsReplayed: 0, lastSeq: 0, durationMs: 0 };
  }
  const reader = openJournalReader<EngineEvent>(path);
  try {
    const { toSeq } = options;
    const { state, snapshotSeq, eventsReplayed } = foldJournal(reader, {
      useSnapshot: options.useSnapshot !== false,
      toSeq,
      onProgress: options.onProgress,
    });
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
