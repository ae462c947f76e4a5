import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openJournal, openJournalReader } from "../../src/persistence/journal.ts";
import type { ReplayModel } from "../../src/persistence/journal-tool.ts";
import { runJournalTool } from "../../src/persistence/journal-tool.ts";
import { REPO_ROOT } from "../../support/child-process.ts";
import { useTempDir } from "../support/temp-dir.ts";

interface Added {
  readonly type: "Added" | "Removed";
  readonly account: string;
  readonly amount: number;
}

interface Totals {
  readonly balances: Map<string, number>;
  events: number;
}

function initialTotals(): Totals {
  return { balances: new Map(), events: 0 };
}

function evolveTotals(state: Totals, event: Added): Totals {
  const delta = event.type === "Added" ? event.amount : -event.amount;
  state.balances.set(event.account, (state.balances.get(event.account) ?? 0) + delta);
  state.events += 1;
  return state;
}

/**
 * A small application's recovery: the newest snapshot (or nothing), then the events through `toSeq`,
 * then `resume`, the step a start-up takes before going live.
 */
function recoverTotals(
  journalPath: string,
  options: { readonly useSnapshot: boolean; readonly toSeq: number },
  resume: (state: Totals) => void = () => undefined,
) {
  const reader = openJournalReader<Added>(journalPath);
  try {
    const snapshot = options.useSnapshot ? reader.newestSnapshot() : undefined;
    let state = snapshot === undefined ? initialTotals() : (snapshot.state as Totals);
    let eventsReplayed = 0;
    for (const stored of reader.events(snapshot?.seq ?? 0, { toSeq: options.toSeq })) {
      state = evolveTotals(state, stored.event);
      eventsReplayed += 1;
    }
    resume(state);
    return { state, snapshotSeq: snapshot?.seq ?? 0, eventsReplayed, durationMs: 1 };
  } finally {
    reader.close();
  }
}

/** A deliberately small state: balances per account that must never go negative. */
const totalsModel: ReplayModel<Added, Totals> = {
  recover: (journalPath, options) => recoverTotals(journalPath, options),
  checkInvariants: (state) => {
    for (const [account, balance] of state.balances) {
      if (balance < 0) {
        throw new Error(`account ${account} is negative`);
      }
    }
  },
  streamOf: (event) => `account:${event.account}`,
};

