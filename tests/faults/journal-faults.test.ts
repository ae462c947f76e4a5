import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { JournalWriter } from "../../src/persistence/journal.ts";
import { JournalCorruptError, openJournalReader } from "../../src/persistence/journal.ts";
import type { EngineEvent } from "../../src/engine/engine-state.ts";
import { recoverEngineState } from "../../src/persistence/recovery.ts";
import type { HttpResult } from "../../support/http.ts";
import {
  checkoutForUser,
  NOBODY,
  whyUserCannotUse,
  type ServerCheckout,
} from "../support/as-another-user.ts";
import {
  call,
  pollUntil,
  runServerToExit,
  startServer,
  type ServerOptions,
  type ServerProcess,
} from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";
import { logLines } from "../support/test-logger.ts";
import { ADMIN_TOKEN, startAppEngine, type AppEngine } from "./app-engine.ts";

/** The instant the recoveries this suite compares resume at (only polls depend on it). */
const RESUMED_AT_MS = Date.now();

/**
 * Journal faults end to end: a commit that fails (injected, and SQLite's own disk-full error), a
 * real full disk (a small tmpfs, where the machine allows mounting one), a journal the server may
 * not write, and a damaged journal at start-up. The promise under test: no write is acknowledged
 * that is not durable; clients get 503 JOURNAL_UNAVAILABLE and /health says "failed"; a journal
 * that cannot be read stops start-up with a fatal log line naming the file (and the seq, where one
 * applies). A journal that fails while serving is logged once, with SQLite's error and the file.
 */

const CHARGE_WON = 7_000;
/** How many sequential charges the disk-full tests may send before the disk must have filled. */
const CHARGES_UNTIL_FULL_MAX = 3_000;

