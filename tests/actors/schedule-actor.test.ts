import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import type { Engine } from "../../src/actors/engine.ts";
import { checkEngineInvariants } from "../../src/engine/engine-invariants.ts";
import { findReservation, type EngineEvent } from "../../src/engine/engine-state.ts";
import type { StoredEvent } from "../../src/persistence/journal.ts";
import {
  codeOf,
  createConcert,
  Fans,
  HOLD_TTL_MS,
  liveState,
  readJournal,
  SEAT_PRICE_WON,
  seatStatuses,
  startTestEngine,
  T0_MS,
  unwrap,
} from "./harness.ts";
import { useTempDir } from "../support/temp-dir.ts";

const dir = useTempDir("engine-test-");

function eventsOfType<T extends EngineEvent["type"]>(
  stored: readonly StoredEvent<EngineEvent>[],
  type: T,
): StoredEvent<Extract<EngineEvent, { type: T }>>[] {
  return stored.filter(
    (entry): entry is StoredEvent<Extract<EngineEvent, { type: T }>> => entry.event.type === type,
  );
}

/** An engine on a fresh file with one concert; `file` is where its journal lives. */
async function stage(
  seatCounts: readonly number[],
  options: { clock?: SimulatedClock; mailboxDepthMax?: number; name?: string } = {},
): Promise<{
  engine: Engine;
  fans: Fans;
  clock: SimulatedClock;
  file: string;
  scheduleId: string;
  concertId: string;
}> {
  const clock = options.clock ?? new SimulatedClock(T0_MS);
  const file = path.join(dir(), options.name ?? "journal.db");
  const engine = await startTestEngine(file, clock, { mailboxDepthMax: options.mailboxDepthMax ?? 10_000 });
  const concert = await createConcert(engine, seatCounts);
  const fans = new Fans(engine, concert.concertId);
  return {
    engine,
    fans,
    clock,
    file,
    scheduleId: concert.scheduleIds[0] ?? "",
    concertId: concert.concertId,
  };
}

describe("holding seats through the schedule actor", () => {
  it("lets exactly one of 1,000 concurrent holds of the same seat succeed", async () => {
    const { engine, fans, file, scheduleId } = await stage([50]);
    await fans.admit(Array.from({ length: 1_000 }, (_, i) => `user-${i}`));
    const results = await Promise.all(
      Array.from({ length: 1_000 }, (_, i) => fans.hold(`user-${i}`, scheduleId, [7])),
    );
    await engine.stop();

    const codes = results.map(codeOf);
    expect(codes.filter((code) => code === "OK")).toHaveLength(1);
    expect(codes.filter((code) => code === "SEAT_UNAVAILABLE")).toHaveLength(999);
    const held = eventsOfType(readJournal(file), "SeatsHeld");
    expect(held).toHaveLength(1);
    expect(held[0]?.event.seatNumbers).toEqual([7]);
  });

  it("never gives a seat to two holds when holds of overlapping seat sets race", async () => {
    const SEAT_COUNT = 12;
    const seatSet = fc.uniqueArray(fc.integer({ min: 1, max: SEAT_COUNT }), { minLength: 1, maxLength: 4 });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(seatSet, { minLength: 1, maxLength: 40 }), async (requests) => {
        run += 1;
        const { engine, fans, scheduleId } = await stage([SEAT_COUNT], { name: `race-${run}.db` });
        try {
          await fans.admit(requests.map((_, i) => `user-${i}`));
          const results = await Promise.all(
            requests.map((seats, i) => fans.hold(`user-${i}`, scheduleId, seats)),
          );
          // The actor handles messages one at a time in arrival order, so the outcome is exactly that
          // of granting the requests one after another: a request wins iff none of its seats went before.
          const taken = new Set<number>();
          const expected = requests.map((seats) => {
            if (seats.some((seat) => taken.has(seat))) {
              return "SEAT_UNAVAILABLE";
            }
            seats.forEach((seat) => taken.add(seat));
            return "OK";
          });
          expect(results.map(codeOf)).toEqual(expected);
          const statuses = await seatStatuses(engine, scheduleId);
          expect(statuses.filter((status) => status === "HELD")).toHaveLength(taken.size);
          checkEngineInvariants(liveState(engine));
        } finally {
          await engine.stop();
        }
      }),
      { numRuns: 15 },
    );
  });
});

