import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openJournal, openJournalReader } from "../../src/persistence/journal.ts";
import {
  formatProgress,
  redactEvent,
  REDACTED,
  runJournalTool,
  type ReplayModel,
  type SecretFields,
} from "../../src/persistence/journal-tool.ts";
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

/** What one run of the tool wrote: `lines` to stdout, `errors` to stderr. */
interface Ran {
  readonly code: number;
  readonly lines: string[];
  readonly errors: string[];
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

  async function run(...argv: string[]): Promise<Ran> {
    return runWith(totalsModel, ...argv);
  }

  /** Runs the tool with `model`; `lines` is what it wrote to stdout, `errors` what it wrote to stderr. */
  async function runWith(model: ReplayModel<Added, Totals>, ...argv: string[]): Promise<Ran> {
    const lines: string[] = [];
    const errors: string[] = [];
    const code = await runJournalTool(
      argv,
      model,
      file(),
      (line) => lines.push(line),
      (line) => errors.push(line),
    );
    return { code, lines, errors };
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
    const { code, errors } = await run("verify");
    expect(code).toBe(1);
    expect(errors).toEqual([
      "journal verify: FAILED: the snapshot at seq 12 plus 8 events differs from the full replay",
    ]);
  });

  it("fails verification when the replayed state breaks an invariant", async () => {
    const journal = await openJournal<Added>({
      path: file(),
      writer: "inline",
      streamOf: totalsModel.streamOf,
    });
    await journal.append([{ type: "Removed", account: "a1", amount: 5 }], 1);
    await journal.close();
    const { code, errors } = await run("verify");
    expect(code).toBe(1);
    expect(errors).toEqual([
      "journal verify: FAILED: the full replay breaks an invariant: account a1 is negative",
    ]);
  });

  it("checks the model's own recovery, which resets what the journal does not hold", async () => {
    // The snapshot holds something the events do not (like when each fan last polled): it differs
    // from the full replay unless recovery itself resets it, as a start-up does.
    await writeJournal(12, (state) => ({ balances: new Map(state.balances), events: 1_000 }));
    const recoveries: { useSnapshot: boolean; toSeq: number }[] = [];
    const verify = async (resume?: (state: Totals) => void): Promise<string[]> => {
      const model: ReplayModel<Added, Totals> = {
        ...totalsModel,
        recover: (journalPath, { useSnapshot, toSeq }) => {
          recoveries.push({ useSnapshot, toSeq });
          return recoverTotals(journalPath, { useSnapshot, toSeq }, resume);
        },
      };
      const lines: string[] = [];
      await runJournalTool(["verify"], model, file(), (line) => lines.push(line));
      return lines;
    };
    expect((await verify()).at(-1)).toMatch(
      /^journal verify: FAILED: the snapshot at seq 12 plus 8 events differs/,
    );
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
    const copy = path.join(dir(), "copy.db");
    for (const argv of [["verify"], ["inspect"], ["stats"], ["backup", "--to", copy]]) {
      expect((await run(...argv)).code).toBe(0);
    }
    expect(fs.readFileSync(file()).equals(before)).toBe(true);
  });

  describe("its command line", () => {
    const COMMANDS = ["verify", "inspect", "stats", "snapshot", "backup"];

    it("prints the tool's usage and each command's on --help, to stdout, exit 0", async () => {
      for (const argv of [["--help"], ["-h"], ["help"]]) {
        const { code, lines, errors } = await run(...argv);
        expect(code).toBe(0);
        expect(errors).toEqual([]);
        const usage = lines.join("\n");
        expect(usage).toMatch(/^usage: npm run journal -- <command>/);
        for (const name of COMMANDS) {
          expect(usage).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
        }
      }
      for (const name of COMMANDS) {
        const { code, lines, errors } = await run(name, "--help");
        expect(code, name).toBe(0);
        expect(errors).toEqual([]);
        expect(lines.join("\n")).toMatch(new RegExp(`^usage: npm run journal -- ${name} \\[--db path\\]`));
      }
      expect((await run("inspect", "--help")).lines.join("\n")).toMatch(/--show-secrets/);
      expect((await run("help", "snapshot")).lines.join("\n")).toMatch(/^usage: npm run journal -- snapshot/);
      expect((await run("backup", "-h")).lines.join("\n")).toMatch(/--to path.*\n.*--force/);
    });

    it("rejects a wrong command line with one line on stderr and exit code 2", async () => {
      await writeJournal();
      const cases: [string[], RegExp][] = [
        [[], /^journal: no command given; the commands are verify, inspect, stats, snapshot, backup/],
        [["explode"], /^journal: unknown command "explode"; the commands are verify, inspect/],
        [["--db", file(), "verify"], /^journal: unknown command "--db"/],
        [
          ["verify", "extra"],
          /^journal verify: Unexpected argument 'extra'.*\(npm run journal -- verify --help\)$/,
        ],
        [["stats", "--colour"], /^journal stats: Unknown option '--colour'/],
        [["inspect", "--from", "x"], /^journal inspect: --from takes a whole number, not "x"/],
        [["inspect", "--limit=-1"], /^journal inspect: --limit must be from 0/],
        [["backup"], /^journal backup: --to is required/],
        [["backup", "--to", "c.db", "--step-pages", "0"], /^journal backup: --step-pages must be from 1/],
      ];
      for (const [argv, expected] of cases) {
        const { code, lines, errors } = await run(...argv);
        expect(code, argv.join(" ")).toBe(2);
        expect(lines, argv.join(" ")).toEqual([]);
        expect(errors, argv.join(" ")).toHaveLength(1);
        expect(errors[0], argv.join(" ")).toMatch(expected);
      }
    });

    it("fails in one line naming the file, exit code 1, when there is no journal, and creates none", async () => {
      const missing = path.join(dir(), "missing.db");
      for (const name of COMMANDS) {
        const argv = name === "backup" ? [name, "--to", path.join(dir(), "copy.db")] : [name];
        const { code, lines, errors } = await run(...argv, "--db", missing);
        expect(code, name).toBe(1);
        expect(lines).toEqual([]);
        expect(errors).toEqual([`journal ${name}: there is no journal at ${missing}`]);
      }
      expect(fs.readdirSync(dir())).toEqual([]);
    });

    it("fails in one line when the file is not a journal", async () => {
      fs.writeFileSync(file(), "not a database, just some text that is long enough to be read".repeat(100));
      for (const name of ["verify", "inspect", "stats"]) {
        const { code, errors } = await run(name);
        expect(code, name).toBe(1);
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatch(
          new RegExp(`^journal ${name}: .*${file()}.* not a readable SQLite database`),
        );
      }
    });

    it("runs as `npm run journal`: results on stdout, one line on stderr for a failure, no stack", async () => {
      await writeJournal();
      const cli = (...args: string[]) =>
        spawnSync(process.execPath, ["--import", "tsx", "src/persistence/journal-cli.ts", ...args], {
          cwd: REPO_ROOT,
          encoding: "utf8",
        });
      const stats = cli("stats", "--db", file());
      expect(stats.status).toBe(0);
      expect(stats.stdout).toMatch(/20 events, last seq 20/);
      expect(stats.stderr).toBe("");

      const missing = path.join(dir(), "missing.db");
      const failed = cli("verify", "--db", missing);
      expect(failed.status).toBe(1);
      expect(failed.stdout).toBe("");
      expect(failed.stderr).toBe(`journal verify: there is no journal at ${missing}\n`);

      const help = cli("--help");
      expect(help.status).toBe(0);
      expect(help.stdout).toMatch(/^usage: npm run journal/);
      expect(help.stderr).toBe("");
    });
  });

  describe("progress", () => {
    it("is one line with the share done, the rate and the time left", () => {
      expect(formatProgress("full replay", 1_200_000, 4_000_000, "events", 3_000)).toBe(
        "full replay: 1,200,000 of 4,000,000 events (30.0 %), 400,000 events/s, about 7 s left",
      );
      expect(formatProgress("copied", 0, 10, "pages", 0)).toBe("copied: 0 of 10 pages (0.0 %)");
      expect(formatProgress("copied", 5, 0, "pages", 10)).toBe("copied: 5 of 0 pages (100.0 %), 500 pages/s");
    });

    it("of each pass of verify goes to stderr, so stdout stays the result", async () => {
      await writeJournal(12);
      const model: ReplayModel<Added, Totals> = {
        ...totalsModel,
        recover: (journalPath, options) => {
          // A long recovery reports itself; this one says it has done half after 2 s.
          options.onProgress?.({ eventsFolded: 10, eventsToFold: 20, elapsedMs: 2_000 });
          return recoverTotals(journalPath, options);
        },
      };
      const { code, lines, errors } = await runWith(model, "verify");
      expect(code).toBe(0);
      expect(errors).toEqual([
        "journal verify: full replay: 10 of 20 events (50.0 %), 5 events/s, about 2 s left",
        "journal verify: recovery from the snapshot: 10 of 20 events (50.0 %), 5 events/s, about 2 s left",
      ]);
      expect(lines.at(-1)).toBe(`OK: ${file()} verified`);
      expect(lines.join("\n")).not.toMatch(/%/);
    });
  });

  describe("inspect's redaction", () => {
    /** The test events treat the account as a secret of `Added` (and only of `Added`). */
    const secretModel: ReplayModel<Added, Totals> = {
      ...totalsModel,
      secretFields: { Added: ["account"], Removed: [] },
    };

    function inspected(ran: Ran): { type: string; event: Record<string, unknown> }[] {
      expect(ran.code).toBe(0);
      return ran.lines.map((line) => JSON.parse(line) as { type: string; event: Record<string, unknown> });
    }

    it("hides each secret field of each event type, and nothing else", async () => {
      await writeJournal();
      const events = inspected(await runWith(secretModel, "inspect"));
      expect(events).toHaveLength(20);
      for (const { type, event } of events) {
        if (type === "Added") {
          expect(event).toEqual({ type: "Added", account: REDACTED, amount: expect.any(Number) as number });
        } else {
          expect(event["account"]).toMatch(/^a\d$/);
        }
      }
      expect(redactEvent({ type: "Added", account: "a1", amount: 3 }, secretModel.secretFields!)).toEqual({
        type: "Added",
        account: REDACTED,
        amount: 3,
      });
    });

    it("shows the secrets with --show-secrets", async () => {
      await writeJournal();
      const events = inspected(await runWith(secretModel, "inspect", "--show-secrets"));
      expect(events.every(({ event }) => /^a\d$/.test(String(event["account"])))).toBe(true);
    });

    it("hides the whole of an event whose type has no list of secret fields", async () => {
      await writeJournal();
      const partial = { ...secretModel, secretFields: { Added: [] } as unknown as SecretFields<Added> };
      const events = inspected(await runWith(partial, "inspect"));
      const removed = events.filter(({ type }) => type === "Removed");
      expect(removed).toHaveLength(4);
      for (const { event } of removed) {
        expect(event).toEqual({
          type: "Removed",
          [REDACTED]: "an event type whose secret fields are not known",
        });
      }
    });
  });

  describe("backup", () => {
    const copy = (): string => path.join(dir(), "copy.db");

    function eventsOf(journalPath: string): unknown[] {
      const reader = openJournalReader<Added>(journalPath);
      try {
        return [...reader.events(0)];
      } finally {
        reader.close();
      }
    }

    it("copies the journal into one self-contained file that verifies", async () => {
      await writeJournal(12);
      const { code, lines, errors } = await run("backup", "--to", copy(), "--step-pages", "1");
      expect(code).toBe(0);
      expect(errors).toEqual([]);
      expect(lines).toEqual([
        expect.stringMatching(
          new RegExp(
            `^copied ${file()} through seq 20 \\(\\d+ pages\\) to ${copy()} in \\d+ ms; check it with`,
          ),
        ),
      ]);
      expect(eventsOf(copy())).toEqual(eventsOf(file()));
      const verified = await runWith(totalsModel, "verify", "--db", copy());
      expect(verified.lines.at(-1)).toBe(`OK: ${copy()} verified`);
      expect(verified.lines).toContain("the snapshot at seq 12 plus 8 events equals the full replay");
      // Reading it left nothing beside it: no -wal, no -shm, no partial file.
      expect(fs.readdirSync(dir()).filter((name) => name.startsWith("copy"))).toEqual(["copy.db"]);
    });

    it("refuses to overwrite an existing file unless given --force, which also drops its stale WAL", async () => {
      await writeJournal();
      fs.writeFileSync(copy(), "precious");
      const refused = await run("backup", "--to", copy());
      expect(refused.code).toBe(1);
      expect(refused.errors).toEqual([`journal backup: ${copy()} exists; give --force to replace it`]);
      expect(fs.readFileSync(copy(), "utf8")).toBe("precious");

      fs.writeFileSync(`${copy()}-wal`, "a stale write-ahead log of the file being replaced");
      const forced = await run("backup", "--to", copy(), "--force");
      expect(forced.code).toBe(0);
      expect(fs.existsSync(`${copy()}-wal`)).toBe(false);
      expect(eventsOf(copy())).toEqual(eventsOf(file()));
    });

    it("refuses to copy a journal onto itself or into a missing directory", async () => {
      await writeJournal();
      expect((await run("backup", "--to", file(), "--force")).errors).toEqual([
        `journal backup: ${file()} is the journal itself; give the copy another name`,
      ]);
      const nowhere = path.join(dir(), "no-such-dir", "copy.db");
      expect((await run("backup", "--to", nowhere)).errors).toEqual([
        `journal backup: the directory of ${nowhere} does not exist`,
      ]);
      expect(eventsOf(file())).toHaveLength(20);
    });
  });
});
