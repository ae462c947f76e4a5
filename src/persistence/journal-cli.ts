/**
 * The operators' journal tool: `npm run journal -- <verify|inspect|stats|snapshot> [--db path]`.
 * It binds the generic tool (`journal-tool.ts`) to the engine's state, events, invariants and recovery.
 */
import { checkEngineInvariants } from "../engine/engine-invariants.ts";
import type { EngineEvent, EngineState } from "../engine/engine-state.ts";
import { snapshotOf, streamOf } from "../engine/engine-state.ts";
import type { ReplayModel } from "./journal-tool.ts";
import { runJournalTool } from "./journal-tool.ts";
import { recoverEngineState } from "./recovery.ts";

/** Where `npm start` keeps its journal unless DATABASE_PATH says otherwise. */
const DEFAULT_DB = process.env["DATABASE_PATH"] ?? "./data/journal.db";

/**
 * The instant every recovery of this run resumes at: polls are not journaled, so recovery restarts
 * each fan's idle period at the instant it goes live, and two recoveries compared must agree on it.
 */
const RESUMED_AT_MS = Date.now();

const engineModel: ReplayModel<EngineEvent, EngineState> = {
  // The engine's own start-up recovery, so that `verify` checks the code that will run.
  recover: (path, options) => recoverEngineState(path, { ...options, resumeAtMs: RESUMED_AT_MS }),
  checkInvariants: checkEngineInvariants,
  streamOf,
  snapshotOf,
};

process.exitCode = await runJournalTool(process.argv.slice(2), engineModel, DEFAULT_DB, (line) => {
  process.stdout.write(`${line}\n`);
});
