import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import type { Engine } from "../../src/actors/engine.ts";
import { checkEngineInvariants } from "../../src/engine/engine-invariants.ts";
import type { EngineState } from "../../src/engine/engine-state.ts";
import { resumeWaitingRoom } from "../../src/engine/waiting-room/index.ts";
import { recoverEngineState } from "../../src/persistence/recovery.ts";
import {
  codeOf,
  createConcert,
  Fans,
  HOLD_TTL_MS,
  liveState,
  quiesce,
  readJournal,
  startTestEngine,
  T0_MS,
  unwrap,
  type TestConcert,
} from "../actors/harness.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { WRITERS } from "../support/test-engine.ts";

const dir = useTempDir("engine-test-");

/** Writes sent while a snapshot is under way stop here if it is still not done. */
const WRITES_DURING_SNAPSHOT_MAX = 2_000;

/**
 * Waiting rooms keep the order of their idle WAITING tokens as soft state (polls are not journaled),
 * and recovery resets it at the instant it resumes; a live state compared with a recovered one is
 * reset at that same instant.
 */
function comparable(state: EngineState, nowMs: number): EngineState {
  for (const room of state.waitingRooms.values()) {
    resumeWaitingRoom(room, nowMs);
  }
  return state;
}

/** A busy afternoon: tokens, charges, holds, payments, cancellations, expiries and idempotent retries. */
async function mixedWorkload(engine: Engine, clock: SimulatedClock, concert: TestConcert): Promise<void> {
  const [first = "", second = ""] = concert.scheduleIds;
  const fans = new Fans(engine, concert.concertId);
  const users = ["ana", "bo", "cy", "di", "ed"];
  for (const user of users) {
    unwrap(await engine.issueToken(user, concert.concertId));
  }
  await Promise.all(users.map((user, i) => engine.charge(user, 30_000 + i * 10_000, `top-up-${user}`)));

  const holds = await Promise.all([
    fans.hold("ana", first, [1, 2]),
    fans.hold("bo", first, [2, 3]),
    fans.hold("cy", second, [1]),
    fans.hold("di", second, [2, 3, 4]),
    fans.hold("ed", first, [5]),
  ]);
  const [ana, , cy, di, ed] = holds.map((result) => (result.ok ? result.value : undefined));
  expect(holds.map(codeOf)).toEqual(["OK", "SEAT_UNAVAILABLE", "OK", "OK", "OK"]);

  clock.advanceBy(10_000);
  await Promise.all([
    fans.pay("ana", ana?.reservationId ?? ""),
    fans.pay("di", di?.reservationId ?? ""),
    fans.cancel("cy", cy?.reservationId ?? ""),
    engine.charge("ana", 1_000, "top-up-ana"),
  ]);
  // Ed's hold runs out with no request arriving; Bo holds again after it.
  clock.advanceBy(HOLD_TTL_MS);
  expect(codeOf(await fans.pay("ed", ed?.reservationId ?? ""))).toBe("HOLD_EXPIRED");
  unwrap(await fans.hold("bo", first, [5, 6]));
  unwrap(await engine.leaveQueue(unwrap(await engine.issueToken("cy", concert.concertId)).token.token));
  clock.advanceBy(5_000);
  await quiesce(engine);
}

describe.each(WRITERS)("recovery of a journal written through the %s writer", (writer) => {
  it("rebuilds exactly the state the engine had when it stopped", async () => {
    const file = path.join(dir(), "journal.db");
    const clock = new SimulatedClock(T0_MS);
    const engine = await startTestEngine(file, clock, { journalWriter: writer });
    await mixedWorkload(engine, clock, await createConcert(engine, [8, 6]));
    await engine.stop();
    const live = comparable(liveState(engine), clock.nowMs());
    checkEngineInvariants(live);

    const recovered = recoverEngineState(file, { useSnapshot: false, resumeAtMs: clock.nowMs() });
    expect(recovered.lastSeq).toBe(readJournal(file).length);
    expect(recovered.state).toStrictEqual(live);

    // Reopened at the same instant, the engine starts from that same state.
    const reopened = await startTestEngine(file, clock, { journalWriter: writer });
    await reopened.stop();
    expect(comparable(liveState(reopened), clock.nowMs())).toStrictEqual(live);
  });
});

