import { expect } from "vitest";
import type { Decision } from "../../src/engine/decider.ts";
import {
  WAITING_ROOM_SETTINGS_DEFAULT,
  decideWaitingRoom,
  evolveWaitingRoom,
  initialWaitingRoomState,
  liveTokenOfUser,
  pollToken,
  resumeWaitingRoom,
  verifyWaitingRoomState,
  viewToken,
  type TokenView,
  type WaitingRoomCommand,
  type WaitingRoomEvent,
  type WaitingRoomSettings,
  type WaitingRoomState,
} from "../../src/engine/waiting-room/index.ts";
import { T0_MS, type Decider } from "./spec.ts";

export const CONCERT_ID = "concert-1";

/** Deterministic secrets shaped like nanoid(21+): `s000…0001`, `s000…0002`, … (25 characters). */
export function secretIds(prefix = "s"): () => string {
  let next = 0;
  return () => {
    next += 1;
    return `${prefix}${String(next).padStart(24, "0")}`;
  };
}

export function roomSettings(overrides: Partial<WaitingRoomSettings> = {}): WaitingRoomSettings {
  return { ...WAITING_ROOM_SETTINGS_DEFAULT, ...overrides };
}

export function waitingRoomDecider(
  settings: Partial<WaitingRoomSettings> = {},
): Decider<WaitingRoomState, WaitingRoomCommand, WaitingRoomEvent> {
  return {
    decide: decideWaitingRoom,
    evolve: evolveWaitingRoom,
    initialState: () => initialWaitingRoomState(CONCERT_ID, roomSettings(settings)),
  };
}

/** Rebuilds a room the way recovery does: fold every event from the initial state, then resume. */
export function recover(settings: WaitingRoomSettings, events: readonly WaitingRoomEvent[], nowMs: number) {
  const state = events.reduce(evolveWaitingRoom, initialWaitingRoomState(CONCERT_ID, settings));
  resumeWaitingRoom(state, nowMs);
  return state;
}

/**
 * One concert's waiting room driven the way its actor drives it: every command is decided at the
 * simulated clock, its events are applied and kept as the journal. Nothing sleeps; `at` moves the clock.
 */
export class Room {
  readonly settings: WaitingRoomSettings;
  state: WaitingRoomState;
  readonly journal: WaitingRoomEvent[] = [];
  nowMs = T0_MS;
  readonly newId: () => string;

  constructor(settings: Partial<WaitingRoomSettings> = {}, newId: () => string = secretIds()) {
    this.settings = roomSettings(settings);
    this.state = initialWaitingRoomState(CONCERT_ID, this.settings);
    this.newId = newId;
  }

  at(nowMs: number): this {
    this.nowMs = nowMs;
    return this;
  }

  after(ms: number): this {
    this.nowMs += ms;
    return this;
  }

  decide(command: WaitingRoomCommand): Decision<WaitingRoomEvent> {
    return decideWaitingRoom(this.state, command, { nowMs: this.nowMs, newId: this.newId });
  }

  /** Decides and applies; a rejection fails the test. Returns the events journaled. */
  run(command: WaitingRoomCommand): WaitingRoomEvent[] {
    const decision = this.decide(command);
    if (!decision.ok) {
      expect.fail(`${command.type} was refused: ${decision.rejection.code} ${decision.rejection.message}`);
    }
    for (const event of decision.events) {
      evolveWaitingRoom(this.state, event);
      this.journal.push(event);
    }
    return decision.events;
  }

  /** The user's token: a new one, or the live one they already have. */
  issue(userId: string): string {
    const events = this.run({ type: "IssueToken", concertId: CONCERT_ID, userId });
    const issued = events.find((event) => event.type === "TokenIssued");
    return issued?.token ?? liveTokenOfUser(this.state, userId, this.nowMs) ?? expect.fail("no token");
  }

  issueMany(count: number, prefix = "user"): string[] {
    return Array.from({ length: count }, (_, i) => this.issue(`${prefix}-${i + 1}`));
  }

  tick(): WaitingRoomEvent[] {
    return this.run({ type: "AdmitTick", concertId: CONCERT_ID });
  }

  leave(token: string): WaitingRoomEvent[] {
    return this.run({ type: "LeaveQueue", concertId: CONCERT_ID, token });
  }

  use(token: string): WaitingRoomEvent[] {
    return this.run({ type: "UseToken", concertId: CONCERT_ID, token });
  }

  configure(settings: Partial<WaitingRoomSettings>): WaitingRoomEvent[] {
    return this.run({ type: "ConfigureWaitingRoom", concertId: CONCERT_ID, settings });
  }

  view(token: string): TokenView | undefined {
    return viewToken(this.state, token, this.nowMs);
  }

  poll(token: string): TokenView | undefined {
    return pollToken(this.state, token, this.nowMs);
  }

  status(token: string): string {
    return this.view(token)?.status ?? "UNKNOWN";
  }

  position(token: string): number | null | undefined {
    return this.view(token)?.position;
  }

  /**
   * A restart: the state is rebuilt from the journal alone and resumed at the current time. Before it
   * replaces the live state, it must equal the live state resumed at the same time.
   */
  restart(): void {
    const rebuilt = recover(this.settings, this.journal, this.nowMs);
    const live = structuredClone(this.state);
    resumeWaitingRoom(live, this.nowMs);
    expect(rebuilt).toStrictEqual(live);
    verifyWaitingRoomState(rebuilt);
    this.state = rebuilt;
  }
}
