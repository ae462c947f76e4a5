import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { shuffleSeeded } from "../../src/engine/seeded-random.ts";
import {
  QUEUE_TOKEN_RETENTION_MS,
  verifyWaitingRoomState,
  waitingRoomStats,
  type QueueOpened,
  type WaitingRoomSettings,
} from "../../src/engine/waiting-room/index.ts";
import { CONCERT_ID, Room, roomSettings } from "./waiting-room-harness.ts";
import { T0_MS } from "./spec.ts";

/**
 * Model-based test of the waiting room against a deliberately simple model: every token in an array,
 * the line as a plain array in queue order, every rule a linear scan. Random sequences of issue, poll,
 * leave, use, clock, tick, configure and restart must leave every token with the model's status,
 * position and expiry, never raise the active count above the cap, and admit in line order after the
 * pre-queue shuffle. A failure prints fast-check's seed and path; rerun it with FC_SEED=<seed> (and
 * FC_PATH=<path>) to reproduce it exactly.
 */

type ModelStatus = "WAITING" | "ACTIVE" | "ENDED" | "FORGOTTEN";

interface ModelToken {
  readonly token: string;
  readonly userId: string;
  status: ModelStatus;
  lastSeenMs: number;
  expiresAtMs: number;
  endedAt: number;
}

interface Model {
  nowMs: number;
  settings: WaitingRoomSettings;
  opened: boolean;
  issuedTotal: number;
  readonly tokens: ModelToken[];
  /** WAITING tokens in queue order (arrival order in the pre-queue, until the opening shuffle). */
  line: ModelToken[];
}

type RoomCommand = fc.Command<Model, Room>;

function activeCount(model: Model): number {
  return model.tokens.filter((token) => token.status === "ACTIVE").length;
}

function end(model: Model, token: ModelToken): void {
  if (token.status === "WAITING") {
    model.line = model.line.filter((other) => other !== token);
  }
  token.status = "ENDED";
  token.endedAt = model.nowMs;
}

function expiredByTime(model: Model, token: ModelToken): boolean {
  return token.status === "ACTIVE" && token.expiresAtMs <= model.nowMs;
}

/** What every token must look like now, compared with the real room after each command. */
function checkEveryToken(model: Model, room: Room, activeBefore: number): void {
  verifyWaitingRoomState(room.state);
  for (const token of model.tokens) {
    const view = room.view(token.token);
    if (token.status === "FORGOTTEN") {
      expect(view, `${token.token} should be forgotten`).toBeUndefined();
      continue;
    }
    expect(view, `${token.token} should be known`).toBeDefined();
    expect(view!.userId).toBe(token.userId);
    if (token.status === "ENDED" || expiredByTime(model, token)) {
      expect(view!.status, token.token).toBe("EXPIRED");
    } else if (token.status === "ACTIVE") {
      expect(view, token.token).toMatchObject({
        status: "ACTIVE",
        position: 0,
        expiresAtMs: token.expiresAtMs,
      });
    } else {
      expect(view, token.token).toMatchObject({
        status: "WAITING",
        position: model.opened ? model.line.indexOf(token) + 1 : null,
        expiresAtMs: null,
        opensAtMs: model.opened ? null : model.settings.onSaleAtMs,
      });
    }
  }
  const stats = waitingRoomStats(room.state, model.nowMs);
  const active = activeCount(model);
  expect(stats).toMatchObject({ waiting: model.line.length, active, opened: model.opened });
  // The cap: admission never raises the active count above it (lowering the cap revokes nobody).
  expect(active <= model.settings.maxActive || active <= activeBefore).toBe(true);
}

function pick(model: Model, index: number): ModelToken {
  return model.tokens[index % model.tokens.length]!;
}

class IssueCommand implements RoomCommand {
  constructor(readonly user: number) {}
  check = () => true;
  run(model: Model, room: Room): void {
    const before = activeCount(model);
    const userId = `user-${this.user}`;
    let active = before;
    const live = model.tokens.find(
      (token) => token.userId === userId && (token.status === "WAITING" || token.status === "ACTIVE"),
    );
    const token = room.issue(userId);
    if (live !== undefined && !expiredByTime(model, live)) {
      expect(token).toBe(live.token);
    } else {
      if (live !== undefined) {
        end(model, live);
        active -= 1;
      }
      expect(model.tokens.some((other) => other.token === token)).toBe(false);
      const activeAtOnce = model.opened && model.line.length === 0 && active < model.settings.maxActive;
      const issued: ModelToken = {
        token,
        userId,
        status: activeAtOnce ? "ACTIVE" : "WAITING",
        lastSeenMs: model.nowMs,
        expiresAtMs: activeAtOnce ? model.nowMs + model.settings.activeTtlMs : 0,
        endedAt: 0,
      };
      model.tokens.push(issued);
      model.issuedTotal += 1;
      if (!activeAtOnce) {
        model.line.push(issued);
      }
    }
    checkEveryToken(model, room, before);
  }
  toString = () => `issue(user-${this.user})`;
}

