import { Packr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { InvariantViolation } from "../../src/engine/decider.ts";
import { shuffleSeeded } from "../../src/engine/seeded-random.ts";
import {
  QUEUE_ACTIVE_TTL_MS_DEFAULT,
  QUEUE_ETA_WINDOW_MS,
  QUEUE_POLL_AFTER_SECONDS_MAX,
  QUEUE_POLL_AFTER_SECONDS_MIN,
  QUEUE_TOKEN_RETENTION_MS,
  QUEUE_WAIT_IDLE_TTL_MS_DEFAULT,
  admissionRatePerSecond,
  authorizeToken,
  initialWaitingRoomState,
  liveTokenOfUser,
  recordPoll,
  tokenConcertId,
  verifyWaitingRoomState,
  waitingRoomStats,
  type QueueOpened,
  type TokenIssued,
  type WaitingRoomEvent,
} from "../../src/engine/waiting-room/index.ts";
import { CONCERT_ID, Room, roomSettings, secretIds, waitingRoomDecider } from "./waiting-room-harness.ts";
import { T0_MS, deciderSpec } from "./spec.ts";

const SECOND_MS = 1000;

function tokenIssued(seq: number, userId: string, expiresAtMs: number | null, atMs = T0_MS): TokenIssued {
  return {
    type: "TokenIssued",
    concertId: CONCERT_ID,
    token: `${CONCERT_ID}.${seq.toString(36)}.${"s".padEnd(25, String(seq))}`,
    seq,
    userId,
    expiresAtMs,
    atMs,
  };
}

describe("Issuing tokens", () => {
  it("makes a user who arrives while there is room ACTIVE at once", () => {
    deciderSpec(waitingRoomDecider({ maxActive: 2 }))
      .given([])
      .when({ type: "IssueToken", concertId: CONCERT_ID, userId: "alice" }, { newId: secretIds() })
      .then([
        {
          type: "TokenIssued",
          concertId: CONCERT_ID,
          token: `${CONCERT_ID}.0.s${"1".padStart(24, "0")}`,
          seq: 0,
          userId: "alice",
          expiresAtMs: T0_MS + QUEUE_ACTIVE_TTL_MS_DEFAULT,
          atMs: T0_MS,
        },
      ]);
  });

  it("puts a user who arrives at a full room at the end of the line", () => {
    // Given two active users and a cap of two
    const room = new Room({ maxActive: 2 });
    room.issueMany(2);
    // When a third arrives
    const token = room.issue("carol");
    // Then they wait first in line, with no expiry yet
    expect(room.view(token)).toMatchObject({
      status: "WAITING",
      position: 1,
      expiresAtMs: null,
      opensAtMs: null,
    });
  });

  it("answers a user who already has a live token with that token and records nothing", () => {
    deciderSpec(waitingRoomDecider({ maxActive: 1 }))
      .given([tokenIssued(0, "alice", null)])
      .when({ type: "IssueToken", concertId: CONCERT_ID, userId: "alice" }, { newId: secretIds() })
      .thenNothingHappens();
    const room = new Room({ maxActive: 1 });
    const first = room.issue("alice");
    expect(room.issue("alice")).toBe(first);
    expect(liveTokenOfUser(room.state, "alice", room.nowMs)).toBe(first);
  });

  it("gives a user whose active token ran out a new token and expires the old one", () => {
    // Given alice's active token past its TTL, before any tick expired it
    const room = new Room({ activeTtlMs: 60 * SECOND_MS });
    const old = room.issue("alice");
    room.after(60 * SECOND_MS);
    // When she asks again
    const events = room.run({ type: "IssueToken", concertId: CONCERT_ID, userId: "alice" });
    // Then the old token expires and a new one is issued, active at once
    expect(events.map((event) => event.type)).toEqual(["TokensExpired", "TokenIssued"]);
    const fresh = liveTokenOfUser(room.state, "alice", room.nowMs)!;
    expect(fresh).not.toBe(old);
    expect(room.status(old)).toBe("EXPIRED");
    expect(room.status(fresh)).toBe("ACTIVE");
  });

  it("refuses a malformed user id with VALIDATION_FAILED", () => {
    for (const userId of ["", "a b", "x".repeat(65), "é", "__proto__.x"]) {
      deciderSpec(waitingRoomDecider())
        .given([])
        .when({ type: "IssueToken", concertId: CONCERT_ID, userId })
        .thenRejects("VALIDATION_FAILED");
    }
  });

  it("refuses a command meant for another concert with CONCERT_NOT_FOUND", () => {
    deciderSpec(waitingRoomDecider())
      .given([])
      .when({ type: "IssueToken", concertId: "concert-2", userId: "alice" }, { newId: secretIds() })
      .thenRejects("CONCERT_NOT_FOUND");
  });

  it("issues tokens that name their concert and carry the secret from newId", () => {
    const room = new Room({}, () => "V1StGXR8_Z5jdHi6B-myT");
    const token = room.issue("alice");
    expect(token).toBe(`${CONCERT_ID}.0.V1StGXR8_Z5jdHi6B-myT`);
    expect(tokenConcertId(token)).toBe(CONCERT_ID);
    expect(tokenConcertId("no-dots")).toBeUndefined();
    expect(tokenConcertId("a.b.c.d.secret")).toBe("a.b.c");
  });

  it("treats a weak id generator as a bug, not as a rejection", () => {
    const room = new Room({}, () => "short");
    expect(() => room.decide({ type: "IssueToken", concertId: CONCERT_ID, userId: "alice" })).toThrow(
      InvariantViolation,
    );
    const dotted = new Room({}, () => "has.a.dot.in.it.which.is.long");
    expect(() => dotted.decide({ type: "IssueToken", concertId: CONCERT_ID, userId: "alice" })).toThrow(
      InvariantViolation,
    );
  });
});

describe("Recognising tokens", () => {
  it("does not recognise forged, altered, foreign or malformed tokens", () => {
    const room = new Room({ maxActive: 1 });
    const [, token] = room.issueMany(2);
    const [concert, seq, secret] = token!.split(".") as [string, string, string];
    const forgeries = [
      "",
      "garbage",
      `${concert}.${seq}.${secret.slice(0, -1)}x`,
      `${concert}.${seq}.${secret}x`,
      `${concert}.${seq}.${secret.slice(0, -1)}`,
      `${concert}.0${seq}.${secret}`,
      `${concert}.2.${secret}`,
      `${concert}.zzzzzzzz.${secret}`,
      `${concert}.${seq}.${secret.toUpperCase()}`,
      `concert-2.${seq}.${secret}`,
      `${concert}x.${seq}.${secret}`,
      `${concert}.${seq}.${secret}.`,
      `${concert}..${secret}`,
      `${token}${"x".repeat(300)}`,
    ];
    for (const forged of forgeries) {
      expect(room.view(forged), forged).toBeUndefined();
      expect(authorizeToken(room.state, forged, CONCERT_ID, room.nowMs).ok, forged).toBe(false);
    }
    expect(room.view(token!)?.status).toBe("WAITING");
  });
});

describe("Positions", () => {
  it("counts only the waiting tokens ahead, starting from 1", () => {
    const room = new Room({ maxActive: 2 });
    const tokens = room.issueMany(6);
    expect(tokens.map((token) => room.position(token))).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it("moves everyone behind a leaver up by one", () => {
    // Given a line of four behind two active users
    const room = new Room({ maxActive: 2 });
    const tokens = room.issueMany(6);
    // When the second in line leaves
    room.leave(tokens[3]!);
    // Then the ones behind move up and the leaver's token is expired
    expect(tokens.map((token) => room.position(token))).toEqual([0, 0, 1, null, 2, 3]);
    expect(room.status(tokens[3]!)).toBe("EXPIRED");
  });

  it("stays exact while the line grows far past its initial size and is laid out again", () => {
    const room = new Room({ maxActive: 1 });
    const tokens = room.issueMany(3000);
    const waiting = tokens.slice(1);
    // Every third waiting token leaves, then 1,000 more arrive and every fifth of all waiting leaves.
    const left = new Set(waiting.filter((_, i) => i % 3 === 0));
    for (const token of left) {
      room.leave(token);
    }
    const line = [...waiting.filter((token) => !left.has(token)), ...room.issueMany(1000, "late")];
    const line2 = line.filter((token, i) => {
      if (i % 5 === 0) {
        room.leave(token);
        return false;
      }
      return true;
    });
    line2.forEach((token, i) => expect(room.position(token)).toBe(i + 1));
    verifyWaitingRoomState(room.state);
  });
});

describe("Admission", () => {
  it("admits up to the batch size per tick, oldest first", () => {
    // Given six waiting behind a full room of one
    const room = new Room({ maxActive: 10, admitBatch: 2 });
    room.configure({ maxActive: 1 });
    const [first, ...waiting] = room.issueMany(7);
    room.configure({ maxActive: 10 });
    // When the room ticks once
    const events = room.after(SECOND_MS).tick();
    // Then the two oldest are admitted
    expect(events).toEqual([
      {
        type: "TokensAdmitted",
        concertId: CONCERT_ID,
        count: 2,
        expiresAtMs: room.nowMs + QUEUE_ACTIVE_TTL_MS_DEFAULT,
        atMs: room.nowMs,
      },
    ]);
    expect(room.status(first!)).toBe("ACTIVE");
    expect(waiting.map((token) => room.view(token)?.position)).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it("never takes the active count above the cap", () => {
    const room = new Room({ maxActive: 3, admitBatch: 100 });
    const tokens = room.issueMany(10);
    room.after(SECOND_MS).tick();
    room.after(SECOND_MS).tick();
    expect(waitingRoomStats(room.state, room.nowMs)).toMatchObject({ active: 3, waiting: 7 });
    expect(tokens.filter((token) => room.status(token) === "ACTIVE")).toHaveLength(3);
  });

  it("refills a place freed by leaving, paying or expiring at the next tick, not before", () => {
    const room = new Room({ maxActive: 3, activeTtlMs: 60 * SECOND_MS });
    const [a, b, c, d, e, f, g] = room.issueMany(7) as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    // Given three places freed three ways
    room.after(SECOND_MS).leave(a);
    room.use(b);
    room.configure({ activeTtlMs: 120 * SECOND_MS });
    room.after(58 * SECOND_MS);
    expect(room.status(c)).toBe("ACTIVE");
    room.after(SECOND_MS);
    // Then nobody moves in before the tick
    expect(room.status(d)).toBe("WAITING");
    // When the room ticks
    room.tick();
    // Then c has expired and the three oldest waiting are admitted
    expect([a, b, c, d, e, f, g].map((token) => room.status(token))).toEqual([
      "EXPIRED",
      "EXPIRED",
      "EXPIRED",
      "ACTIVE",
      "ACTIVE",
      "ACTIVE",
      "WAITING",
    ]);
    expect(room.position(g)).toBe(1);
  });

  it("revokes nobody when the cap is lowered, and admits again once below it", () => {
    const room = new Room({ maxActive: 3 });
    const tokens = room.issueMany(5);
    room.configure({ maxActive: 1 });
    room.after(SECOND_MS).tick();
    expect(waitingRoomStats(room.state, room.nowMs).active).toBe(3);
    room.leave(tokens[0]!);
    room.leave(tokens[1]!);
    room.after(SECOND_MS).tick();
    expect(waitingRoomStats(room.state, room.nowMs).active).toBe(1);
    room.leave(tokens[2]!);
    room.after(SECOND_MS).tick();
    expect(tokens.map((token) => room.status(token))).toEqual([
      "EXPIRED",
      "EXPIRED",
      "EXPIRED",
      "ACTIVE",
      "WAITING",
    ]);
  });

  it("records nothing for a tick with nothing to do", () => {
    const room = new Room({ maxActive: 2 });
    room.issueMany(2);
    expect(room.after(SECOND_MS).tick()).toEqual([]);
  });
});

describe("Active expiry", () => {
  it("expires an active token at the first tick after its TTL", () => {
    const room = new Room({ maxActive: 1, activeTtlMs: 30 * SECOND_MS });
    const [token] = room.issueMany(1);
    room.after(30 * SECOND_MS - 1).tick();
    expect(room.status(token!)).toBe("ACTIVE");
    const events = room.after(1).tick();
    expect(events).toEqual([{ type: "TokensExpired", concertId: CONCERT_ID, seqs: [0], atMs: room.nowMs }]);
    expect(waitingRoomStats(room.state, room.nowMs)).toMatchObject({ active: 0, expiredTotal: 1 });
  });

  it("already treats an active token past its TTL as expired before the tick", () => {
    const room = new Room({ activeTtlMs: 30 * SECOND_MS });
    const token = room.issue("alice");
    room.after(30 * SECOND_MS);
    expect(room.view(token)).toMatchObject({ status: "EXPIRED", position: null, expiresAtMs: room.nowMs });
    expect(authorizeToken(room.state, token, CONCERT_ID, room.nowMs)).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_EXPIRED" },
    });
    expect(room.decide({ type: "UseToken", concertId: CONCERT_ID, token })).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_EXPIRED" },
    });
    expect(room.decide({ type: "LeaveQueue", concertId: CONCERT_ID, token })).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_EXPIRED" },
    });
  });

  it("expires a used token at once and refuses to use it twice", () => {
    const room = new Room();
    const token = room.issue("alice");
    expect(room.use(token)).toEqual([{ type: "TokenUsed", concertId: CONCERT_ID, seq: 0, atMs: room.nowMs }]);
    expect(room.status(token)).toBe("EXPIRED");
    expect(room.decide({ type: "UseToken", concertId: CONCERT_ID, token })).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_EXPIRED" },
    });
  });

  it("refuses to use a waiting token, naming its position", () => {
    const room = new Room({ maxActive: 1 });
    const [, token] = room.issueMany(2);
    expect(room.decide({ type: "UseToken", concertId: CONCERT_ID, token: token! })).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_NOT_ACTIVE", details: { position: 1 } },
    });
  });
});

