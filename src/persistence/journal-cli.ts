/**
 * The operators' journal tool: `npm run journal -- <verify|inspect|stats|snapshot> [--db path]`.
 * It binds the generic tool (`journal-tool.ts`) to the engine's state, events, invariants and recovery.
 */
import { checkEngineInvariants } from "../engine/engine-invariants.ts";
import type { EngineEvent, EngineState } from "../engine/engine-state.ts";
import { evolveEngine, initialEngineState, streamOf } from "../engine/engine-state.ts";
import { resumeWaitingRoom } from "../engine/waiting-room.ts";
import type { ReplayModel } from "./journal-tool.ts";
import { runJournalTool } from "./journal-tool.ts";
import { recoverEngineState } from "./recovery.ts";

/** Where `npm start` keeps its journal unless DATABASE_PATH says otherwise. */
const DEFAULT_DB = process.env["DATABASE_PATH"] ?? "./data/journal.db";

/**
 * The instant both recovered states are resumed at before they are compared. Polls are not journaled,
 * so when each fan last polled differs between a snapshot and a full replay; a start-up resets it
 * (`Engine.resume`), and so does `verify`, to the same time on both sides.
 */
const COMPARED_AT_MS = Date.now();

const engineModel: ReplayModel<EngineEvent, EngineState> = {
  initialState: initialEngineState,
  evolve: evolveEngine,
  checkInvariants: checkEngineInvariants,
  streamOf,
  // The engine's own start-up recovery, so that `verify` checks the code that will run.
  recover: (path, options) => recoverEngineState(path, options),
  normalize: (state) => {
    for (const room of state.waitingRooms.values()) {
      resumeWaitingRoom(room, COMPARED_AT_MS);
    }
  },
};

process.exitCode = await runJournalTool(process.argv.slice(2), engineModel, DEFAULT_DB, (line) => {
  process.stdout.write(`${line}\n`);
});
