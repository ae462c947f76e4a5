import fs from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { journalLockPath, journalOwnerPath } from "../../src/persistence/journal-lock.ts";
import {
  JournalLockedError,
  JournalSchemaError,
  openJournal,
  openJournalReader,
  type Journal,
} from "../../src/persistence/journal.ts";
import { runToExit, spawnTsx, watchChild, type ChildResult } from "../../support/child-process.ts";
import {
  call,
  killAllServers,
  runServerToExit,
  startServer,
  type ServerProcess,
} from "../../support/server-process.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";
import { held, streamOf, type TestEvent } from "./helpers.ts";

/**
 * A journal has one writer at a time: a second one, in another process or in this one, is refused
 * with the owner's pid; the kernel frees the lock when its owner dies, even by SIGKILL; readers and
 * backups of a live journal are never in its way.
 */

const CLI_ENTRY = "src/persistence/journal-cli.ts";
const CLI_TIMEOUT_MS = 30_000;

function openWriter(file: string, writer: "inline" | "worker"): Promise<Journal<TestEvent>> {
  return openJournal<TestEvent>({ path: file, writer, streamOf });
}

function runCli(...args: string[]): Promise<ChildResult> {
  return runToExit(watchChild(spawnTsx(CLI_ENTRY, { args })), CLI_TIMEOUT_MS);
}

async function charge(server: ServerProcess, key: string): Promise<number> {
  const answer = await call(server.baseUrl, "POST", "/api/v1/users/fan/balance/charge", {
    body: { amount: 1_000 },
    idempotencyKey: key,
  });
  return answer.status;
}

async function balance(server: ServerProcess): Promise<unknown> {
  return (await call(server.baseUrl, "GET", "/api/v1/users/fan/balance")).body;
}

afterAll(async () => {
  await killAllServers();
});

describe.each(WRITERS)("a journal open for writing in this process (%s writer)", (writer) => {
  const dir = useTempDir("journal-lock-");

  it("refuses a second writer on the same file, naming the file and this pid, until the first is closed", async () => {
    const file = path.join(dir(), "journal.db");
    const first = await openWriter(file, writer);
    await first.append([held(1)], 1);
    for (const second of WRITERS) {
      const refusal = await openWriter(file, second).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(JournalLockedError);
      const locked = refusal as JournalLockedError;
      expect(locked.code).toBe("JOURNAL_LOCKED");
      expect(locked.path).toBe(file);
      expect(locked.ownerPid).toBe(process.pid);
      expect(locked.message).toBe(
        `journal ${file} is open for writing by another journal in this process (pid ${process.pid}); a journal has one writer at a time`,
      );
    }
    // The refusals changed nothing: the owner goes on writing.
    expect(await first.append([held(2)], 2)).toBe(2);
    await first.close();

    const next = await openWriter(file, writer);
    expect(next.lastAppendedSeq).toBe(2);
    expect(await next.append([held(3)], 3)).toBe(3);
    await next.close();
  });

  it("lets readers read the journal its writer holds", async () => {
    const file = path.join(dir(), "journal.db");
    const journal = await openWriter(file, writer);
    await journal.append([held(1), held(2)], 1);
    const reader = openJournalReader<TestEvent>(file);
    try {
      expect(reader.lastSeq()).toBe(2);
    } finally {
      reader.close();
    }
    await journal.close();
  });

  it("gives the lock up when the file cannot be opened, so the refusal is about the file", async () => {
    const file = path.join(dir(), "journal.db");
    const notJournal = new Database(file);
    notJournal.exec("CREATE TABLE t (x)");
    notJournal.close();
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(openWriter(file, writer)).rejects.toBeInstanceOf(JournalSchemaError);
    }
  });
});