class PollCommand implements RoomCommand {
  constructor(
    readonly index: number,
    readonly waitingOnly: boolean,
  ) {}
  check = (model: Readonly<Model>) => model.tokens.length > 0;
  run(model: Model, room: Room): void {
    // Mostly a waiting token (the interesting case), sometimes any token at all.
    const token =
      this.waitingOnly && model.line.length > 0
        ? model.line[this.index % model.line.length]!
        : pick(model, this.index);
    room.poll(token.token);
    if (token.status === "WAITING") {
      token.lastSeenMs = model.nowMs;
    }
    checkEveryToken(model, room, activeCount(model));
  }
  toString = () => `poll(${this.waitingOnly ? "waiting " : ""}#${this.index})`;
}

class LeaveOrUseCommand implements RoomCommand {
  constructor(
    readonly index: number,
    readonly kind: "LeaveQueue" | "UseToken",
  ) {}
  check = (model: Readonly<Model>) => model.tokens.length > 0;
  run(model: Model, room: Room): void {
    const token = pick(model, this.index);
    const decision = room.decide({ type: this.kind, concertId: CONCERT_ID, token: token.token });
    if (token.status === "FORGOTTEN") {
      expect(decision).toMatchObject({ ok: false, rejection: { code: "TOKEN_INVALID" } });
    } else if (token.status === "ENDED" || expiredByTime(model, token)) {
      expect(decision).toMatchObject({ ok: false, rejection: { code: "TOKEN_EXPIRED" } });
    } else if (this.kind === "UseToken" && token.status === "WAITING") {
      const position = model.opened ? model.line.indexOf(token) + 1 : null;
      expect(decision).toMatchObject({
        ok: false,
        rejection: { code: "TOKEN_NOT_ACTIVE", details: { position } },
      });
    } else {
      expect(decision.ok).toBe(true);
      room.run({ type: this.kind, concertId: CONCERT_ID, token: token.token });
      end(model, token);
    }
    checkEveryToken(model, room, activeCount(model));
  }
  toString = () => `${this.kind}(#${this.index})`;
}

class AdvanceCommand implements RoomCommand {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, room: Room): void {
    model.nowMs += this.ms;
    room.after(this.ms);
    checkEveryToken(model, room, activeCount(model));
  }
  toString = () => `advance(${this.ms})`;
}

class TickCommand implements RoomCommand {
  check = () => true;
  run(model: Model, room: Room): void {
    const before = activeCount(model);
    const events = room.tick();
    const now = model.nowMs;
    for (const token of model.tokens) {
      if (token.status === "ENDED" && token.endedAt + QUEUE_TOKEN_RETENTION_MS <= now) {
        token.status = "FORGOTTEN";
      }
    }
    for (const token of model.tokens) {
      if (expiredByTime(model, token)) {
        end(model, token);
      }
    }
    for (const token of [...model.line]) {
      if (token.lastSeenMs + model.settings.waitIdleTtlMs <= now) {
        end(model, token);
      }
    }
    const opened = events.find((event): event is QueueOpened => event.type === "QueueOpened");
    const opens = !model.opened && (model.settings.onSaleAtMs === null || now >= model.settings.onSaleAtMs);
    expect(opened !== undefined).toBe(opens);
    if (opened !== undefined) {
      // The fair start: the pre-queue, in arrival order, shuffled once with the journaled seed.
      shuffleSeeded(model.line, opened.seed);
      model.opened = true;
    }
    if (model.opened) {
      const count = Math.min(model.settings.admitBatch, model.settings.maxActive - activeCount(model));
      // First come, first served: the head of the line, in order.
      for (const token of model.line.splice(0, Math.max(0, count))) {
        token.status = "ACTIVE";
        token.expiresAtMs = now + model.settings.activeTtlMs;
      }
    }
    checkEveryToken(model, room, before);
  }
  toString = () => "tick";
}

