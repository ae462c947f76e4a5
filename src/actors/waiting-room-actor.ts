import { assert, type DecideContext, type Decision, type Result } from "../engine/decider.ts";
import {
  decideOverrideWaitingRoom,
  decideWaitingRoomDefaults,
  type WaitingRoomDefaults,
} from "../engine/concert-setup.ts";
import { waitingRoomOf, type EngineEvent } from "../engine/engine-state.ts";
import { answerPoll } from "../engine/token-access.ts";
import {
  decideWaitingRoom,
  liveTokenOfUser,
  viewToken,
  type TokenView,
  type WaitingRoomCommand,
  type WaitingRoomSettings,
  type WaitingRoomState,
} from "../engine/waiting-room/index.ts";
import type { CancelTimer } from "./clock.ts";
import { Mailbox } from "./mailbox.ts";
import type { ActorRuntime } from "./runtime.ts";

export interface IssuedToken {
  readonly token: TokenView;
  /** False when the user already had a live token for the concert and got it back. */
  readonly created: boolean;
}

/**
 * The actor of one concert's waiting room: tokens are issued, polled and given up through its
 * mailbox, and its own timer sends it an `AdmitTick` every admission interval. Payments spend tokens
 * from the schedule's turn that pays (see `decidePayment`).
 */
export class WaitingRoomActor {
  readonly mailbox: Mailbox;
  private cancelTimer: CancelTimer | undefined;
  private stopped = false;

  constructor(
    private readonly runtime: ActorRuntime,
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
    return this.mailbox.post((ctx) =>
      this.runtime.applyDecision(
        decideWaitingRoom(this.state, { type: "IssueToken", concertId: this.concertId, userId }, ctx),
        (events) => {
          const issued = events.find((event) => event.type === "TokenIssued");
          const token =
            issued?.type === "TokenIssued" ? issued.token : liveTokenOfUser(this.state, userId, ctx.nowMs);
          const view = token === undefined ? undefined : viewToken(this.state, token, ctx.nowMs);
          assert(view !== undefined, "an issued token, or the user's live one, can be viewed");
          return { token: view, created: issued !== undefined };
        },
      ),
    );
  }

  /** A poll: the token's status and place, and a note that its holder is still there. */
  poll(token: string): Promise<Result<TokenView>> {
    return this.mailbox.post((ctx) => {
      const answer = answerPoll(this.state, token, ctx.nowMs);
      return answer.ok ? { ok: true, events: [], value: answer.value } : answer;
    });
  }

  leave(token: string): Promise<Result<undefined>> {
    return this.post({ type: "LeaveQueue", concertId: this.concertId, token });
  }

  /** An operator's change of settings, remembered as an override so that it outlasts restarts. */
  override(settings: Partial<WaitingRoomSettings>): Promise<Result<WaitingRoomSettings>> {
    return this.configure((ctx) =>
      decideOverrideWaitingRoom(this.runtime.state, this.concertId, settings, ctx),
    );
  }

  /** The environment's defaults, for every setting no operator has overridden (at start-up). */
  applyDefaults(defaults: WaitingRoomDefaults): Promise<Result<WaitingRoomSettings>> {
    return this.configure((ctx) =>
      decideWaitingRoomDefaults(this.runtime.state, this.concertId, defaults, ctx),
    );
  }

  /** Applies a change of settings and re-arms the tick, whose interval may have changed. */
  private configure(
    decide: (ctx: DecideContext) => Decision<EngineEvent>,
  ): Promise<Result<WaitingRoomSettings>> {
    return this.mailbox.post((ctx) => {
      const outcome = this.runtime.applyDecision(decide(ctx), () => this.state.settings);
      if (outcome.ok) {
        this.armTick();
      }
      return outcome;
    });
  }

  private post(command: WaitingRoomCommand): Promise<Result<undefined>> {
    return this.mailbox.post((ctx) =>
      this.runtime.applyDecision(decideWaitingRoom(this.state, command, ctx), () => undefined),
    );
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