describe("the lock of a journal", () => {
  const dir = useTempDir("journal-lock-");

  it("is one for every name of the file: a symbolic link to a held journal is refused", async () => {
    const file = path.join(dir(), "journal.db");
    const link = path.join(dir(), "link.db");
    const journal = await openWriter(file, "inline");
    fs.symlinkSync(file, link);
    expect(journalLockPath(link)).toBe(journalLockPath(file));
    await expect(openWriter(link, "inline")).rejects.toBeInstanceOf(JournalLockedError);
    await journal.close();
  });

  it("records its owner's pid beside it while held, and removes the record on close", async () => {
    const file = path.join(dir(), "journal.db");
    const journal = await openWriter(file, "inline");
    expect(fs.readFileSync(journalOwnerPath(file), "utf8")).toBe(`${process.pid}\n`);
    await journal.close();
    expect(fs.existsSync(journalOwnerPath(file))).toBe(false);
    expect(fs.existsSync(journalLockPath(file))).toBe(true);
  });
});

describe("a journal a server process holds", () => {
  const dir = useTempDir("journal-lock-");

  it("refuses a second server with one fatal line naming the file and the owner's pid, while the first keeps serving", async () => {
    const file = path.join(dir(), "journal.db");
    // The owner commits on its writer thread; the lock is still the process's.
    const first = await startServer({ env: { DATABASE_PATH: file, JOURNAL_WRITER: "worker" } });
    try {
      expect(await charge(first, "before")).toBe(200);

      const second = await runServerToExit({ env: { DATABASE_PATH: file } });
      expect(second.code, second.stdout + second.stderr).toBe(1);
      expect(second.stdout).not.toMatch(/listening on/);
      const fatal = second.stdout.split("\n").filter((line) => line.includes('"level":"fatal"'));
      expect(fatal).toHaveLength(1);
      expect(fatal[0]).toContain(
        `failed to start: journal ${file} is open for writing by another process (pid ${first.child.pid}); a journal has one writer at a time`,
      );
      expect(fatal[0]).toContain('"code":"JOURNAL_LOCKED"');

      expect(await charge(first, "after")).toBe(200);
      expect(await balance(first)).toEqual({ userId: "fan", balance: 2_000 });
    } finally {
      await first.stop();
    }
  });

  it("is verified and backed up by the journal tool, which refuses to snapshot it", async () => {
    const file = path.join(dir(), "journal.db");
    const copy = path.join(dir(), "copy.db");
    const server = await startServer({ env: { DATABASE_PATH: file } });
    try {
      expect(await charge(server, "one")).toBe(200);

      const verified = await runCli("verify", "--db", file);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stdout).toContain(`OK: ${file} verified`);

      const backedUp = await runCli("backup", "--db", file, "--to", copy);
      expect(backedUp.code, backedUp.stderr).toBe(0);
      expect(fs.existsSync(copy)).toBe(true);

      const snapshot = await runCli("snapshot", "--db", file);
      expect(snapshot.code).toBe(1);
      expect(snapshot.stdout).toBe("");
      expect(snapshot.stderr).toBe(
        `journal snapshot: journal ${file} is open for writing by another process (pid ${server.child.pid}); a journal has one writer at a time: stop that process to take a snapshot here, or let it take its own (every SNAPSHOT_EVERY_EVENTS events)\n`,
      );

      expect(await charge(server, "two")).toBe(200);
    } finally {
      await server.stop();
    }
    // With the server gone, the snapshot is the tool's to take.
    const snapshot = await runCli("snapshot", "--db", file);
    expect(snapshot.code, snapshot.stderr).toBe(0);
  });

  it("is free at once when its server is killed with SIGKILL, and after a clean stop", async () => {
    const file = path.join(dir(), "journal.db");
    const killed = await startServer({ env: { DATABASE_PATH: file } });
    expect(await charge(killed, "first")).toBe(200);
    expect((await killed.stop("SIGKILL")).signal).toBe("SIGKILL");

    // The killed owner's pid is still recorded; the next owner replaces it.
    const restarted = await startServer({ env: { DATABASE_PATH: file } });
    expect(fs.readFileSync(journalOwnerPath(file), "utf8")).toBe(`${restarted.child.pid}\n`);
    expect(await balance(restarted)).toEqual({ userId: "fan", balance: 1_000 });
    expect(await charge(restarted, "second")).toBe(200);
    expect((await restarted.stop()).code).toBe(0);

    const again = await startServer({ env: { DATABASE_PATH: file } });
    try {
      expect(await balance(again)).toEqual({ userId: "fan", balance: 2_000 });
    } finally {
      expect((await again.stop()).code).toBe(0);
    }
  });
});