describe("paying through the schedule actor", () => {
  it("journals the confirmation and the debit as one entry, even among concurrent commands", async () => {
    const { engine, fans, file, scheduleId } = await stage([10]);
    unwrap(await engine.charge("payer", 100_000));
    const reservation = unwrap(await fans.hold("payer", scheduleId, [1, 2]));

    const [paid] = await Promise.all([
      fans.pay("payer", reservation.reservationId),
      ...Array.from({ length: 20 }, (_, i) => engine.charge(`other-${i}`, 1_000)),
      ...Array.from({ length: 5 }, (_, i) => fans.hold(`other-${i}`, scheduleId, [3 + i])),
    ]);
    const receipt = unwrap(paid);
    expect(receipt.amount).toBe(2 * SEAT_PRICE_WON);
    expect(receipt.balance).toBe(100_000 - 2 * SEAT_PRICE_WON);
    await engine.stop();

    const stored = readJournal(file);
    const at = stored.findIndex((entry) => entry.event.type === "ReservationConfirmed");
    const confirmed = stored[at];
    const debited = stored[at + 1];
    expect(confirmed?.event).toMatchObject({
      type: "ReservationConfirmed",
      reservationId: reservation.reservationId,
      paymentId: receipt.paymentId,
    });
    expect(debited?.event).toMatchObject({
      type: "PaymentDebited",
      userId: "payer",
      reservationId: reservation.reservationId,
      paymentId: receipt.paymentId,
      amount: 2 * SEAT_PRICE_WON,
    });
    // One entry: consecutive seqs, stamped with the same turn's time.
    expect(debited?.seq).toBe((confirmed?.seq ?? 0) + 1);
    expect(debited?.recordedAtMs).toBe(confirmed?.recordedAtMs);
    expect(eventsOfType(stored, "ReservationConfirmed")).toHaveLength(1);
    expect(eventsOfType(stored, "PaymentDebited")).toHaveLength(1);
  });

  it("leaves both the hold and the balance untouched when the balance is insufficient", async () => {
    const { engine, fans, file, scheduleId } = await stage([10]);
    unwrap(await engine.charge("payer", SEAT_PRICE_WON - 1));
    const reservation = unwrap(await fans.hold("payer", scheduleId, [4]));
    const seqBefore = engine.journalSeq();

    const refused = await fans.pay("payer", reservation.reservationId);
    expect(codeOf(refused)).toBe("INSUFFICIENT_BALANCE");
    expect(unwrap(await engine.balance("payer"))).toBe(SEAT_PRICE_WON - 1);
    expect(unwrap(await engine.reservation(reservation.reservationId)).status).toBe("HELD");
    expect((await seatStatuses(engine, scheduleId))[3]).toBe("HELD");
    expect(engine.journalSeq()).toBe(seqBefore);

    // The hold is still good: with one more won the same payment goes through.
    unwrap(await engine.charge("payer", 1));
    expect(unwrap(await fans.pay("payer", reservation.reservationId)).balance).toBe(0);
    await engine.stop();
    expect(eventsOfType(readJournal(file), "PaymentDebited")).toHaveLength(1);
  });

  it("refuses to pay an expired hold, and takes no money", async () => {
    const { engine, fans, clock, scheduleId } = await stage([10]);
    unwrap(await engine.charge("payer", 100_000));
    const reservation = unwrap(await fans.hold("payer", scheduleId, [1]));
    clock.advanceBy(HOLD_TTL_MS);

    expect(codeOf(await fans.pay("payer", reservation.reservationId))).toBe("HOLD_EXPIRED");
    expect(unwrap(await engine.balance("payer"))).toBe(100_000);
    await engine.stop();
  });

  it("refuses a second payment of the same reservation with ALREADY_PAID", async () => {
    const { engine, fans, scheduleId } = await stage([10]);
    unwrap(await engine.charge("payer", 100_000));
    const reservation = unwrap(await fans.hold("payer", scheduleId, [1]));
    const first = await fans.pay("payer", reservation.reservationId);
    // The first payment spent its token; the second comes with the user's next one.
    const second = await fans.pay("payer", reservation.reservationId);

    expect(codeOf(first)).toBe("OK");
    expect(codeOf(second)).toBe("ALREADY_PAID");
    expect(unwrap(await engine.balance("payer"))).toBe(100_000 - SEAT_PRICE_WON);
    await engine.stop();
  });

  it("spends the token in the payment's own turn: two payments racing with one token buy once", async () => {
    const { engine, file, concertId } = await stage([10, 10]);
    const [first, second] = liveState(engine).catalog.concerts.get(concertId)?.schedules ?? [];
    unwrap(await engine.charge("payer", 100_000));
    const token = unwrap(await engine.issueToken("payer", concertId)).token.token;
    const a = unwrap(await engine.holdSeats(token, first?.scheduleId ?? "", [1]));
    const b = unwrap(await engine.holdSeats(token, second?.scheduleId ?? "", [1]));

    const results = await Promise.all([
      engine.pay(token, a.reservationId),
      engine.pay(token, b.reservationId),
    ]);
    await engine.stop();

    expect(results.map(codeOf).sort()).toEqual(["OK", "TOKEN_EXPIRED"]);
    const journal = readJournal(file);
    expect(eventsOfType(journal, "PaymentDebited")).toHaveLength(1);
    const used = eventsOfType(journal, "TokenUsed");
    const confirmed = eventsOfType(journal, "ReservationConfirmed");
    expect(used).toHaveLength(1);
    // The token is spent in the same journal entry as the payment it paid for: consecutive seqs,
    // stamped with the same turn's time.
    expect(used[0]?.seq).toBe((confirmed[0]?.seq ?? 0) + 2);
    expect(used[0]?.recordedAtMs).toBe(confirmed[0]?.recordedAtMs);
  });
});