describe("Abandonment", () => {
  const idle = 60 * SECOND_MS;

  it("drops a waiting token not polled within the idle TTL at the next tick", () => {
    const room = new Room({ maxActive: 1, waitIdleTtlMs: idle });
    const [, quiet, polite] = room.issueMany(3) as [string, string, string];
    room.after(idle / 2);
    room.poll(polite);
    room.after(idle / 2);
    const events = room.tick();
    expect(events).toEqual([{ type: "TokensAbandoned", concertId: CONCERT_ID, seqs: [1], atMs: room.nowMs }]);
    expect(room.status(quiet)).toBe("EXPIRED");
    expect(room.view(polite)).toMatchObject({ status: "WAITING", position: 1 });
    expect(waitingRoomStats(room.state, room.nowMs).abandonedTotal).toBe(1);
  });

  it("keeps a token that polls as told in line indefinitely", () => {
    const room = new Room({ maxActive: 1, waitIdleTtlMs: idle });
    const [, token] = room.issueMany(2) as [string, string];
    for (let i = 0; i < 100; i++) {
      const view = room.poll(token)!;
      room.after(view.pollAfterSeconds * SECOND_MS).tick();
    }
    expect(room.view(token)).toMatchObject({ status: "WAITING", position: 1 });
  });

  it("does not admit a dropped token and drops it before admitting", () => {
    const room = new Room({ maxActive: 1, waitIdleTtlMs: idle });
    const [first, quiet, polite] = room.issueMany(3) as [string, string, string];
    room.after(idle - SECOND_MS);
    room.poll(polite);
    room.leave(first);
    room.after(SECOND_MS);
    const events = room.tick();
    expect(events.map((event) => event.type)).toEqual(["TokensAbandoned", "TokensAdmitted"]);
    expect(room.status(quiet)).toBe("EXPIRED");
    expect(room.status(polite)).toBe("ACTIVE");
  });

  it("counts idleness from the last poll, whatever the order of arrival", () => {
    // Given two waiting tokens, the first of which polls later than the second arrived
    const room = new Room({ maxActive: 1, waitIdleTtlMs: idle });
    const [, first, second] = room.issueMany(3) as [string, string, string];
    room.after(10 * SECOND_MS);
    expect(recordPoll(room.state, first, room.nowMs)).toBe(true);
    // When the second reaches the idle TTL
    room.after(idle - 10 * SECOND_MS);
    const events = room.tick();
    // Then only the second is dropped; the first goes ten seconds later
    expect(events).toEqual([{ type: "TokensAbandoned", concertId: CONCERT_ID, seqs: [2], atMs: room.nowMs }]);
    expect([room.status(first), room.status(second)]).toEqual(["WAITING", "EXPIRED"]);
    expect(room.after(10 * SECOND_MS).tick()).toEqual([
      { type: "TokensAbandoned", concertId: CONCERT_ID, seqs: [1], atMs: room.nowMs },
    ]);
    verifyWaitingRoomState(room.state);
  });

  it("records a poll only for a waiting token", () => {
    const room = new Room({ maxActive: 1 });
    const [active, waiting] = room.issueMany(2) as [string, string];
    expect(recordPoll(room.state, active, room.nowMs)).toBe(false);
    expect(recordPoll(room.state, waiting, room.nowMs)).toBe(true);
    expect(recordPoll(room.state, "nonsense", room.nowMs)).toBe(false);
  });

  it("gives every waiting token a fresh idle grace period after a restart", () => {
    // Given tokens that last polled long ago
    const room = new Room({ maxActive: 1, waitIdleTtlMs: idle });
    const tokens = room.issueMany(4);
    room.after(idle - SECOND_MS);
    // When the process restarts (polls were never journaled)
    room.restart();
    // Then nobody is dropped within the idle TTL after the restart, and everyone is after it
    room.after(idle - SECOND_MS).tick();
    expect(tokens.map((token) => room.status(token))).toEqual(["ACTIVE", "WAITING", "WAITING", "WAITING"]);
    room.after(SECOND_MS).tick();
    expect(tokens.slice(1).map((token) => room.status(token))).toEqual(["EXPIRED", "EXPIRED", "EXPIRED"]);
  });
});