let dir = "";
beforeEach(() => {
  dir = tempDir("journal-faults-");
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The contract's error body: `{"error":{"code","message"}}` with this code and some message. */
function expectErrorBody(body: unknown, code: string): void {
  expect(body).toMatchObject({ error: { code } });
  const message = (body as { error: { message?: unknown } }).error.message;
  expect(typeof message === "string" && message.length > 0).toBe(true);
}

function expectJournalUnavailable(answer: HttpResult, what: string): void {
  expect(answer.status, `${what}: ${answer.text}`).toBe(503);
  expectErrorBody(answer.body, "JOURNAL_UNAVAILABLE");
  expect(answer.headers.get("retry-after")).toBe("1");
}

function chargeOf(h: AppEngine, userId: string, key: string): Promise<HttpResult> {
  return h.request("POST", `/api/v1/users/${userId}/balance/charge`, {
    body: { amount: CHARGE_WON },
    idempotencyKey: key,
  });
}

/** Every route that reads or writes through an actor refuses once the journal failed. */
async function expectEverythingRefused(h: AppEngine, token: string, scheduleId: string): Promise<void> {
  expectJournalUnavailable(await chargeOf(h, "late", "late-1"), "a charge after the failure");
  expectJournalUnavailable(await h.request("GET", "/api/v1/users/a/balance"), "a balance read");
  expectJournalUnavailable(await h.request("GET", "/api/v1/concerts"), "the concert list");
  expectJournalUnavailable(await h.request("GET", `/api/v1/schedules/${scheduleId}/seats`), "the seat map");
  expectJournalUnavailable(await h.request("GET", "/api/v1/queue/tokens/current", { token }), "a token poll");
  expectJournalUnavailable(
    await h.request("POST", "/api/v1/reservations", {
      token,
      body: { scheduleId, seatNumbers: [1] },
      idempotencyKey: "h1",
    }),
    "a hold",
  );
  const health = await h.request("GET", "/health");
  expect(health.status).toBe(503);
  expect(health.body).toMatchObject({ status: "failed", journalSeq: h.engine.journalSeq() });
}

async function setUp(h: AppEngine): Promise<{ token: string; scheduleId: string }> {
  const concert = await h.request("POST", "/api/v1/admin/concerts", {
    token: ADMIN_TOKEN,
    body: {
      title: "Fault Night",
      schedules: [{ startsAt: "2030-06-01T19:00:00Z", seatCount: 10, price: 5_000 }],
    },
  });
  expect(concert.status).toBe(201);
  const { concertId, schedules } = concert.body as { concertId: string; schedules: { scheduleId: string }[] };
  const issued = await h.request("POST", "/api/v1/queue/tokens", { body: { userId: "fan", concertId } });
  expect(issued.status).toBe(201);
  return { token: (issued.body as { token: string }).token, scheduleId: schedules[0]?.scheduleId ?? "" };
}

describe.each(WRITERS)("a journal commit that fails (%s writer)", (writer) => {
  it("answers 503 JOURNAL_UNAVAILABLE to every request of the failed commit and after it, and acknowledges only what is on disk", async () => {
    const file = path.join(dir, "journal.db");
    // Commits 1 and 2 set up the concert and a token, 3..5 are acknowledged charges, 6 fails.
    const h = await startAppEngine(file, { journalWriter: writer, faultInjection: { failCommitAt: 6 } });
    const { token, scheduleId } = await setUp(h);
    const acknowledged: string[] = [];
    for (const user of ["a", "b", "c"]) {
      const answer = await chargeOf(h, user, `ok-${user}`);
      expect(answer.status).toBe(200);
      acknowledged.push(user);
    }
    const durableSeq = h.engine.journalSeq();

    // A burst that shares the failing commit (and whatever queued behind it): not one is acknowledged.
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => chargeOf(h, `burst${i}`, `burst-${i}`)).concat(
        h.request("POST", "/api/v1/reservations", {
          token,
          body: { scheduleId, seatNumbers: [2] },
          idempotencyKey: "burst-hold",
        }),
      ),
    );
    for (const [i, answer] of burst.entries()) {
      expectJournalUnavailable(answer, `burst request ${i}`);
    }
    await expectEverythingRefused(h, token, scheduleId);
    expect(h.engine.journalSeq()).toBe(durableSeq);
    expect(h.logged).toEqual([]);
    await h.stop();

    // On disk: exactly what was acknowledged.
    const recovered = recoverEngineState(file, { resumeAtMs: RESUMED_AT_MS });
    expect(recovered.lastSeq).toBe(durableSeq);
    expect([...recovered.state.wallets.keys()].sort()).toEqual(acknowledged);
    for (const user of acknowledged) {
      expect(recovered.state.wallets.get(user)?.balance).toBe(CHARGE_WON);
    }
    expect([...recovered.state.idempotency.records.values()].map((r) => r.key).sort()).toEqual([
      "ok-a",
      "ok-b",
      "ok-c",
    ]);

    // After a restart (the fault gone), an acknowledged key replays; a refused one was never applied.
    const again = await startAppEngine(file, { journalWriter: writer });
    try {
      const replay = await chargeOf(again, "a", "ok-a");
      expect(replay.status).toBe(200);
      expect(replay.body).toMatchObject({ balance: CHARGE_WON });
      const retried = await chargeOf(again, "burst0", "burst-0");
      expect(retried.status).toBe(200);
      expect(retried.body).toMatchObject({ balance: CHARGE_WON });
    } finally {
      await again.stop();
    }
  });

  it("treats SQLite's own disk-full error (max_page_count) the same way, keeping every acknowledged charge", async () => {
    const file = path.join(dir, "journal.db");
    const h = await startAppEngine(file, { journalWriter: writer, faultInjection: { pageCountMax: 9 } });
    const { token, scheduleId } = await setUp(h);
    let acknowledged = 0;
    let refused: HttpResult | undefined;
    for (let i = 0; i < CHARGES_UNTIL_FULL_MAX && refused === undefined; i += 1) {
      const answer = await chargeOf(h, `u${i % 20}`, `k${i}`);
      if (answer.status === 200) {
        acknowledged += 1;
      } else {
        refused = answer;
      }
    }
    expect(refused, "the journal never filled up").toBeDefined();
    expectJournalUnavailable(refused as HttpResult, "the charge that did not fit");
    await expectEverythingRefused(h, token, scheduleId);
    await h.stop();

    const recovered = recoverEngineState(file, { resumeAtMs: RESUMED_AT_MS });
    const charges = [...recovered.state.wallets.values()].reduce((n, w) => n + w.transactions.length, 0);
    expect(charges).toBe(acknowledged);
    expect(recovered.state.idempotency.records.has(`u${acknowledged % 20}\u0000k${acknowledged}`)).toBe(
      false,
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// A real full disk and a read-only file system: a tmpfs, where this machine lets the test mount one.

function tryMountTmpfs(target: string, sizeKiB: number): boolean {
  if (process.platform !== "linux" || process.getuid?.() !== 0) {
    return false;
  }
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeKiB}k`, "tmpfs", target], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

function unmount(target: string): void {
  try {
    execFileSync("umount", [target], { stdio: "ignore" });
  } catch {
    execFileSync("umount", ["-l", target], { stdio: "ignore" });
  }
}

describe("a real full disk and a read-only mount (tmpfs; needs root, skipped otherwise)", () => {
  let mountPoint = "";
  let mounted = false;
  let server: ServerProcess | undefined;

  beforeAll(() => {
    mountPoint = tempDir("journal-tmpfs-");
    // 1 MiB: room for the database and a few hundred WAL frames (a commit writes at least one page).
    mounted = tryMountTmpfs(mountPoint, 1024);
    if (!mounted) {
      console.log("tmpfs tests skipped: this process may not mount a file system");
    }
  });
  afterAll(async () => {
    await server?.stop("SIGKILL");
    if (mounted) {
      unmount(mountPoint);
    }
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it("answers 503 JOURNAL_UNAVAILABLE once the disk is full, acknowledges nothing it could not write, and recovers every acknowledged charge", async (ctx) => {
    if (!mounted) {
      ctx.skip();
    }
    const file = path.join(mountPoint, "journal.db");
    server = await startServer({ env: { DATABASE_PATH: file } });
    const acknowledged: string[] = [];
    let refused: { key: string; answer: { status: number; body: unknown } } | undefined;
    for (let i = 0; i < CHARGES_UNTIL_FULL_MAX && refused === undefined; i += 1) {
      const key = `disk-${i}`;
      const answer = await call(server.baseUrl, "POST", `/api/v1/users/u${i % 10}/balance/charge`, {
        body: { amount: CHARGE_WON },
        idempotencyKey: key,
      });
      if (answer.status === 200) {
        acknowledged.push(key);
      } else {
        refused = { key, answer };
      }
    }
    expect(refused, "the disk never filled up").toBeDefined();
    expect(refused?.answer.status).toBe(503);
    expectErrorBody(refused?.answer.body, "JOURNAL_UNAVAILABLE");
    const health = await fetch(`${server.baseUrl}/health`);
    expect(health.status).toBe(503);
    expect(await health.json()).toMatchObject({ status: "failed" });
    const balance = await fetch(`${server.baseUrl}/api/v1/users/u0/balance`);
    expect(balance.status).toBe(503);
    // The operator's log says why, once: SQLite's error, with its code, and the file.
    const running = server;
    const failures = await pollUntil("the journal's failure in the log", () => {
      const lines = logLines(running.output()).filter(
        (line) => line.level === "error" && line.journal === file,
      );
      return Promise.resolve(lines.length > 0 ? lines : undefined);
    });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      cause: { code: expect.stringMatching(/^SQLITE_(FULL|IOERR)/) as unknown },
    });
    await server.stop("SIGKILL");
    server = undefined;

    // More room, then a restart on the same journal: every acknowledged charge, and nothing else.
    execFileSync("mount", ["-o", "remount,size=16m", mountPoint], { stdio: "ignore" });
    const recovered = recoverEngineState(file, { resumeAtMs: RESUMED_AT_MS });
    const keys = [...recovered.state.idempotency.records.values()].map((r) => r.key).sort();
    expect(keys).toEqual([...acknowledged].sort());
    const charges = [...recovered.state.wallets.values()].reduce((n, w) => n + w.transactions.length, 0);
    expect(charges).toBe(acknowledged.length);
    server = await startServer({ env: { DATABASE_PATH: file } });
    const replay = await call(server.baseUrl, "POST", "/api/v1/users/u0/balance/charge", {
      body: { amount: CHARGE_WON },
      idempotencyKey: "disk-0",
    });
    expect(replay.status).toBe(200);
    expect((await fetch(`${server.baseUrl}/health`)).status).toBe(200);
    await server.stop();
    server = undefined;
    console.log(
      `full disk: ${acknowledged.length} charges acknowledged before the 1 MiB tmpfs filled; all recovered`,
    );
  });

  it("refuses to start on a journal on a read-only mount, naming the file", async (ctx) => {
    if (!mounted) {
      ctx.skip();
    }
    const file = path.join(mountPoint, "journal.db");
    // The previous test left a journal here (or this creates one), then the mount turns read-only.
    await (await startAppEngine(file)).stop();
    execFileSync("mount", ["-o", "remount,ro", mountPoint], { stdio: "ignore" });
    try {
      const run = await runServerToExit({ env: { DATABASE_PATH: file } });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(file);
      expect(run.stdout).toMatch(/"level":"fatal".*not writable/);
      expect(run.stdout).not.toMatch(/listening on/);
    } finally {
      execFileSync("mount", ["-o", "remount,rw", mountPoint], { stdio: "ignore" });
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// A journal file the server may not write.

describe("a journal file the server may not write", () => {
  // Root may write any file, so as root the server runs as nobody, from a checkout nobody can reach:
  // this one, or a staged copy of it when it sits where nobody may not go (a mode-700 `mktemp -d`).
  const asRoot = process.getuid?.() === 0;
  let checkout: ServerCheckout | string | undefined;
  beforeAll(() => {
    if (asRoot) {
      checkout = checkoutForUser(NOBODY);
      if (typeof checkout === "object" && checkout.stagedBecause !== undefined) {
        console.log(`the server runs as nobody from a copy in ${checkout.root}: ${checkout.stagedBecause}`);
      }
    }
  });
  afterAll(() => {
    if (typeof checkout === "object") {
      checkout.remove();
    }
  });

  it("stops start-up with a message naming the file instead of serving writes it cannot keep", async (ctx) => {
    const file = path.join(dir, "journal.db");
    await (await startAppEngine(file)).stop();
    fs.chmodSync(file, 0o444);
    let runAs: Pick<ServerOptions, "uid" | "gid" | "cwd"> = {};
    if (asRoot) {
      // Nobody may still create the WAL next to the journal.
      fs.chmodSync(dir, 0o777);
      const cannot = typeof checkout === "object" ? whyUserCannotUse(NOBODY, { write: [dir] }) : checkout;
      if (typeof checkout !== "object" || cannot !== undefined) {
        const reason = `the server cannot run as nobody here: ${cannot ?? "no checkout"}`;
        console.log(`skipped: ${reason}`);
        return ctx.skip(reason);
      }
      runAs = { uid: NOBODY.uid, gid: NOBODY.gid, cwd: checkout.root };
    }
    const run = await runServerToExit({ env: { DATABASE_PATH: file }, ...runAs });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain(file);
    expect(run.stdout).toMatch(/"level":"fatal".*not writable/);
    expect(run.stdout).not.toMatch(/listening on/);
  });
});

// ---------------------------------------------------------------------------------------------------
// A damaged journal at start-up.

const MARKER = "Zebra-Marker-0001";

interface BuiltJournal {
  readonly file: string;
  readonly markerSeq: number;
  readonly lastSeq: number;
}

/** A journal of a few hundred events; the marker concert sits in the middle, with pages after it. */
async function buildJournal(target: string): Promise<BuiltJournal> {
  const h = await startAppEngine(target);
  const concert = async (title: string): Promise<void> => {
    const answer = await h.request("POST", "/api/v1/admin/concerts", {
      token: ADMIN_TOKEN,
      body: { title, schedules: [{ startsAt: "2030-06-01T19:00:00Z", seatCount: 20, price: 5_000 }] },
    });
    expect(answer.status).toBe(201);
  };
  await concert("Opening Night");
  await Promise.all(Array.from({ length: 120 }, (_, i) => chargeOf(h, `before${i}`, `b${i}`)));
  await concert(MARKER);
  await Promise.all(Array.from({ length: 250 }, (_, i) => chargeOf(h, `after${i}`, `a${i}`)));
  await h.stop();
  const reader = openJournalReader<EngineEvent>(target);
  try {
    let markerSeq = 0;
    for (const stored of reader.events(0, { type: "ConcertCreated" })) {
      if (stored.event.type === "ConcertCreated" && stored.event.title === MARKER) {
        markerSeq = stored.seq;
      }
    }
    return { file: target, markerSeq, lastSeq: reader.lastSeq() };
  } finally {
    reader.close();
  }
}

describe("a damaged journal at start-up", () => {
  let built: BuiltJournal;
  let sourceDir = "";

  beforeAll(async () => {
    sourceDir = tempDir("journal-damage-");
    built = await buildJournal(path.join(sourceDir, "journal.db"));
    expect(built.markerSeq).toBeGreaterThan(0);
    expect(fs.existsSync(`${built.file}-wal`) ? fs.statSync(`${built.file}-wal`).size : 0).toBe(0);
  });
  afterAll(() => {
    fs.rmSync(sourceDir, { recursive: true, force: true });
  });

  function copy(): string {
    const file = path.join(dir, "journal.db");
    fs.copyFileSync(built.file, file);
    return file;
  }

  async function startFailure(file: string, writer: JournalWriter = "inline"): Promise<Error> {
    try {
      const h = await startAppEngine(file, { journalWriter: writer });
      await h.stop();
    } catch (error) {
      return error as Error;
    }
    throw new Error("the engine started on a damaged journal");
  }

  it("stops at an entry that does not decode, naming the file and its seq (in process and as a server)", async () => {
    const file = copy();
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf(MARKER);
    expect(at).toBeGreaterThan(0);
    // The byte before a short msgpack string is its header; 0xc1 is the one byte msgpack never uses.
    bytes[at - 1] = 0xc1;
    fs.writeFileSync(file, bytes);

    const error = await startFailure(file, "worker");
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect((error as JournalCorruptError).path).toBe(file);
    expect((error as JournalCorruptError).seq).toBe(built.markerSeq);
    expect(error.message).toContain(file);
    expect(error.message).toContain(`seq ${built.markerSeq}`);

    const run = await runServerToExit({ env: { DATABASE_PATH: file } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(file);
    expect(run.stdout).toContain(`seq ${built.markerSeq}`);
    expect(run.stdout).not.toMatch(/listening on/);
  });

  it("stops at a page overwritten with garbage, naming the file and the seq it could not read", async () => {
    const file = copy();
    const bytes = fs.readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    const page = Math.floor(bytes.indexOf(MARKER) / pageSize);
    bytes.fill(0x5a, page * pageSize, (page + 1) * pageSize);
    fs.writeFileSync(file, bytes);

    const error = await startFailure(file);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toContain(file);
    const seq = (error as JournalCorruptError).seq;
    expect(seq).toBeGreaterThan(0);
    expect(seq).toBeLessThanOrEqual(built.markerSeq);
    expect(error.message).toContain(`seq ${seq}`);
  });

  it("stops on a truncated file, naming it (in process and as a server)", async () => {
    const file = copy();
    fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2));

    const error = await startFailure(file);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toContain(file);

    const run = await runServerToExit({ env: { DATABASE_PATH: file } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(file);
    expect(run.stdout).not.toMatch(/listening on/);
  });

  it("stops on a file that is not a database at all, naming it", async () => {
    const file = copy();
    const bytes = fs.readFileSync(file);
    bytes.fill(0x42, 0, 100);
    fs.writeFileSync(file, bytes);

    const error = await startFailure(file);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toContain(file);
  });

  it("stops on a snapshot that does not decode, naming the file and the snapshot's seq", async () => {
    const file = copy();
    const h = await startAppEngine(file);
    const snapshotSeq = await h.engine.snapshot();
    await h.stop();
    expect(snapshotSeq).toBe(built.lastSeq);
    const bytes = fs.readFileSync(file);
    // The marker is in its event and in the snapshot; damage every copy, so the snapshot is hit first.
    for (let at = bytes.indexOf(MARKER); at >= 0; at = bytes.indexOf(MARKER, at + 1)) {
      bytes[at - 1] = 0xc1;
    }
    fs.writeFileSync(file, bytes);

    const error = await startFailure(file);
    expect(error).toBeInstanceOf(JournalCorruptError);
    expect(error.message).toContain(file);
    expect(error.message).toContain(`seq ${snapshotSeq}`);
  });
});
