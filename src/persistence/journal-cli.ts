/**
 * The operators' journal tool: `npm run journal -- <verify|inspect|stats|snapshot|backup> [--db path]`
 * (`--help` lists the commands and their options). It binds the generic tool (`journal-tool.ts`) to
 * the engine (`engine-journal-model.ts`). Results go to stdout; progress and failures, one line each,
 * to stderr.
 */
import { engineReplayModel } from "./engine-journal-model.ts";
import { runJournalTool } from "./journal-tool.ts";

/** Where `npm start` keeps its journal unless DATABASE_PATH says otherwise. */
const DEFAULT_DB = process.env["DATABASE_PATH"] ?? "./data/journal.db";

process.exitCode = await runJournalTool(
  process.argv.slice(2),
  engineReplayModel(Date.now()),
  DEFAULT_DB,
  (line) => process.stdout.write(`${line}\n`),
  (line) => process.stderr.write(`${line}\n`),
);