describe("Retention of ended tokens", () => {
  it("reports an expired, left or used token as EXPIRED throughout the retention period", () => {
    const room = new Room({ maxActive: 2 });
    const [used, active, left] = room.issueMany(3) as [string, string, string];
    room.use(used);
    room.leave(left);
    room.after(QUEUE_TOKEN_RETENTION_MS - 1).tick();
    expect([used, active, left].map((token) => room.status(token))).toEqual([
      "EXPIRED",
      "EXPIRED",
      "EXPIRED",
    ]);
    expect(authorizeToken(room.state, left, CONCERT_ID, room.nowMs)).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_EXPIRED" },
    });
  });

  it("forgets a token after the retention period, so it reads as TOKEN_INVALID", () => {
    const room = new Room();
    const token = room.issue("alice");
    room.leave(token);
    room.after(QUEUE_TOKEN_RETENTION_MS);
    const events = room.tick();
    expect(events).toEqual([{ type: "TokensReclaimed", concertId: CONCERT_ID, count: 1, atMs: room.nowMs }]);
    expect(room.view(token)).toBeUndefined();
    expect(authorizeToken(room.state, token, CONCERT_ID, room.nowMs)).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_INVALID" },
    });
    // The forgotten seq is reused, and the old token does not match the new one.
    const fresh = room.issue("bob");
    expect(fresh.split(".")[1]).toBe(token.split(".")[1]);
    expect(room.view(token)).toBeUndefined();
    expect(room.view(fresh)?.userId).toBe("bob");
  });

  it("levels off memory: churn over several retention periods reuses forgotten seqs instead of growing", () => {
    const room = new Room({ maxActive: 50, admitBatch: 50, activeTtlMs: 60 * SECOND_MS });
    const sizes: number[] = [];
    const stepMs = QUEUE_TOKEN_RETENTION_MS / 60;
    for (let period = 0; period < 4; period++) {
      for (let step = 0; step < 60; step++) {
        room.issueMany(50, `p${period}s${step}`);
        room.after(stepMs).tick();
      }
      sizes.push(room.state.status.length);
    }
    expect(sizes[3]).toBe(sizes[1]);
    expect(waitingRoomStats(room.state, room.nowMs).issuedTotal).toBe(4 * 60 * 50);
    verifyWaitingRoomState(room.state);
  });
});