describe("idempotency keys", () => {
  it("answers a repeated keyed charge with the original receipt and journals nothing new", async () => {
    const { engine, file } = await stage([10]);
    const [first, concurrent] = await Promise.all([
      engine.charge("fan", 5_000, "charge-1"),
      engine.charge("fan", 5_000, "charge-1"),
    ]);
    const later = await engine.charge("fan", 5_000, "charge-1");

    expect(unwrap(concurrent)).toEqual(unwrap(first));
    expect(unwrap(later)).toEqual(unwrap(first));
    expect(unwrap(await engine.balance("fan"))).toBe(5_000);
    await engine.stop();
    expect(eventsOfType(readJournal(file), "BalanceCharged")).toHaveLength(1);
    expect(eventsOfType(readJournal(file), "IdempotencyKeyRecorded")).toHaveLength(1);
  });

  it("refuses the same key with a different command with IDEMPOTENCY_KEY_REUSED", async () => {
    const { engine } = await stage([10]);
    unwrap(await engine.charge("fan", 5_000, "key-1"));

    expect(codeOf(await engine.charge("fan", 6_000, "key-1"))).toBe("IDEMPOTENCY_KEY_REUSED");
    // Keys are scoped to the user: another user may use the same key.
    expect(codeOf(await engine.charge("someone-else", 6_000, "key-1"))).toBe("OK");
    expect(unwrap(await engine.balance("fan"))).toBe(5_000);
    await engine.stop();
  });

  it("replays keyed holds and payments, and refuses their keys for other commands", async () => {
    const { engine, file, scheduleId, concertId } = await stage([10]);
    unwrap(await engine.charge("fan", 100_000));
    const token = unwrap(await engine.issueToken("fan", concertId)).token.token;

    const held = unwrap(await engine.holdSeats(token, scheduleId, [1, 2], "hold-1"));
    expect(unwrap(await engine.holdSeats(token, scheduleId, [1, 2], "hold-1"))).toEqual(held);
    expect(codeOf(await engine.holdSeats(token, scheduleId, [3], "hold-1"))).toBe("IDEMPOTENCY_KEY_REUSED");

    const paid = unwrap(await engine.pay(token, held.reservationId, "pay-1"));
    // The payment ended the token, yet a retry of the same keyed payment still gets its answer.
    expect(unwrap(await engine.pay(token, held.reservationId, "pay-1"))).toEqual(paid);
    await engine.stop();

    const stored = readJournal(file);
    expect(eventsOfType(stored, "SeatsHeld")).toHaveLength(1);
    expect(eventsOfType(stored, "PaymentDebited")).toHaveLength(1);
  });

  it("remembers keys across a restart", async () => {
    const { engine, file, scheduleId, concertId, clock } = await stage([10]);
    const charged = unwrap(await engine.charge("fan", 100_000, "charge-1"));
    const token = unwrap(await engine.issueToken("fan", concertId)).token.token;
    const held = unwrap(await engine.holdSeats(token, scheduleId, [5], "hold-1"));
    const paid = unwrap(await engine.pay(token, held.reservationId, "pay-1"));
    await engine.stop();
    const eventsBefore = readJournal(file).length;

    clock.advanceBy(1_000);
    const restarted = await startTestEngine(file, clock);
    expect(unwrap(await restarted.charge("fan", 100_000, "charge-1"))).toEqual(charged);
    expect(unwrap(await restarted.holdSeats(token, scheduleId, [5], "hold-1"))).toEqual(held);
    expect(unwrap(await restarted.pay(token, held.reservationId, "pay-1"))).toEqual(paid);
    expect(codeOf(await restarted.charge("fan", 1, "charge-1"))).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(unwrap(await restarted.balance("fan"))).toBe(100_000 - SEAT_PRICE_WON);
    await restarted.stop();
    expect(readJournal(file)).toHaveLength(eventsBefore);
  });
});