describe("snapshots", () => {
  it("give the same state from a snapshot plus the tail as from a full replay", async () => {
    const file = path.join(dir(), "journal.db");
    const clock = new SimulatedClock(T0_MS);
    const engine = await startTestEngine(file, clock);
    const concert = await createConcert(engine, [8, 6]);
    await mixedWorkload(engine, clock, concert);
    const snapshotSeq = await engine.snapshot();
    const fans = new Fans(engine, concert.concertId);
    // More of everything after the snapshot, so the tail is not empty.
    await Promise.all([
      engine.charge("fy", 50_000),
      fans.hold("fy", concert.scheduleIds[1] ?? "", [5, 6]),
      fans.hold("ana", concert.scheduleIds[0] ?? "", [7]),
    ]);
    clock.advanceBy(HOLD_TTL_MS);
    unwrap(await fans.hold("gus", concert.scheduleIds[1] ?? "", [6]));
    await quiesce(engine);
    await engine.stop();

    const fromSnapshot = recoverEngineState(file, { resumeAtMs: clock.nowMs() });
    const full = recoverEngineState(file, { useSnapshot: false, resumeAtMs: clock.nowMs() });
    expect(snapshotSeq).toBeGreaterThan(0);
    expect(fromSnapshot.snapshotSeq).toBe(snapshotSeq);
    expect(fromSnapshot.eventsReplayed).toBe(full.lastSeq - (snapshotSeq ?? 0));
    expect(fromSnapshot.eventsReplayed).toBeGreaterThan(0);
    expect(full.eventsReplayed).toBe(full.lastSeq);
    expect(fromSnapshot.state).toStrictEqual(full.state);
    expect(full.state).toStrictEqual(comparable(liveState(engine), clock.nowMs()));
  });

  it.each(WRITERS)(
    "taken while writes go on (%s writer), cover the seq of the call, and with the tail equal a full replay and the live state",
    async (writer) => {
      const file = path.join(dir(), "journal.db");
      const clock = new SimulatedClock(T0_MS);
      const engine = await startTestEngine(file, clock, { journalWriter: writer });
      // The workload uses the first two schedules; the holds during the snapshot take the third.
      const concert = await createConcert(engine, [8, 6, 40]);
      await mixedWorkload(engine, clock, concert);
      const seqAtCall = engine.journalSeq();
      let settled = false;
      const snapshot = engine.snapshot().finally(() => {
        settled = true;
      });
      // The snapshot thread folds, encodes and writes while holds and charges keep being answered.
      const fans = new Fans(engine, concert.concertId);
      let answeredDuring = 0;
      for (let i = 0; !settled && i < WRITES_DURING_SNAPSHOT_MAX; i++) {
        const user = `late-${i % 10}`;
        unwrap(await engine.charge(user, 1_000 + i));
        if (i < 40) {
          unwrap(await fans.hold(user, concert.scheduleIds[2] ?? "", [i + 1]));
        }
        answeredDuring += settled ? 0 : 1;
      }
      const snapshotSeq = await snapshot;
      unwrap(await engine.charge("after", 5_000));
      await quiesce(engine);
      await engine.stop();

      expect(answeredDuring).toBeGreaterThan(0);
      expect(snapshotSeq).toBe(seqAtCall);
      const fromSnapshot = recoverEngineState(file, { resumeAtMs: clock.nowMs() });
      const full = recoverEngineState(file, { useSnapshot: false, resumeAtMs: clock.nowMs() });
      expect(fromSnapshot.snapshotSeq).toBe(snapshotSeq);
      expect(fromSnapshot.eventsReplayed).toBe(full.lastSeq - seqAtCall);
      expect(fromSnapshot.eventsReplayed).toBeGreaterThan(answeredDuring);
      expect(fromSnapshot.state).toStrictEqual(full.state);
      expect(full.state).toStrictEqual(comparable(liveState(engine), clock.nowMs()));
    },
  );

  it("taken every few events while commands run, recover the same state as a full replay", async () => {
    const file = path.join(dir(), "journal.db");
    const clock = new SimulatedClock(T0_MS);
    const engine = await startTestEngine(file, clock, { snapshotEveryEvents: 5 });
    await mixedWorkload(engine, clock, await createConcert(engine, [8, 6]));
    await engine.stop();

    const fromSnapshot = recoverEngineState(file, { resumeAtMs: clock.nowMs() });
    const full = recoverEngineState(file, { useSnapshot: false, resumeAtMs: clock.nowMs() });
    expect(fromSnapshot.snapshotSeq).toBeGreaterThan(0);
    expect(fromSnapshot.state).toStrictEqual(full.state);
    expect(full.state).toStrictEqual(comparable(liveState(engine), clock.nowMs()));
  });
});

// Random command sequences through the real actors.

const USERS = ["u0", "u1", "u2", "u3"] as const;
const SEAT_COUNTS = [6, 4] as const;

