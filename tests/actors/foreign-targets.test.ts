/**
 * A request made with one shard's token for another shard's schedule or reservation: two engines on
 * their own journal files, joined by the lookup a shard makes over HTTP (`ForeignTargets`), here a
 * direct call the test can cut. Each answer must be the one a single node gives for a target of
 * another concert, which the first engine shows with a second concert of its own.
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SimulatedClock } from "../../src/actors/clock.ts";
import type { Engine } from "../../src/actors/engine.ts";
import { taggedIdSource } from "../../src/actors/ids.ts";
import { shardOfKey, shardTag } from "../../src/cluster/ownership.ts";
import { tempDir } from "../../support/temp-dir.ts";
import { codeOf, createConcert, Fans, SEAT_PRICE_WON, startTestEngine, T0_MS, unwrap } from "./harness.ts";

let dir: string;
let here: Engine;
let there: Engine;
/** While set, the other shard does not answer. */
let thereDown: boolean;
/** Every id the first engine asked the other shard about. */
let asked: string[];

beforeEach(async () => {
  dir = tempDir("foreign-targets-");
  const clock = new SimulatedClock(T0_MS);
  here = await startTestEngine(join(dir, "here.db"), clock, { newId: taggedIdSource(shardTag(0)) });
  there = await startTestEngine(join(dir, "there.db"), clock, { newId: taggedIdSource(shardTag(1)) });
  thereDown = false;
  asked = [];
  here.enableForeignTargets({
    concertOf: (id) => {
      if (shardOfKey(id) !== 1) {
        return undefined;
      }
      asked.push(id);
      return thereDown
        ? Promise.reject(new Error("shard 1 did not answer"))
        : Promise.resolve(there.concertOfTarget(id));
    },
  });
});

afterEach(async () => {
  await Promise.all([here.stop(), there.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** A concert here with alice's token, another concert here, and one on the other shard with a hold of bob. */
async function world() {
  const mine = await createConcert(here, [10]);
  const otherHere = await createConcert(here, [10]);
  const otherThere = await createConcert(there, [10]);
  const fans = new Fans(here, mine.concertId);
  await fans.admit(["alice"]);
  unwrap(await here.charge("alice", 10 * SEAT_PRICE_WON));
  const bobHere = new Fans(here, otherHere.concertId);
  const bobThere = new Fans(there, otherThere.concertId);
  const reservationHere = unwrap(await bobHere.hold("bob", otherHere.scheduleIds[0] ?? "", [1]));
  const reservationThere = unwrap(await bobThere.hold("bob", otherThere.scheduleIds[0] ?? "", [1]));
  return {
    fans,
    mine,
    scheduleHere: otherHere.scheduleIds[0] ?? "",
    scheduleThere: otherThere.scheduleIds[0] ?? "",
    reservationHere: reservationHere.reservationId,
    reservationThere: reservationThere.reservationId,
  };
}

describe("a token of this shard for another shard's target", () => {
  it("is refused for another concert, as a single node refuses it, for holds, payments and cancels", async () => {
    const w = await world();
    const asSingleNode = [
      codeOf(await w.fans.hold("alice", w.scheduleHere, [2])),
      codeOf(await w.fans.pay("alice", w.reservationHere)),
      codeOf(await w.fans.cancel("alice", w.reservationHere)),
    ];
    const acrossShards = [
      codeOf(await w.fans.hold("alice", w.scheduleThere, [2])),
      codeOf(await w.fans.pay("alice", w.reservationThere)),
      codeOf(await w.fans.cancel("alice", w.reservationThere)),
    ];
    expect(asSingleNode).toEqual([
      "TOKEN_CONCERT_MISMATCH",
      "TOKEN_CONCERT_MISMATCH",
      "TOKEN_CONCERT_MISMATCH",
    ]);
    expect(acrossShards).toEqual(asSingleNode);
    expect(asked).toEqual([w.scheduleThere, w.reservationThere, w.reservationThere]);
  });

  it("reports the token's own state first: a token given up is expired for either target", async () => {
    const w = await world();
    const token = unwrap(await here.issueToken("carol", w.mine.concertId)).token.token;
    unwrap(await here.leaveQueue(token));
    const local = codeOf(await here.holdSeats(token, w.scheduleHere, [3]));
    const foreign = codeOf(await here.holdSeats(token, w.scheduleThere, [3]));
    expect([local, foreign]).toEqual(["TOKEN_EXPIRED", "TOKEN_EXPIRED"]);
  });

  it("answers a reused idempotency key as a single node does", async () => {
    const w = await world();
    unwrap(await w.fans.hold("alice", w.mine.scheduleIds[0] ?? "", [1], "key-1"));
    const local = codeOf(await w.fans.hold("alice", w.scheduleHere, [2], "key-1"));
    const foreign = codeOf(await w.fans.hold("alice", w.scheduleThere, [2], "key-1"));
    expect([local, foreign]).toEqual(["IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_KEY_REUSED"]);
  });

  it("is 404 when the other shard has no such target, and TOKEN_INVALID without asking for an unknown token", async () => {
    const w = await world();
    expect(codeOf(await w.fans.hold("alice", "s1-no-such-schedule", [1]))).toBe("SCHEDULE_NOT_FOUND");
    expect(codeOf(await w.fans.pay("alice", "s1-no-such-reservation"))).toBe("RESERVATION_NOT_FOUND");
    expect(codeOf(await w.fans.cancel("alice", "s1-no-such-reservation"))).toBe("RESERVATION_NOT_FOUND");
    asked = [];
    expect(codeOf(await here.holdSeats("s0-forged.1.secret", w.scheduleThere, [1]))).toBe("TOKEN_INVALID");
    expect(codeOf(await here.pay(undefined, w.reservationThere))).toBe("TOKEN_INVALID");
    expect(asked).toEqual([]);
  });

  it("is 503 SHARD_UNAVAILABLE while the other shard does not answer, and changes nothing", async () => {
    const w = await world();
    thereDown = true;
    expect(codeOf(await w.fans.hold("alice", w.scheduleThere, [2]))).toBe("SHARD_UNAVAILABLE");
    expect(codeOf(await w.fans.pay("alice", w.reservationThere))).toBe("SHARD_UNAVAILABLE");
    expect(unwrap(await here.balance("alice"))).toBe(10 * SEAT_PRICE_WON);
    expect(unwrap(await there.reservation(w.reservationThere)).status).toBe("HELD");
  });
});