describe("hold expiry with a simulated clock", () => {
  it("expires a hold at its deadline with no request arriving", async () => {
    const { engine, fans, clock, file, scheduleId } = await stage([10]);
    const reservation = unwrap(await fans.hold("fan", scheduleId, [3, 4]));
    expect(reservation.expiresAtMs).toBe(T0_MS + HOLD_TTL_MS);

    clock.advanceBy(HOLD_TTL_MS - 1);
    expect((await seatStatuses(engine, scheduleId)).slice(2, 4)).toEqual(["HELD", "HELD"]);
    clock.advanceBy(1);
    // The read queues behind the ExpireHold message the timer sent, so it sees the expiry.
    expect((await seatStatuses(engine, scheduleId)).slice(2, 4)).toEqual(["AVAILABLE", "AVAILABLE"]);
    expect(findReservation(liveState(engine), reservation.reservationId)?.status).toBe("EXPIRED");
    await engine.stop();

    const expired = eventsOfType(readJournal(file), "HoldExpired");
    expect(expired.map((entry) => entry.event)).toEqual([
      {
        type: "HoldExpired",
        scheduleId,
        reservationId: reservation.reservationId,
        atMs: T0_MS + HOLD_TTL_MS,
      },
    ]);
  });

  it("expires holds in deadline order, each at its own time", async () => {
    const { engine, fans, clock, file, scheduleId } = await stage([10]);
    const first = unwrap(await fans.hold("a", scheduleId, [1]));
    clock.advanceBy(10_000);
    const second = unwrap(await fans.hold("b", scheduleId, [2]));

    clock.advanceBy(HOLD_TTL_MS - 10_000);
    expect((await seatStatuses(engine, scheduleId)).slice(0, 2)).toEqual(["AVAILABLE", "HELD"]);
    clock.advanceBy(10_000);
    expect((await seatStatuses(engine, scheduleId)).slice(0, 2)).toEqual(["AVAILABLE", "AVAILABLE"]);
    await engine.stop();

    const expired = eventsOfType(readJournal(file), "HoldExpired").map((entry) => entry.event);
    expect(expired.map((event) => [event.reservationId, event.atMs])).toEqual([
      [first.reservationId, first.expiresAtMs],
      [second.reservationId, second.expiresAtMs],
    ]);
  });

  it("does nothing when the deadline of a cancelled or paid hold passes", async () => {
    const { engine, fans, clock, file, scheduleId } = await stage([10]);
    unwrap(await engine.charge("fan", 100_000));
    const cancelled = unwrap(await fans.hold("fan", scheduleId, [1]));
    const paid = unwrap(await fans.hold("fan", scheduleId, [2]));
    unwrap(await fans.cancel("fan", cancelled.reservationId));
    unwrap(await fans.pay("fan", paid.reservationId));

    clock.advanceBy(2 * HOLD_TTL_MS);
    expect((await seatStatuses(engine, scheduleId)).slice(0, 2)).toEqual(["AVAILABLE", "BOOKED"]);
    expect(unwrap(await engine.reservation(cancelled.reservationId)).status).toBe("CANCELLED");
    expect(unwrap(await engine.reservation(paid.reservationId)).status).toBe("CONFIRMED");
    await engine.stop();
    expect(eventsOfType(readJournal(file), "HoldExpired")).toEqual([]);
  });

  it("expires every due hold even when the deadline falls while the mailbox is full", async () => {
    const { engine, fans, clock, scheduleId } = await stage([10], { mailboxDepthMax: 2 });
    for (const [i, user] of ["a", "b", "c"].entries()) {
      unwrap(await fans.hold(user, scheduleId, [i + 1]));
    }
    // Two reads fill the mailbox; then three holds fall due at once.
    const reads = [engine.seatMap(scheduleId), engine.seatMap(scheduleId)];
    clock.advanceBy(HOLD_TTL_MS);
    expect(codeOf(await engine.seatMap(scheduleId))).toBe("OVERLOADED");
    await Promise.all(reads);

    // Once the expiries are durable the mailbox takes requests again.
    let seatMap = await engine.seatMap(scheduleId);
    for (let attempt = 0; attempt < 100 && codeOf(seatMap) === "OVERLOADED"; attempt++) {
      await new Promise((resolve) => setImmediate(resolve));
      seatMap = await engine.seatMap(scheduleId);
    }
    expect(
      unwrap(seatMap)
        .seats.slice(0, 3)
        .map((seat) => seat.status),
    ).toEqual(["AVAILABLE", "AVAILABLE", "AVAILABLE"]);
    await engine.stop();
  });

  it("expires during recovery the holds that fell due while the process was down", async () => {
    const { engine, fans, clock, file, scheduleId } = await stage([10]);
    const overdue = unwrap(await fans.hold("a", scheduleId, [1, 2]));
    clock.advanceBy(30_000);
    const notYetDue = unwrap(await fans.hold("b", scheduleId, [3]));
    await engine.stop();

    const restartMs = T0_MS + HOLD_TTL_MS + 1;
    const laterClock = new SimulatedClock(restartMs);
    const restarted = await startTestEngine(file, laterClock);
    // No time passes on the new clock: the overdue hold expired while the engine started.
    expect((await seatStatuses(restarted, scheduleId)).slice(0, 3)).toEqual([
      "AVAILABLE",
      "AVAILABLE",
      "HELD",
    ]);
    const state = liveState(restarted);
    expect(findReservation(state, overdue.reservationId)?.status).toBe("EXPIRED");
    expect(findReservation(state, notYetDue.reservationId)?.status).toBe("HELD");

    // The other one expires when the clock reaches its journaled deadline, not before.
    laterClock.advanceTo(notYetDue.expiresAtMs - 1);
    expect((await seatStatuses(restarted, scheduleId))[2]).toBe("HELD");
    laterClock.advanceTo(notYetDue.expiresAtMs);
    expect((await seatStatuses(restarted, scheduleId))[2]).toBe("AVAILABLE");
    await restarted.stop();

    const expired = eventsOfType(readJournal(file), "HoldExpired").map((entry) => entry.event);
    expect(expired.map((event) => [event.reservationId, event.atMs])).toEqual([
      [overdue.reservationId, restartMs],
      [notYetDue.reservationId, notYetDue.expiresAtMs],
    ]);
    checkEngineInvariants(liveState(restarted));
  });
});
