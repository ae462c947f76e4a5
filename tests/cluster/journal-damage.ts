import fs from "node:fs";
import { snapshotOf, streamOf, type EngineEvent, type EngineState } from "../../src/engine/engine-state.ts";
import {
  openJournal,
  openJournalReader,
  type Journal,
  type JournalReader,
} from "../../src/persistence/journal.ts";
import { foldJournal } from "../../src/persistence/recovery.ts";

/**
 * Damage to a real engine journal file, the way a bug would leave it, for the tests that show a checker
 * notices. Everything is written through the journal's own writer (journal.ts), so each event and
 * snapshot is encoded and stored exactly as the engine stores them.
 */

function readJournal<T>(journal: string, read: (reader: JournalReader<EngineEvent>) => T): T {
  const reader = openJournalReader<EngineEvent>(journal);
  try {
    return read(reader);
  } finally {
    reader.close();
  }
}

/** Opens `journal` for writing, runs `write`, and closes it once what was written is durable. */
async function writeTo(
  journal: string,
  write: (writer: Journal<EngineEvent>) => Promise<unknown>,
): Promise<void> {
  const writer = await openJournal<EngineEvent>({ path: journal, writer: "inline", streamOf });
  try {
    await write(writer);
  } finally {
    await writer.close();
  }
}

/** Appends `events` to the journal as one entry, as a shard that decided them would. */
export async function appendEntry(journal: string, events: readonly EngineEvent[]): Promise<void> {
  await writeTo(journal, (writer) => writer.append(events, Date.now()));
}

/**
 * Writes the journal again with each event replaced by what `edit` returns for it, or left out where
 * it returns undefined. The seqs are numbered afresh, so the journal has no hole for its reader to
 * notice: it is a journal that never held the events left out. Its snapshots are dropped, so that
 * recovery reads the edited events.
 */
export async function rewriteJournal(
  journal: string,
  edit: (event: EngineEvent) => EngineEvent | undefined,
): Promise<void> {
  const stored = readJournal(journal, (reader) => [...reader.events(0)]);
  for (const file of [journal, `${journal}-wal`, `${journal}-shm`]) {
    fs.rmSync(file, { force: true });
  }
  await writeTo(journal, (writer) =>
    Promise.all(
      stored.flatMap(({ event, recordedAtMs }) => {
        const edited = edit(event);
        return edited === undefined ? [] : [writer.append([edited], recordedAtMs)];
      }),
    ),
  );
}

/**
 * Snapshots the journal's state as `change` leaves it: a snapshot of a state that was changed outside
 * the fold, which recovery then starts from.
 */
export async function writeChangedSnapshot(
  journal: string,
  change: (state: EngineState) => void,
): Promise<void> {
  const { state } = readJournal(journal, (reader) => foldJournal(reader, { useSnapshot: true }));
  change(state);
  await writeTo(journal, (writer) => writer.writeSnapshot(snapshotOf(state)));
}