type Step =
  | { readonly kind: "charge"; readonly user: number; readonly amount: number; readonly key: number | null }
  | { readonly kind: "hold"; readonly user: number; readonly schedule: number; readonly seats: number[] }
  | { readonly kind: "pay"; readonly pick: number; readonly key: number | null }
  | { readonly kind: "cancel"; readonly pick: number }
  | { readonly kind: "token"; readonly user: number; readonly leave: boolean };

type Burst =
  | { readonly kind: "together"; readonly steps: Step[] }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "snapshot" }
  | { readonly kind: "restart" };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
/** Most commands carry no key; the keyed ones share a few keys, so repeats and reuses happen. */
const key = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }) },
);
/** A reservation to pay or cancel, counted back from the newest, so most picks are still HELD. */
const pick = fc.nat({ max: 3 });
const step: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("charge" as const),
      user,
      amount: fc.integer({ min: 1, max: 80_000 }),
      key,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: SEAT_COUNTS.length - 1 }).chain((schedule) =>
      fc.record({
        kind: fc.constant("hold" as const),
        user,
        schedule: fc.constant(schedule),
        seats: fc.uniqueArray(fc.integer({ min: 1, max: SEAT_COUNTS[schedule] ?? 1 }), {
          minLength: 1,
          maxLength: 3,
        }),
      }),
    ),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pay" as const), pick, key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("token" as const), user, leave: fc.boolean() }) },
);
const burst: fc.Arbitrary<Burst> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("together" as const),
      steps: fc.array(step, { minLength: 1, maxLength: 5 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.integer({ min: 0, max: (HOLD_TTL_MS * 3) / 4 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "snapshot" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
);

/** Runs one step; its result does not matter here, only that whatever it did was journaled. */
async function runStep(
  engine: Engine,
  concert: TestConcert,
  reservations: { reservationId: string; userId: string }[],
  s: Step,
): Promise<unknown> {
  const fans = new Fans(engine, concert.concertId);
  switch (s.kind) {
    case "charge": {
      const userId = USERS[s.user] ?? "u0";
      return engine.charge(userId, s.amount, s.key === null ? undefined : `charge-${s.key}`);
    }
    case "hold": {
      const userId = USERS[s.user] ?? "u0";
      const result = await fans.hold(userId, concert.scheduleIds[s.schedule] ?? "", s.seats);
      if (result.ok) {
        reservations.push({ reservationId: result.value.reservationId, userId });
      }
      return result;
    }
    case "pay": {
      const target = reservations.at(-1 - s.pick);
      return target === undefined
        ? undefined
        : fans.pay(target.userId, target.reservationId, s.key === null ? undefined : `pay-${s.key}`);
    }
    case "cancel": {
      const target = reservations.at(-1 - s.pick);
      return target === undefined ? undefined : fans.cancel(target.userId, target.reservationId);
    }
    case "token": {
      const issued = await engine.issueToken(USERS[s.user] ?? "u0", concert.concertId);
      return issued.ok && s.leave ? engine.leaveQueue(issued.value.token.token) : issued;
    }
  }
}

describe("replaying the journal", () => {
  it("reproduces exactly the live state after any sequence of concurrent commands", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(burst, { minLength: 1, maxLength: 30 }), async (bursts) => {
        run += 1;
        const file = path.join(dir(), `journal-${run}.db`);
        const clock = new SimulatedClock(T0_MS);
        let engine = await startTestEngine(file, clock, { snapshotEveryEvents: 1_000_000 });
        try {
          const concert = await createConcert(engine, SEAT_COUNTS);
          // Everyone starts with enough money for a few seats, so payments go through often.
          await Promise.all(USERS.map((userId) => engine.charge(userId, 30_000)));
          const reservations: { reservationId: string; userId: string }[] = [];
          for (const b of bursts) {
            switch (b.kind) {
              case "together":
                await Promise.all(b.steps.map((s) => runStep(engine, concert, reservations, s)));
                break;
              case "advance":
                clock.advanceBy(b.ms);
                break;
              case "snapshot":
                await engine.snapshot();
                break;
              case "restart":
                // Messages a timer just posted may be refused by the closing journal; the new engine
                // expires those holds again, from the journal.
                await engine.stop();
                engine = await startTestEngine(file, clock, { snapshotEveryEvents: 1_000_000 });
                break;
            }
            checkEngineInvariants(liveState(engine));
          }
          await quiesce(engine);
        } finally {
          await engine.stop();
        }
        const live = comparable(liveState(engine), clock.nowMs());
        const full = recoverEngineState(file, { useSnapshot: false, resumeAtMs: clock.nowMs() });
        expect(full.state).toStrictEqual(live);
        const fromSnapshot = recoverEngineState(file, { resumeAtMs: clock.nowMs() });
        expect(fromSnapshot.state).toStrictEqual(live);
      }),
      { numRuns: 20 },
    );
  });
});
