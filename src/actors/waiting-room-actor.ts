import type { Result } from "../engine/decider.ts";
import { waitingRoomOf, type WaitingRoomSettingsOverridden } from "../engine/engine-state.ts";
import { rejection } from "../engine/rejection.ts";
import {
  authorizeToken,
  decideWaitingRoom,
  liveTokenOfUser,
  pollToken,
  viewToken,
  type ActiveTokenGrant,
  type TokenView,
  type WaitingRoomSettings,
  type WaitingRoomState,
} from "../engine/waiting-room.ts";
import type { CancelTimer } from "./clock.ts";
import { Mailbox, type TurnOutcome } from "./mailbox.ts";
import type { EngineRuntime } from "./runtime.ts";

export interface IssuedToken {
  readonly token: TokenView;
  /** False when the user already had a live token for the concert and got it back. */
  readonly created: boolean;
}

const TOKEN_INVALID = rejection("TOKEN_INVALID", "the queue token is missing or unknown");
const TOKEN_EXPIRED = rejection("TOKEN_EXPIRED", "the queue token has expired, was used or was given up");

/**
 * The actor of one concert's waiting room: tokens are issued, polled, given up and used through its
 * mailbox, and its own timer sends it an `AdmitTick` every admission interval.
 */
export class WaitingRoomActor {
  readonly mailbox: Mailbox;
  private cancelTimer: CancelTimer | undefined;
  private stopped = false;

  constructor(
    private readonly runtime: EngineRuntime,
    readonly concertId: string,
  ) {
    this.mailbox = new Mailbox(`waiting-room:${concertId}`, runtime);
  }

  get state(): WaitingRoomState {
    return waitingRoomOf(this.runtime.state, this.concertId);
  }

  /** Starts the admission ticks. */
  start(): void {
    this.stopped = false;
    this.armTick();
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = undefined;
  }

  issue(userId: string): Promise<Result<IssuedToken>> {
    return this.mailbox.post((ctx) => {
      const decision = decideWaitingRoom(
        this.state,
        { type: "IssueToken", concertId: this.concertId, userId },
        ctx,
      );
      if (!decision.ok) {
        return decision;
      }
      this.runtime.apply(decision.events);
      const issued = decision.events.find((event) => event.type === "TokenIssued");
      const token =
        issued?.type === "TokenIssued" ? issued.token : liveTokenOfUser(this.state, userId, ctx.nowMs);
      const view = token === undefined ? undefined : viewToken(this.state, token, ctx.nowMs);
      if (view === undefined) {
        return { ok: false, rejection: TOKEN_INVALID };
      }
      return { ok: true, events: decision.events, value: { token: view, created: issued !== undefined } };
    });
  }

  /** A poll: the token's status and place, and a note that its holder is still there. */
  poll(token: string): Promise<Result<TokenView>> {
    return this.mailbox.post((ctx) => liveView(pollToken(this.state, token, ctx.nowMs)));
  }

  leave(token: string): Promise<Result<undefined>> {
    return this.post({ type: "LeaveQueue", concertId: this.concertId, token });
  }

  /** Ends the token of a completed payment; its place is refilled at the next tick. */
  use(token: string): Promise<Result<undefined>> {
    return this.post({ type: "UseToken", concertId: this.concertId, token });
  }

  /**
   * Changes settings. An operator's change is also remembered as an override, so it outlasts restarts;
   * defaults from the environment are applied without one.
   */
  configure(
    settings: Partial<WaitingRoomSettings>,
    byOperator: boolean,
  ): Promise<Result<WaitingRoomSettings>> {
    return this.mailbox.post((ctx) => {
      const decision = decideWaitingRoom(
        this.state,
        { type: "ConfigureWaitingRoom", concertId: this.concertId, settings },
        ctx,
      );
      if (!decision.ok) {
        return decision;
      }
      const override: WaitingRoomSettingsOverridden[] = byOperator
        ? [{ type: "WaitingRoomSettingsOverridden", concertId: this.concertId, settings, atMs: ctx.nowMs }]
        : [];
      const events = [...decision.events, ...override];
      this.runtime.apply(events);
      this.armTick();
      return { ok: true, events, value: this.state.settings };
    });
  }

  /** Whether `token` may act on `concertId` now. A synchronous read, used before routing a booking. */
  authorize(token: string, concertId: string): Result<ActiveTokenGrant> {
    return authorizeToken(this.state, token, concertId, this.runtime.clock.nowMs());
  }

  /** The user a token names, whatever its status; undefined for a token this room does not know. */
  userOf(token: string): string | undefined {
    return viewToken(this.state, token, this.runtime.clock.nowMs())?.userId;
  }

  private post(command: Parameters<typeof decideWaitingRoom>[1]): Promise<Result<undefined>> {
    return this.mailbox.post((ctx): TurnOutcome<undefined> => {
      const view = "token" in command ? viewToken(this.state, command.token, ctx.nowMs) : undefined;
      if ("token" in command) {
        const live = liveView(view);
        if (!live.ok) {
          return live;
        }
      }
      const decision = decideWaitingRoom(this.state, command, ctx);
      if (!decision.ok) {
        return decision;
      }
      this.runtime.apply(decision.events);
      return { ok: true, events: decision.events, value: undefined };
    });
  }

  private armTick(): void {
    this.cancelTimer?.();
    if (this.stopped) {
      return;
    }
    const atMs = this.runtime.clock.nowMs() + this.state.settings.admitIntervalMs;
    this.cancelTimer = this.runtime.clock.setTimer(atMs, () => {
      this.cancelTimer = undefined;
      void this.post({ type: "AdmitTick", concertId: this.concertId }).then(() => this.armTick());
    });
  }
}

/** A token view as an answer: unknown tokens are invalid, ended ones expired. */
function liveView(view: TokenView | undefined): TurnOutcome<TokenView> {
  if (view === undefined) {
    return { ok: false, rejection: TOKEN_INVALID };
  }
  if (view.status === "EXPIRED") {
    return { ok: false, rejection: TOKEN_EXPIRED };
  }
  return { ok: true, events: [], value: view };
}
