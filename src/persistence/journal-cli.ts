/**
 * The operators' journal tool: `npm run journal -- <verify|inspect|stats|snapshot> [--db path]`.
 * It binds the generic tool (`journal-tool.ts`) to the engine's state and events.
 */
import { assert } from "../engine/decider.ts";
import type { EngineEvent, EngineState } from "../engine/engine-state.ts";
import { evolveEngine, initialEngineState, streamOf } from "../engine/engine-state.ts";
import { SEAT_AVAILABLE, SEAT_BOOKED, SEAT_HELD } from "../engine/schedule.ts";
import type { ReplayModel } from "./journal-tool.ts";
import { runJournalTool } from "./journal-tool.ts";

/** Where `npm start` keeps its journal unless DATABASE_PATH says otherwise. */
const DEFAULT_DB = process.env["DATABASE_PATH"] ?? "./data/journal.db";

/**
 * The invariants of a whole engine state, checked after a replay. `evolveEngine` asserts each event's
 * own invariants as it folds; this checks what only the end state can show.
 */
function checkEngineInvariants(state: EngineState): void {
  for (const schedule of state.schedules.values()) {
    const counts = [0, 0, 0];
    for (const status of schedule.seats) {
      counts[status] = (counts[status] ?? 0) + 1;
    }
    const where = `schedule ${schedule.scheduleId}`;
    assert(counts[SEAT_AVAILABLE] === schedule.availableCount, `${where}: available seats miscounted`);
    assert(counts[SEAT_HELD] === schedule.heldCount, `${where}: held seats miscounted`);
    assert(counts[SEAT_BOOKED] === schedule.bookedCount, `${where}: booked seats miscounted`);
    assert(
      schedule.availableCount + schedule.heldCount + schedule.bookedCount === schedule.seatCount,
      `${where}: available + held + booked is not the capacity`,
    );
  }
  for (const wallet of state.wallets.values()) {
    let sum = 0;
    for (const transaction of wallet.transactions) {
      sum += transaction.type === "CHARGE" ? transaction.amount : -transaction.amount;
    }
    assert(sum === wallet.balance, `wallet ${wallet.userId}: the ledger does not add up to the balance`);
    assert(wallet.balance >= 0, `wallet ${wallet.userId}: the balance is negative`);
  }
}

const engineModel: ReplayModel<EngineEvent, EngineState> = {
  initialState: initialEngineState,
  evolve: evolveEngine,
  checkInvariants: checkEngineInvariants,
  streamOf,
};

process.exitCode = await runJournalTool(process.argv.slice(2), engineModel, DEFAULT_DB, (line) => {
  process.stdout.write(`${line}\n`);
});
