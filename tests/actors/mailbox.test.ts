import path from "node:path";
import { nanoid } from "nanoid";
import { afterEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import { Mailbox, type Turn, type TurnOutcome } from "../../src/actors/mailbox.ts";
import { ActorRuntime } from "../../src/actors/runtime.ts";
import type { Result } from "../../src/engine/decider.ts";
import { initialEngineState, streamOf, walletOf, type EngineEvent } from "../../src/engine/engine-state.ts";
import { decideWallet } from "../../src/engine/wallet.ts";
import {
  openJournal,
  openJournalReader,
  type FaultInjection,
  type Journal,
  type JournalWriter,
} from "../../src/persistence/journal.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";
import { codeOf, T0_MS, unwrap } from "./harness.ts";

const USER_ID = "user-1";

interface Rig {
  readonly runtime: ActorRuntime;
  readonly mailbox: Mailbox;
  readonly journal: Journal<EngineEvent>;
  readonly file: string;
}

const opened: Journal<EngineEvent>[] = [];

async function closeOpened(): Promise<void> {
  for (const journal of opened.splice(0)) {
    await journal.close();
  }
}

/** A runtime over a real journal file and one mailbox on it, without the rest of the engine. */
async function rig(
  dir: string,
  writer: JournalWriter,
  mailboxDepthMax: number,
  faultInjection?: FaultInjection,
): Promise<Rig> {
  const file = path.join(dir, "journal.db");
  const journal = await openJournal<EngineEvent>({ path: file, streamOf, writer, faultInjection });
  opened.push(journal);
  const runtime = new ActorRuntime({
    state: initialEngineState(),
    journal,
    clock: new SimulatedClock(T0_MS),
    newId: () => nanoid(),
    mailboxDepthMax,
    snapshotEveryEvents: 1_000_000,
  });
  return { runtime, mailbox: new Mailbox("test", runtime), journal, file };
}

/**
 * A turn that charges USER_ID. Its value is the seq its entry will get: the mailbox journals a
 * turn's events right after the turn returns, with nothing in between.
 */
function chargeTurn(runtime: ActorRuntime, amount: number, log?: string[], label?: string): Turn<number> {
  return (ctx) => {
    log?.push(`start ${label}`);
    const decision = decideWallet(
      walletOf(runtime.state, USER_ID),
      { type: "ChargeBalance", userId: USER_ID, amount },
      ctx,
    );
    if (!decision.ok) {
      return decision;
    }
    runtime.apply(decision.events);
    log?.push(`end ${label}`);
    return { ok: true, events: decision.events, value: runtime.journal.lastAppendedSeq + 1 };
  };
}

function balanceTurn(runtime: ActorRuntime): () => TurnOutcome<number> {
  return () => ({ ok: true, events: [], value: runtime.state.wallets.get(USER_ID)?.balance ?? 0 });
}

/** The seqs stored in the file right now, read by a separate connection. */
function storedSeqs(file: string): number[] {
  const reader = openJournalReader<EngineEvent>(file);
  try {
    return [...reader.events(0)].map((stored) => stored.seq);
  } finally {
    reader.close();
  }
}

/** Lets queued microtasks run, but not the next turn of the event loop where commits happen. */
async function drainMicrotasks(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve();
  }
}