class ConfigureCommand implements RoomCommand {
  constructor(readonly patch: Partial<WaitingRoomSettings>) {}
  check = () => true;
  run(model: Model, room: Room): void {
    const decision = room.decide({
      type: "ConfigureWaitingRoom",
      concertId: CONCERT_ID,
      settings: this.patch,
    });
    const merged = { ...model.settings, ...this.patch };
    const movesOnSale = merged.onSaleAtMs !== model.settings.onSaleAtMs;
    if (movesOnSale && model.opened && model.issuedTotal > 0) {
      expect(decision).toMatchObject({ ok: false, rejection: { code: "VALIDATION_FAILED" } });
    } else {
      expect(decision.ok).toBe(true);
      room.run({ type: "ConfigureWaitingRoom", concertId: CONCERT_ID, settings: this.patch });
      if (movesOnSale && model.opened) {
        model.opened = merged.onSaleAtMs === null;
      }
      model.settings = merged;
    }
    checkEveryToken(model, room, activeCount(model));
  }
  toString = () => `configure(${JSON.stringify(this.patch)})`;
}

class RestartCommand implements RoomCommand {
  check = () => true;
  run(model: Model, room: Room): void {
    // Room.restart checks that the state folded from the journal equals the live one.
    room.restart();
    for (const token of model.line) {
      token.lastSeenMs = model.nowMs;
    }
    checkEveryToken(model, room, activeCount(model));
  }
  toString = () => "restart";
}

const onSaleAtArbitrary = fc.option(
  fc.integer({ min: 0, max: 20_000 }).map((ms) => T0_MS + ms),
  { nil: null, freq: 2 },
);

const settingsArbitrary = fc.record({
  maxActive: fc.integer({ min: 1, max: 3 }),
  admitBatch: fc.integer({ min: 1, max: 3 }),
  activeTtlMs: fc.constantFrom(1_000, 5_000, 60_000),
  waitIdleTtlMs: fc.constantFrom(3_000, 10_000, 60_000),
  onSaleAtMs: onSaleAtArbitrary,
});

const commandArbitraries = [
  fc.integer({ min: 0, max: 11 }).map((user) => new IssueCommand(user)),
  fc.integer({ min: 0, max: 11 }).map((user) => new IssueCommand(user)),
  fc.integer({ min: 0, max: 11 }).map((user) => new IssueCommand(user)),
  fc.nat().map((index) => new PollCommand(index, true)),
  fc.nat().map((index) => new PollCommand(index, true)),
  fc.nat().map((index) => new PollCommand(index, false)),
  fc.nat().map((index) => new LeaveOrUseCommand(index, "LeaveQueue")),
  fc.nat().map((index) => new LeaveOrUseCommand(index, "UseToken")),
  fc
    .oneof(
      { arbitrary: fc.integer({ min: 1, max: 4_000 }), weight: 6 },
      { arbitrary: fc.integer({ min: 1, max: 120_000 }), weight: 2 },
      { arbitrary: fc.integer({ min: 1, max: 2 * QUEUE_TOKEN_RETENTION_MS }), weight: 1 },
    )
    .map((ms) => new AdvanceCommand(ms)),
  fc.constant(new TickCommand()),
  fc.constant(new TickCommand()),
  fc.constant(new RestartCommand()),
  fc
    .record(
      {
        maxActive: fc.integer({ min: 1, max: 4 }),
        admitBatch: fc.integer({ min: 1, max: 3 }),
        activeTtlMs: fc.constantFrom(1_000, 5_000, 60_000),
        waitIdleTtlMs: fc.constantFrom(3_000, 10_000, 60_000),
        onSaleAtMs: onSaleAtArbitrary,
      },
      { requiredKeys: [] },
    )
    .map((patch) => new ConfigureCommand(patch)),
];

function runParameters<T>(): fc.Parameters<T> {
  const seed = process.env.FC_SEED;
  const path = process.env.FC_PATH;
  return {
    numRuns: Number(process.env.FC_NUM_RUNS ?? 400),
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}

describe("Waiting room against a plain-array model", () => {
  it("keeps every token's status and position equal to the model's, under any sequence of actions", () => {
    fc.assert(
      fc.property(
        settingsArbitrary,
        fc.commands(commandArbitraries, { maxCommands: 80, size: "max" }),
        (initial, commands) => {
          const settings = roomSettings(initial);
          const model: Model = {
            nowMs: T0_MS,
            settings,
            opened: settings.onSaleAtMs === null,
            issuedTotal: 0,
            tokens: [],
            line: [],
          };
          fc.modelRun(() => ({ model, real: new Room(settings) }), commands);
        },
      ),
      runParameters(),
    );
  });
});