describe("the journal tool", () => {
  const dir = useTempDir("persistence-test-");
  const file = (): string => path.join(dir(), "journal.db");

  async function run(...argv: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await runJournalTool(argv, totalsModel, file(), (line) => lines.push(line));
    return { code, lines };
  }

  async function writeJournal(
    snapshotAfter?: number,
    snapshotState?: (state: Totals) => Totals,
  ): Promise<void> {
    const journal = await openJournal<Added>({
      path: file(),
      writer: "inline",
      streamOf: totalsModel.streamOf,
    });
    let state = initialTotals();
    for (let i = 1; i <= 20; i++) {
      const event: Added = { type: i % 5 === 0 ? "Removed" : "Added", account: `a${i % 3}`, amount: i };
      void journal.append([event], 1_700_000_000_000 + i);
      state = evolveTotals(state, event);
      if (i === snapshotAfter) {
        await journal.writeSnapshot(snapshotState === undefined ? state : snapshotState(state));
      }
    }
    await journal.close();
  }

  it("verifies a journal: a full replay holds every invariant and equals the snapshot recovery", async () => {
    await writeJournal(12);
    const { code, lines } = await run("verify");
    expect(code).toBe(0);
    expect(lines.join("\n")).toMatch(/replayed 20 events \(seq 1\.\.20\) from an empty start .* events\/s/);
    expect(lines).toContain("the snapshot at seq 12 plus 8 events equals the full replay");
  });

  it("fails verification when the snapshot does not match the events", async () => {
    await writeJournal(12, (state) => ({
      balances: new Map(state.balances).set("a0", 1_000),
      events: state.events,
    }));
    const { code, lines } = await run("verify");
    expect(code).toBe(1);
    expect(lines.at(-1)).toBe("FAILED: the snapshot at seq 12 plus 8 events differs from the full replay");
  });

  it("fails verification when the replayed state breaks an invariant", async () => {
    const journal = await openJournal<Added>({
      path: file(),
      writer: "inline",
      streamOf: totalsModel.streamOf,
    });
    await journal.append([{ type: "Removed", account: "a1", amount: 5 }], 1);
    await journal.close();
    const { code, lines } = await run("verify");
    expect(code).toBe(1);
    expect(lines.at(-1)).toBe("FAILED: Error: account a1 is negative");
  });

  it("checks the model's own recovery, which resets what the journal does not hold", async () => {
    // The snapshot holds something the events do not (like when each fan last polled): it differs
    // from the full replay unless recovery itself resets it, as a start-up does.
    await writeJournal(12, (state) => ({ balances: new Map(state.balances), events: 1_000 }));
    const recoveries: { useSnapshot: boolean; toSeq: number }[] = [];
    const verify = async (resume?: (state: Totals) => void): Promise<string[]> => {
      const model: ReplayModel<Added, Totals> = {
        ...totalsModel,
        recover: (journalPath, options) => {
          recoveries.push({ ...options });
          return recoverTotals(journalPath, options, resume);
        },
      };
      const lines: string[] = [];
      await runJournalTool(["verify"], model, file(), (line) => lines.push(line));
      return lines;
    };
    expect((await verify()).at(-1)).toMatch(/^FAILED: the snapshot at seq 12 plus 8 events differs/);
    expect(recoveries).toEqual([
      { useSnapshot: false, toSeq: 20 },
      { useSnapshot: true, toSeq: 20 },
    ]);
    const resumed = await verify((state) => void (state.events = 0));
    expect(resumed).toContain("the snapshot at seq 12 plus 8 events equals the full replay");
    expect(resumed.at(-1)).toMatch(/^OK: /);
  });

  it("inspects events as JSON lines, filtered by seq range, stream and type", async () => {
    await writeJournal();
    const { code, lines } = await run(
      "inspect",
      "--from",
      "3",
      "--to",
      "12",
      "--stream",
      "account:a0",
      "--type",
      "Added",
    );
    expect(code).toBe(0);
    const events = lines.map(
      (line) => JSON.parse(line) as { seq: number; stream: string; type: string; event: Added },
    );
    expect(events.map((event) => event.seq)).toEqual([3, 6, 9, 12]);
    expect(events[0]).toEqual({
      seq: 3,
      stream: "account:a0",
      type: "Added",
      recordedAt: new Date(1_700_000_000_003).toISOString(),
      event: { type: "Added", account: "a0", amount: 3 },
    });
    expect((await run("inspect", "--limit", "2")).lines).toHaveLength(2);
  });

  it("counts events by type and size and lists the snapshots", async () => {
    await writeJournal(10);
    const { code, lines } = await run("stats");
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/20 events, last seq 20/);
    expect(lines.find((line) => line.startsWith("Added "))).toMatch(/^Added\s+16\s/);
    expect(lines.find((line) => line.startsWith("Removed "))).toMatch(/^Removed\s+4\s/);
    expect(lines.some((line) => line.startsWith("snapshot at seq 10:"))).toBe(true);
  });

  it("takes a snapshot that covers the last seq and equals the folded state", async () => {
    await writeJournal(7);
    const { code, lines } = await run("snapshot");
    expect(code).toBe(0);
    expect(lines).toEqual(["took a snapshot at seq 20"]);
    const reader = openJournalReader<Added>(file());
    let expected = initialTotals();
    for (const stored of reader.events(0)) {
      expected = evolveTotals(expected, stored.event);
    }
    expect(reader.newestSnapshot()).toEqual({ seq: 20, state: expected });
    reader.close();
  });

  it("never writes to the journal unless asked to take a snapshot", async () => {
    await writeJournal(10);
    const before = fs.readFileSync(file());
    for (const argv of [["verify"], ["inspect"], ["stats"]]) {
      expect((await run(...argv)).code).toBe(0);
    }
    expect(fs.readFileSync(file()).equals(before)).toBe(true);
  });

  it("refuses an unknown command with its usage", async () => {
    const { code, lines } = await run("explode");
    expect(code).toBe(2);
    expect(lines.join("\n")).toMatch(/usage: npm run journal/);
  });

  it("runs as `npm run journal` against the engine's events", async () => {
    await writeJournal();
    const output = execFileSync(
      process.execPath,
      ["--import", "tsx", "src/persistence/journal-cli.ts", "stats", "--db", file()],
      { cwd: REPO_ROOT, encoding: "utf8" },
    );
    expect(output).toMatch(/20 events, last seq 20/);
  });
});