describe("Pre-queue and fair start", () => {
  const onSaleAtMs = T0_MS + 10 * 60 * SECOND_MS;

  function preQueue(count: number, newId = secretIds()): { room: Room; early: string[] } {
    // A long idle TTL, so that waiting ten minutes for the opening does not drop anyone unpolled.
    const room = new Room(
      { maxActive: 2, admitBatch: 2, onSaleAtMs, waitIdleTtlMs: 60 * 60 * SECOND_MS },
      newId,
    );
    return { room, early: room.issueMany(count, "early") };
  }

  function openingSeed(events: WaitingRoomEvent[]): string {
    const opened = events.find((event): event is QueueOpened => event.type === "QueueOpened");
    return opened?.seed ?? expect.fail("the queue did not open");
  }

  it("keeps tokens issued before the on-sale time waiting without a position, with opensAt", () => {
    const { room, early } = preQueue(3);
    for (const token of early) {
      expect(room.view(token)).toMatchObject({
        status: "WAITING",
        position: null,
        estimatedWaitSeconds: null,
        expiresAtMs: null,
        opensAtMs: onSaleAtMs,
      });
    }
    expect(room.after(SECOND_MS).tick()).toEqual([]);
    expect(authorizeToken(room.state, early[0]!, CONCERT_ID, room.nowMs)).toMatchObject({
      ok: false,
      rejection: { code: "TOKEN_NOT_ACTIVE", details: { position: null } },
    });
  });

  it("opens at the first tick at the on-sale time, shuffles with a journaled seed and admits a batch", () => {
    const { room, early } = preQueue(10);
    room.at(onSaleAtMs);
    for (const token of early) {
      room.poll(token);
    }
    const events = room.tick();
    expect(events.map((event) => event.type)).toEqual(["QueueOpened", "TokensAdmitted"]);
    // The order is the seeded shuffle of the pre-queue in arrival order.
    const expected = [...early];
    shuffleSeeded(expected, openingSeed(events));
    expect(expected.map((token) => room.view(token)?.position)).toEqual([0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(expected.slice(0, 2).map((token) => room.status(token))).toEqual(["ACTIVE", "ACTIVE"]);
  });

  it("gives the same order on replay and a different order for a different seed", () => {
    const first = preQueue(50, secretIds("a"));
    const second = preQueue(50, secretIds("b"));
    const order = ({ room, early }: { room: Room; early: string[] }) => {
      room.at(onSaleAtMs - SECOND_MS);
      early.forEach((token) => room.poll(token));
      room.at(onSaleAtMs).tick();
      room.restart();
      return early.map((token) => room.view(token)?.position);
    };
    const firstOrder = order(first);
    expect(order(second)).not.toEqual(firstOrder);
    expect([...firstOrder].sort((a, b) => a! - b!)).toEqual([
      0,
      0,
      ...Array.from({ length: 48 }, (_, i) => i + 1),
    ]);
  });

  it("puts everyone from the pre-queue ahead of everyone who arrives after the opening", () => {
    const { room, early } = preQueue(20);
    room.at(onSaleAtMs - SECOND_MS);
    early.forEach((token) => room.poll(token));
    room.at(onSaleAtMs).tick();
    const late = room.issueMany(5, "late");
    const earlyPositions = early.map((token) => room.position(token)!).filter((position) => position > 0);
    expect(Math.max(...earlyPositions)).toBe(18);
    expect(late.map((token) => room.position(token))).toEqual([19, 20, 21, 22, 23]);
  });

  it("does not open before the on-sale time, even with room to spare", () => {
    const { room } = preQueue(1);
    const late = room.at(onSaleAtMs - 1).issue("late");
    expect(room.tick()).toEqual([]);
    expect(room.view(late)).toMatchObject({ status: "WAITING", position: null });
  });

  it("refuses to move the on-sale time once people have queued in an open room", () => {
    const room = new Room({ maxActive: 1 });
    room.issue("alice");
    expect(
      room.decide({ type: "ConfigureWaitingRoom", concertId: CONCERT_ID, settings: { onSaleAtMs } }),
    ).toMatchObject({ ok: false, rejection: { code: "VALIDATION_FAILED" } });
  });

  it("may still move the on-sale time before the opening, or add one to a room nobody queued in", () => {
    const { room, early } = preQueue(2);
    room.configure({ onSaleAtMs: onSaleAtMs + 60 * SECOND_MS });
    expect(room.view(early[0]!)?.opensAtMs).toBe(onSaleAtMs + 60 * SECOND_MS);
    const empty = new Room();
    empty.configure({ onSaleAtMs });
    const token = empty.issue("alice");
    expect(empty.view(token)).toMatchObject({ status: "WAITING", position: null, opensAtMs: onSaleAtMs });
  });

  it("spreads the first polls after the opening over the poll ceiling", () => {
    const { room, early } = preQueue(60);
    room.at(onSaleAtMs - SECOND_MS);
    const pollAfter = new Set(early.map((token) => room.view(token)!.pollAfterSeconds));
    expect(pollAfter.size).toBeGreaterThan(20);
    expect(Math.min(...pollAfter)).toBeGreaterThanOrEqual(QUEUE_POLL_AFTER_SECONDS_MIN);
    expect(Math.max(...pollAfter)).toBeLessThanOrEqual(QUEUE_POLL_AFTER_SECONDS_MAX);
  });
});

describe("ETA and poll pacing", () => {
  it("is null until two admissions have been measured, then divides the position by the rate", () => {
    const room = new Room({ maxActive: 1000, admitBatch: 10 });
    room.configure({ maxActive: 1 });
    const tokens = room.issueMany(101);
    room.configure({ maxActive: 1000 });
    expect(room.view(tokens[100]!)?.estimatedWaitSeconds).toBeNull();
    room.after(SECOND_MS).tick();
    expect(room.view(tokens[100]!)?.estimatedWaitSeconds).toBeNull();
    room.after(SECOND_MS).tick();
    // 10 admitted per second; the last is now 80th in line.
    expect(room.view(tokens[100]!)).toMatchObject({ position: 80, estimatedWaitSeconds: 8 });
    expect(admissionRatePerSecond(room.state, room.nowMs)).toBe(10);
  });

  it("lowers the rate when admission stalls and forgets it after the window", () => {
    const room = new Room({ maxActive: 1000, admitBatch: 10 });
    room.configure({ maxActive: 1 });
    room.issueMany(30);
    room.configure({ maxActive: 1000 });
    room.after(SECOND_MS).tick();
    room.after(SECOND_MS).tick();
    room.configure({ maxActive: 21 });
    room.after(SECOND_MS).tick();
    expect(admissionRatePerSecond(room.state, room.nowMs)).toBe(10);
    // Four seconds on, the ten admitted after the first sample are spread over five seconds.
    room.after(4 * SECOND_MS);
    expect(admissionRatePerSecond(room.state, room.nowMs)).toBe(2);
    room.after(QUEUE_ETA_WINDOW_MS);
    expect(admissionRatePerSecond(room.state, room.nowMs)).toBeNull();
  });

  it("measures the rate over the last five minutes of admissions only", () => {
    // Given five minutes of admitting ten per tick, then five minutes of one per tick, ticks 10 s apart
    const room = new Room({ maxActive: 1, admitBatch: 10, waitIdleTtlMs: 24 * 60 * 60 * SECOND_MS });
    const tokens = room.issueMany(400);
    room.configure({ maxActive: 100_000 });
    for (let i = 0; i < 31; i++) {
      room.after(10 * SECOND_MS).tick();
    }
    room.configure({ admitBatch: 1 });
    for (let i = 0; i < 31; i++) {
      room.after(10 * SECOND_MS).tick();
    }
    // Then only the last 30 admissions count: 29 after the first, over 290 seconds
    expect(admissionRatePerSecond(room.state, room.nowMs)).toBeCloseTo(0.1, 10);
    expect(room.view(tokens[399]!)).toMatchObject({ position: 399 - 341, estimatedWaitSeconds: 580 });
    verifyWaitingRoomState(room.state);
  });

  it("tells clients further back to poll less often, within 1 to 30 seconds", () => {
    const room = new Room({ maxActive: 1, admitBatch: 10 });
    const tokens = room.issueMany(5001);
    const pollAfter = [1, 100, 1000, 5000].map((position) => room.view(tokens[position]!)!.pollAfterSeconds);
    expect(pollAfter).toEqual([...pollAfter].sort((a, b) => a - b));
    expect(pollAfter[0]).toBe(QUEUE_POLL_AFTER_SECONDS_MIN);
    expect(pollAfter[3]).toBe(QUEUE_POLL_AFTER_SECONDS_MAX);
  });

  it("never tells a client to wait so long between polls that it would be dropped", () => {
    const room = new Room({ maxActive: 1, admitBatch: 1, waitIdleTtlMs: 6 * SECOND_MS });
    const tokens = room.issueMany(1000);
    expect(room.view(tokens[999]!)!.pollAfterSeconds).toBe(2);
    expect(room.view(tokens[999]!)!.pollAfterSeconds * 3 * SECOND_MS).toBeLessThanOrEqual(6 * SECOND_MS);
  });
});

describe("Authorizing a token to act", () => {
  it("grants an active token of the concert, with its user and expiry", () => {
    const room = new Room();
    const token = room.issue("alice");
    expect(authorizeToken(room.state, token, CONCERT_ID, room.nowMs)).toEqual({
      ok: true,
      value: {
        token,
        userId: "alice",
        concertId: CONCERT_ID,
        expiresAtMs: room.nowMs + QUEUE_ACTIVE_TTL_MS_DEFAULT,
      },
    });
  });

  it("refuses with TOKEN_INVALID, TOKEN_EXPIRED, TOKEN_CONCERT_MISMATCH or TOKEN_NOT_ACTIVE", () => {
    const room = new Room({ maxActive: 1 });
    const [active, waiting, gone] = room.issueMany(3) as [string, string, string];
    room.leave(gone);
    const code = (token: string, concertId = CONCERT_ID) => {
      const result = authorizeToken(room.state, token, concertId, room.nowMs);
      return result.ok ? "OK" : [result.rejection.code, result.rejection.details];
    };
    expect(code("nonsense")).toEqual(["TOKEN_INVALID", undefined]);
    expect(code(gone)).toEqual(["TOKEN_EXPIRED", undefined]);
    expect(code(gone, "concert-2")).toEqual(["TOKEN_EXPIRED", undefined]);
    expect(code(active, "concert-2")).toEqual(["TOKEN_CONCERT_MISMATCH", undefined]);
    expect(code(waiting, "concert-2")).toEqual(["TOKEN_CONCERT_MISMATCH", undefined]);
    expect(code(waiting)).toEqual(["TOKEN_NOT_ACTIVE", { position: 1 }]);
    expect(code(active)).toBe("OK");
  });
});

describe("Configuration", () => {
  it("refuses settings out of range with VALIDATION_FAILED", () => {
    const bad = [
      { maxActive: 0 },
      { maxActive: 1.5 },
      { admitBatch: 10_001 },
      { admitIntervalMs: 10 },
      { activeTtlMs: -1 },
      { waitIdleTtlMs: Number.NaN },
      { onSaleAtMs: -5 },
      { maxActive: "10" as unknown as number },
    ];
    for (const settings of bad) {
      deciderSpec(waitingRoomDecider())
        .given([])
        .when({ type: "ConfigureWaitingRoom", concertId: CONCERT_ID, settings })
        .thenRejects("VALIDATION_FAILED");
    }
  });

  it("journals a change with the full settings, and records nothing when nothing changes", () => {
    deciderSpec(waitingRoomDecider())
      .given([])
      .when({
        type: "ConfigureWaitingRoom",
        concertId: CONCERT_ID,
        settings: { maxActive: 5, admitIntervalMs: 500 },
      })
      .then([
        {
          type: "WaitingRoomConfigured",
          concertId: CONCERT_ID,
          ...roomSettings({ maxActive: 5, admitIntervalMs: 500 }),
          atMs: T0_MS,
        },
      ]);
    deciderSpec(waitingRoomDecider())
      .given([])
      .when({ type: "ConfigureWaitingRoom", concertId: CONCERT_ID, settings: { maxActive: 1000 } })
      .thenNothingHappens();
  });

  it("rejects invalid settings at creation as a bug", () => {
    expect(() => initialWaitingRoomState(CONCERT_ID, roomSettings({ maxActive: 0 }))).toThrow(
      InvariantViolation,
    );
    expect(() => initialWaitingRoomState("", roomSettings())).toThrow(InvariantViolation);
  });
});

describe("Recovery", () => {
  it("rebuilds exactly the live state from the journal, whatever was polled", () => {
    const room = new Room({ maxActive: 3, admitBatch: 2, waitIdleTtlMs: 60 * SECOND_MS });
    const tokens = room.issueMany(12);
    room.after(10 * SECOND_MS);
    tokens.slice(5).forEach((token) => room.poll(token));
    room.leave(tokens[6]!);
    room.after(55 * SECOND_MS).tick();
    room.use(tokens[0]!);
    room.after(SECOND_MS).tick();
    const before = tokens.map((token) => room.view(token));
    room.restart();
    expect(tokens.map((token) => room.view(token))).toEqual(before);
  });

  it("snapshots and restores the state with msgpackr, and journals plain-data events", () => {
    // Given a room with every kind of token and event behind it
    const room = new Room({ maxActive: 2, admitBatch: 1, onSaleAtMs: T0_MS + SECOND_MS });
    const tokens = room.issueMany(6);
    room.at(T0_MS + SECOND_MS);
    tokens.forEach((token) => room.poll(token));
    room.tick();
    room.leave(tokens[0]!);
    room.after(SECOND_MS).tick();
    // When the state goes through the snapshot options the journal uses (records, Map, typed arrays)
    const snapshots = new Packr({ useRecords: true, mapsAsObjects: false, moreTypes: true });
    const restored: unknown = snapshots.unpack(snapshots.pack(room.state));
    // Then it comes back equal, and every event survives both msgpack and JSON unchanged
    expect(restored).toStrictEqual(room.state);
    const events = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: true });
    for (const event of room.journal) {
      expect(events.unpack(events.pack(event))).toStrictEqual(event);
      expect(JSON.parse(JSON.stringify(event))).toStrictEqual(event);
    }
    expect(new Set(room.journal.map((event) => event.type))).toEqual(
      new Set(["TokenIssued", "QueueOpened", "TokensAdmitted", "TokenLeft"]),
    );
  });

  it("keeps the default idle TTL well above the slowest poll pacing", () => {
    expect(QUEUE_WAIT_IDLE_TTL_MS_DEFAULT / SECOND_MS / QUEUE_POLL_AFTER_SECONDS_MAX).toBeGreaterThanOrEqual(
      3,
    );
  });
});