describe.each(WRITERS)("a mailbox over the %s journal writer", (writer) => {
  const dir = useTempDir("engine-test-");
  // Registered after the temporary directory's hook, so it runs before it: close, then delete.
  afterEach(closeOpened);

  describe("turns", () => {
    it("runs its messages one at a time, each to completion, in the order they were posted", async () => {
      const { runtime, mailbox } = await rig(dir(), writer, 100);
      const log: string[] = [];
      const answers = Array.from({ length: 5 }, (_, i) =>
        mailbox.post(chargeTurn(runtime, 1_000 * (i + 1), log, String(i))),
      );
      const results = await Promise.all(answers);

      expect(log).toEqual(["0", "1", "2", "3", "4"].flatMap((i) => [`start ${i}`, `end ${i}`]));
      expect(results.every((result) => result.ok)).toBe(true);
      // Each turn saw the state the one before it left: the balances add up in posting order.
      const balances = runtime.state.wallets.get(USER_ID)?.transactions.map((t) => t.balanceAfter);
      expect(balances).toEqual([1_000, 3_000, 6_000, 10_000, 15_000]);
    });

    it("runs a message posted from inside a turn after that turn, never in the middle of it", async () => {
      const { runtime, mailbox } = await rig(dir(), writer, 100);
      const log: string[] = [];
      let inner: Promise<Result<number>> | undefined;
      const outer = mailbox.post((ctx) => {
        log.push("outer starts");
        inner = mailbox.post(chargeTurn(runtime, 2_000, log, "inner"));
        log.push("outer ends");
        return chargeTurn(runtime, 1_000)(ctx);
      });
      await outer;
      await inner;

      expect(log).toEqual(["outer starts", "outer ends", "start inner", "end inner"]);
    });
  });

  describe("durable answers", () => {
    it("withholds an answer until the journal batch holding its events is durable", async () => {
      const { runtime, mailbox, journal, file } = await rig(dir(), writer, 100);
      let answered = false;
      const answer = mailbox.post(chargeTurn(runtime, 5_000)).then((result) => {
        // At the moment of the answer the entry is committed: another connection can read it.
        const seq = unwrap(result);
        expect(journal.lastDurableSeq).toBeGreaterThanOrEqual(seq);
        expect(storedSeqs(file)).toContain(seq);
        answered = true;
        return seq;
      });
      await drainMicrotasks();

      // The turn has run and its change is in memory, but it is not committed, so nobody is told.
      expect(runtime.state.wallets.get(USER_ID)?.balance).toBe(5_000);
      expect(journal.lastAppendedSeq).toBe(1);
      expect(answered).toBe(false);
      expect(await answer).toBe(1);
    });

    it("holds back a read until the writes it may have observed are durable", async () => {
      const { runtime, mailbox, journal } = await rig(dir(), writer, 100);
      const write = mailbox.post(chargeTurn(runtime, 7_000));
      const read = mailbox.post(balanceTurn(runtime)).then((result) => {
        expect(journal.lastDurableSeq).toBe(1);
        return unwrap(result);
      });

      expect(await read).toBe(7_000);
      expect(unwrap(await write)).toBe(1);
    });

    it("commits the entries of messages handled in the same turn of the event loop together", async () => {
      const { runtime, mailbox, journal } = await rig(dir(), writer, 100);
      const results = await Promise.all(
        Array.from({ length: 50 }, () => mailbox.post(chargeTurn(runtime, 100))),
      );

      expect(results.map(unwrap)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(journal.stats.entries).toBe(50);
      expect(journal.stats.commits).toBeLessThan(50);
    });
  });

  describe("the bound", () => {
    it("refuses a message at once with OVERLOADED when full, and takes messages again once answers drain", async () => {
      const { runtime, mailbox } = await rig(dir(), writer, 3);
      const accepted = [1, 2, 3].map(() => mailbox.post(chargeTurn(runtime, 1_000)));
      expect(mailbox.depth).toBe(3);

      let refusedFirst = false;
      const refused = mailbox.post(chargeTurn(runtime, 1_000)).then((result) => {
        refusedFirst = true;
        return result;
      });
      const firstAccepted = accepted[0]?.then(() => refusedFirst);
      // The refusal is answered before any accepted message, which all wait for the disk.
      expect(await firstAccepted).toBe(true);
      expect(codeOf(await refused)).toBe("OVERLOADED");
      expect((await Promise.all(accepted)).map(codeOf)).toEqual(["OK", "OK", "OK"]);
      // The refused charge never ran.
      expect(runtime.state.wallets.get(USER_ID)?.balance).toBe(3_000);

      expect(mailbox.depth).toBe(0);
      expect(codeOf(await mailbox.post(chargeTurn(runtime, 1_000)))).toBe("OK");
      expect(runtime.state.wallets.get(USER_ID)?.balance).toBe(4_000);
    });

    it("counts messages waiting on the disk, not just those waiting to run", async () => {
      const { runtime, mailbox } = await rig(dir(), writer, 2);
      const accepted = [mailbox.post(chargeTurn(runtime, 1)), mailbox.post(chargeTurn(runtime, 1))];
      await drainMicrotasks();

      // Both turns have run; their answers wait for a commit, and they still fill the mailbox.
      expect(runtime.state.wallets.get(USER_ID)?.transactions).toHaveLength(2);
      expect(codeOf(await mailbox.post(balanceTurn(runtime)))).toBe("OVERLOADED");
      await Promise.all(accepted);
      expect(unwrap(await mailbox.post(balanceTurn(runtime)))).toBe(2);
    });

    it("never refuses a message the actor sends itself, so a timer's message is not lost", async () => {
      const { runtime, mailbox } = await rig(dir(), writer, 1);
      const outside = mailbox.post(chargeTurn(runtime, 1_000));
      expect(codeOf(await mailbox.post(chargeTurn(runtime, 1_000)))).toBe("OVERLOADED");

      const own = mailbox.postToSelf(chargeTurn(runtime, 2_000));
      expect((await Promise.all([outside, own])).map(codeOf)).toEqual(["OK", "OK"]);
      expect(runtime.state.wallets.get(USER_ID)?.balance).toBe(3_000);
    });
  });

  describe("a failed journal", () => {
    it("answers every pending and later message JOURNAL_UNAVAILABLE and serves no state", async () => {
      // The first commit succeeds, the second fails as an I/O error would.
      const { runtime, mailbox, journal, file } = await rig(dir(), writer, 100, { failCommitAt: 2 });
      expect(unwrap(await mailbox.post(chargeTurn(runtime, 1_000)))).toBe(1);

      const pending = [
        mailbox.post(chargeTurn(runtime, 2_000)),
        mailbox.post(chargeTurn(runtime, 3_000)),
        // This read sees the two charges above in memory; it must not report them.
        mailbox.post(balanceTurn(runtime)),
      ];
      expect((await Promise.all(pending)).map(codeOf)).toEqual([
        "JOURNAL_UNAVAILABLE",
        "JOURNAL_UNAVAILABLE",
        "JOURNAL_UNAVAILABLE",
      ]);
      expect(journal.failure).toBeDefined();

      const later = await Promise.all([
        mailbox.post(chargeTurn(runtime, 4_000)),
        mailbox.post(balanceTurn(runtime)),
      ]);
      expect(later.map(codeOf)).toEqual(["JOURNAL_UNAVAILABLE", "JOURNAL_UNAVAILABLE"]);
      expect(mailbox.depth).toBe(0);
      // Only the acknowledged charge reached the file.
      expect(storedSeqs(file)).toEqual([1]);
    });

    it("refuses messages posted after it fails without running them", async () => {
      const { runtime, mailbox, journal } = await rig(dir(), writer, 100, { failCommitAt: 1 });
      expect(codeOf(await mailbox.post(chargeTurn(runtime, 1_000)))).toBe("JOURNAL_UNAVAILABLE");
      expect(journal.failure).toBeDefined();

      let ran = false;
      const result = await mailbox.post(() => {
        ran = true;
        return { ok: true, events: [], value: 0 };
      });
      expect(codeOf(result)).toBe("JOURNAL_UNAVAILABLE");
      expect(ran).toBe(false);
    });
  });
});
