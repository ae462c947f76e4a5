import type { WaitingRoomDefaults } from "../engine/concert-setup.ts";
import { streamOf, type EngineEvent } from "../engine/engine-state.ts";
import {
  openJournal,
  type CommitObserver,
  type FaultInjection,
  type Journal,
  type JournalUnavailableError,
  type JournalWriter,
} from "../persistence/journal.ts";
import { recoverEngineState, type RecoveredState, type ReplayProgress } from "../persistence/recovery.ts";
import type { Clock } from "./clock.ts";
import { Engine } from "./engine.ts";
import { ActorRuntime } from "./runtime.ts";
import { WALLET_SHARDS_DEFAULT } from "./wallet-actor.ts";

export interface EngineOptions {
  readonly databasePath: string;
  readonly clock: Clock;
  /** Makes ids for reservations, payments, transactions and token secrets (21+ characters). */
  readonly newId: () => string;
  readonly holdTtlMs: number;
  readonly mailboxDepthMax: number;
  readonly snapshotEveryEvents: number;
  /** Defaults for every waiting room; an operator's overrides (journaled) win over them. */
  readonly waitingRoom: WaitingRoomDefaults;
  readonly journalWriter?: JournalWriter;
  readonly walletShards?: number;
  /** Told of every journal commit (events in it, commit time in ms); for metrics. */
  readonly onJournalCommit?: CommitObserver;
  /**
   * Told once, when the journal fails (a full disk, an I/O error) and the engine starts refusing
   * writes and reads; the error's `cause` is SQLite's. For the operator's log.
   */
  readonly onJournalFailure?: (error: JournalUnavailableError) => void;
  /** Told how far a long start-up replay has got, every few seconds; for the operator's log. */
  readonly onRecoveryProgress?: (progress: ReplayProgress) => void;
  /** Test hooks only: make journal commits fail on purpose (see FaultInjection). */
  readonly faultInjection?: FaultInjection;
}

/**
 * The journal writer the measurements chose (`npm run bench:engine`, five runs on this 2-core machine).
 * With 50 holders awaiting durable holds, as an HTTP benchmark's 50 connections do, inline had the
 * lower p50 in every run and up to twice the throughput: with the worker, the main thread sat idle
 * 40-50 % of the time waiting for the writer thread. With 1,000 holders the two were within about
 * 10 %. Inline also starts a few hundred ms sooner (no thread to boot). The worker's gain, a shorter
 * event-loop stall per fsync (a lower loop-delay p99 at 1,000 holders), did not buy throughput.
 */
export const JOURNAL_WRITER_DEFAULT: JournalWriter = "inline";

/**
 * Recovers the state from the journal (snapshot, then tail), opens the journal for writing and starts
 * every actor. Holds that fell due while the process was down expire at once, at their journaled time.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const journal: Journal<EngineEvent> = await openJournal<EngineEvent>({
    path: options.databasePath,
    streamOf,
    writer: options.journalWriter ?? JOURNAL_WRITER_DEFAULT,
    faultInjection: options.faultInjection,
    onCommit: options.onJournalCommit,
    onFailure: options.onJournalFailure,
  });
  let recovered: RecoveredState;
  try {
    recovered = recoverEngineState(options.databasePath, {
      resumeAtMs: options.clock.nowMs(),
      onProgress: options.onRecoveryProgress,
    });
  } catch (error) {
    await journal.close();
    throw error;
  }
  const { state, ...summary } = recovered;
  const runtime = new ActorRuntime({
    state,
    journal,
    clock: options.clock,
    newId: options.newId,
    mailboxDepthMax: options.mailboxDepthMax,
    snapshotEveryEvents: options.snapshotEveryEvents,
  });
  const engine = new Engine(runtime, summary, {
    holdTtlMs: options.holdTtlMs,
    walletShards: options.walletShards ?? WALLET_SHARDS_DEFAULT,
    waitingRoomDefaults: options.waitingRoom,
  });
  await engine.applyWaitingRoomDefaults();
  return engine;
}
