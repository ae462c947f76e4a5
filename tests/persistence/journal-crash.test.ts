import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { JournalUnavailableError, openJournal, openJournalReader } from "../../src/persistence/journal.ts";
import { seededRandom } from "../../src/engine/seeded-random.ts";
import { seedFrom } from "../../support/cli.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";
import { ackedSeqs, runAppendLoop, streamOf, type TestEvent } from "./helpers.ts";

const KILL_ROUNDS = 3;
/** Bounds on each child: it stops by itself well before, unless it is killed first. */
const CHILD_APPENDS_MAX = 200_000;
const CHILD_DURATION_MS = 20_000;
const CHILD_TIMEOUT_MS = 45_000;

/** Reads back the journal and checks it is exactly seqs 1..last, each event at the seq it expected. */
function readBack(file: string): Set<number> {
  const reader = openJournalReader<TestEvent>(file);
  const seqs = new Set<number>();
  try {
    for (const stored of reader.events(0)) {
      expect(stored.event.n).toBe(stored.seq);
      seqs.add(stored.seq);
    }
    expect(seqs.size).toBe(reader.lastSeq());
  } finally {
    reader.close();
  }
  return seqs;
}

describe.each(WRITERS)("the journal with the %s writer, killed with SIGKILL", (writer) => {
  const dir = useTempDir("persistence-test-");

  it("keeps every acknowledged append, round after round", async () => {
    const file = path.join(dir(), "journal.db");
    // The kill point is random; the seed is printed so that a failing run can be repeated.
    const seed = seedFrom(process.env["CRASH_TEST_SEED"], "CRASH_TEST_SEED");
    console.log(`crash test (${writer} writer) seed: ${seed}`);
    const random = seededRandom(seed);

    let acknowledgedTotal = 0;
    for (let round = 1; round <= KILL_ROUNDS; round++) {
      const killAfterAcks = random.int(50, 3049);
      const result = await runAppendLoop({
        path: file,
        writer,
        appendsMax: CHILD_APPENDS_MAX,
        durationMs: CHILD_DURATION_MS,
        padBytes: 64,
        killAfterAcks,
        timeoutMs: CHILD_TIMEOUT_MS,
      });
      expect(result.stderr).toBe("");
      expect(result.signal).toBe("SIGKILL");
      const acked = ackedSeqs(result.stdout);
      expect(acked.length).toBeGreaterThanOrEqual(killAfterAcks);
      const stored = readBack(file);
      expect(acked.filter((seq) => !stored.has(seq))).toEqual([]);
      acknowledgedTotal += acked.length;
    }
    expect(acknowledgedTotal).toBeGreaterThan(0);

    // After the last crash a new writer carries on from the last durable seq.
    const journal = await openJournal<TestEvent>({ path: file, writer, streamOf });
    const last = journal.lastAppendedSeq;
    expect(await journal.append([{ type: "Appended", stream: "s", n: last + 1 }], 1)).toBe(last + 1);
    await journal.close();
    expect(readBack(file).size).toBe(last + 1);
  });
});

describe.each(WRITERS)("the journal with the %s writer, on a disk that fills up", (writer) => {
  const dir = useTempDir("persistence-test-");

  it("acknowledges nothing it could not write, refuses writes after the failure, and keeps what it acknowledged", async () => {
    const file = path.join(dir(), "journal.db");
    // `ulimit -f` makes every write past 1 MiB fail with EFBIG, a real I/O error that needs no root.
    const result = await runAppendLoop({
      path: file,
      writer,
      appendsMax: 100_000,
      durationMs: 20_000,
      padBytes: 1000,
      fileSizeBlocksMax: 2048,
      timeoutMs: CHILD_TIMEOUT_MS,
    });
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^failed JournalUnavailableError: journal .* could not make a write durable/m,
    );
    expect(result.stdout).toContain("after failure a new append was JournalUnavailableError");
    const acked = ackedSeqs(result.stdout);
    expect(acked.length).toBeGreaterThan(0);
    const stored = readBack(file);
    expect(acked.filter((seq) => !stored.has(seq))).toEqual([]);
  });
});

/** `chattr +i` makes a file immutable even for root; it needs root and a file system that supports it. */
function canMakeImmutable(dir: string): boolean {
  if (process.getuid?.() !== 0) {
    return false;
  }
  const probe = path.join(dir, "probe");
  fs.writeFileSync(probe, "x");
  try {
    execFileSync("chattr", ["+i", probe], { stdio: "ignore" });
    execFileSync("chattr", ["-i", probe], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

describe.each(WRITERS)("the journal with the %s writer, when its WAL file becomes immutable", (writer) => {
  const dir = useTempDir("persistence-test-");

  it("fails the write and refuses later ones (runs as root only)", async (context) => {
    if (!canMakeImmutable(dir())) {
      context.skip();
    }
    const file = path.join(dir(), "journal.db");
    const journal = await openJournal<TestEvent>({ path: file, writer, streamOf });
    expect(await journal.append([{ type: "Appended", stream: "s", n: 1 }], 1)).toBe(1);
    execFileSync("chattr", ["+i", `${file}-wal`]);
    try {
      await expect(journal.append([{ type: "Appended", stream: "s", n: 2 }], 1)).rejects.toThrow(
        JournalUnavailableError,
      );
      expect(journal.failure?.message).toMatch(/I\/O error|IOERR|readonly|READONLY/i);
      await expect(journal.append([{ type: "Appended", stream: "s", n: 3 }], 1)).rejects.toBe(
        journal.failure,
      );
    } finally {
      execFileSync("chattr", ["-i", `${file}-wal`]);
      await journal.close();
    }
    expect([...readBack(file)]).toEqual([1]);
  });
});
