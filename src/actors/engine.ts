import type { Concert, CreateConcert } from "../engine/catalog.ts";
import { decideCreateConcert, type WaitingRoomDefaults } from "../engine/concert-setup.ts";
import { assert, type Result } from "../engine/decider.ts";
import { reservationsOfUser, scheduleOf, scheduleOfReservation } from "../engine/engine-state.ts";
import { REQUEST_FINGERPRINT } from "../engine/idempotency.ts";
import type { ChargeReceipt, PaymentReceipt } from "../engine/receipts.ts";
import {
  CONCERT_NOT_FOUND,
  rejection,
  RESERVATION_NOT_FOUND,
  SCHEDULE_NOT_FOUND,
  TOKEN_INVALID,
  type Rejection,
} from "../engine/rejection.ts";
import {
  reservationOf,
  SEAT_STATUS_NAMES,
  statusAt,
  type Reservation,
  type SeatStatusName,
} from "../engine/schedule.ts";
import {
  decideTokenAccess,
  refuseMissingTarget,
  roomOfToken,
  type IdempotencyKey,
} from "../engine/token-access.ts";
import {
  tokenConcertId,
  tokenHolder,
  waitingRoomStats,
  type TokenView,
  type WaitingRoomSettings,
  type WaitingRoomStats,
} from "../engine/waiting-room/index.ts";
import { spendableBalance, type LedgerTransaction } from "../engine/wallet.ts";
import type { JournalStats } from "../persistence/journal.ts";
import type { RecoveredState } from "../persistence/recovery.ts";
import type { FundsAnswer, FundsCommand } from "../engine/wallet-reservation.ts";
import { Mailbox } from "./mailbox.ts";
import { PaymentSagaDriver, type CrossShardPayments } from "./payment-saga-driver.ts";
import type { ActorRuntime } from "./runtime.ts";
import { ScheduleActor } from "./schedule-actor.ts";
import { WalletActor, walletShardOf } from "./wallet-actor.ts";
import { WaitingRoomActor, type IssuedToken } from "./waiting-room-actor.ts";

export type { TokenView } from "../engine/waiting-room/index.ts";
export type { IssuedToken } from "./waiting-room-actor.ts";
export type { CrossShardPayments, FundsTransport } from "./payment-saga-driver.ts";

/**
 * Where a shard learns about schedules and reservations other shards own, for requests made with its
 * own tokens: `concertOf(id)` is undefined when no other shard owns `id` (by its tag); else it asks
 * that shard, and resolves with the concert of its schedule or reservation `id`, or undefined when
 * it has none. It rejects when that shard does not answer.
 */
export interface ForeignTargets {
  readonly concertOf: (id: string) => Promise<string | undefined> | undefined;
}

const SHARD_UNAVAILABLE = rejection(
  "SHARD_UNAVAILABLE",
  "the shard that owns this schedule or reservation did not answer; retry shortly",
);

export interface ScheduleSummary {
  readonly scheduleId: string;
  readonly concertId: string;
  readonly startsAtMs: number;
  readonly totalSeats: number;
  readonly availableSeats: number;
  readonly price: number;
}

export interface SeatView {
  readonly seatNumber: number;
  readonly status: SeatStatusName;
  readonly price: number;
}

export interface SeatMap {
  readonly scheduleId: string;
  readonly concertId: string;
  readonly seats: SeatView[];
}

/** What the engine's actors are set up with; `startEngine` builds it from the engine's options. */
export interface EngineSettings {
  readonly holdTtlMs: number;
  readonly walletShards: number;
  /** The settings of every waiting room that an operator has not overridden. */
  readonly waitingRoomDefaults: WaitingRoomDefaults;
}

/** The kinds of actor, as metrics label them. */
export type ActorKind = "catalog" | "wallet" | "schedule" | "waiting_room";

/** The mailboxes of one kind of actor: how many, their unanswered messages in all, the deepest. */
export interface MailboxDepths {
  readonly kind: ActorKind;
  readonly actors: number;
  readonly messages: number;
  readonly deepest: number;
}

/** How the journal was recovered at start-up, for the start-up log line. */
export type RecoverySummary = Omit<RecoveredState, "state">;

/**
 * The engine as the HTTP layer sees it: one method per request. Each finds the actor that owns what
 * the request touches (a schedule, a concert's waiting room, a shard of wallets, the catalog) and
 * answers with that actor's result. It holds no business rules; those are in src/engine.
 */
export class Engine {
  private readonly catalog: Mailbox;
  private readonly schedules = new Map<string, ScheduleActor>();
  private readonly rooms = new Map<string, WaitingRoomActor>();
  private readonly wallets: WalletActor[];
  /** Set once the engine is a shard of a cluster that pays from wallets on other shards. */
  private sagas: PaymentSagaDriver | undefined;
  private foreignTargets: ForeignTargets | undefined;

  constructor(
    private readonly runtime: ActorRuntime,
    readonly recovery: RecoverySummary,
    private readonly settings: EngineSettings,
  ) {
    this.catalog = new Mailbox("catalog", runtime);
    this.wallets = Array.from(
      { length: settings.walletShards },
      (_, shard) => new WalletActor(runtime, shard),
    );
    for (const scheduleId of runtime.state.schedules.keys()) {
      this.schedules.set(scheduleId, new ScheduleActor(runtime, scheduleId));
    }
    for (const concertId of runtime.state.waitingRooms.keys()) {
      this.startRoom(concertId);
    }
  }

  /**
   * Brings every recovered waiting room's settings up to the environment's defaults (an operator's
   * overrides still win). Called once, before the engine serves.
   */
  async applyWaitingRoomDefaults(): Promise<void> {
    const applied = await Promise.all(
      [...this.rooms.values()].map((room) => room.applyDefaults(this.settings.waitingRoomDefaults)),
    );
    for (const result of applied) {
      if (!result.ok) {
        throw new Error(`cannot apply the waiting-room settings: ${result.rejection.message}`);
      }
    }
  }

  /**
   * Makes this engine a shard that pays from wallets on other shards: a payment whose wallet is
   * elsewhere becomes a saga this shard coordinates (payment-saga.ts). Resumes at once every saga the
   * journal left unsettled. A single node never calls this, and pays as it always has.
   */
  enableCrossShardPayments(payments: CrossShardPayments): void {
    assert(this.sagas === undefined, "cross-shard payments are enabled once");
    this.sagas = new PaymentSagaDriver(
      this.runtime,
      (scheduleId) => this.schedules.get(scheduleId),
      payments,
    );
    this.sagas.start();
  }

  /**
   * Makes this engine a shard that answers requests made with its tokens for other shards' schedules
   * and reservations as a single node would (see `refuseAbsent`). A single node never calls this.
   */
  enableForeignTargets(targets: ForeignTargets): void {
    this.foreignTargets = targets;
  }

  /** The concert of schedule or reservation `id` of this engine, for a shard that asks; else undefined. */
  concertOfTarget(id: string): string | undefined {
    const schedule = this.runtime.state.schedules.has(id)
      ? scheduleOf(this.runtime.state, id)
      : scheduleOfReservation(this.runtime.state, id);
    return schedule?.concertId;
  }

  /** A step of a cross-shard payment at the payer's wallet, which lives here (sent by the coordinator). */
  funds(command: FundsCommand): Promise<Result<FundsAnswer>> {
    return this.walletActor(command.userId).funds(command);
  }

  // Catalog.

  /** Creates a concert, its schedules and its waiting room in one journal entry, and starts their actors. */
  createConcert(command: Omit<CreateConcert, "type">): Promise<Result<Concert>> {
    return this.catalog.post((ctx) =>
      this.runtime.applyDecision(
        decideCreateConcert(
          this.runtime.state,
          { type: "CreateConcert", ...command },
          this.settings.waitingRoomDefaults,
          ctx,
        ),
        ([created]) => {
          assert(created?.type === "ConcertCreated", "a concert is created by ConcertCreated");
          const concert = this.runtime.state.catalog.concerts.get(created.concertId);
          assert(concert !== undefined, "a created concert is in the catalog");
          for (const schedule of concert.schedules) {
            this.schedules.set(schedule.scheduleId, new ScheduleActor(this.runtime, schedule.scheduleId));
          }
          this.startRoom(concert.concertId);
          return concert;
        },
      ),
    );
  }

  listConcerts(): Promise<Result<Concert[]>> {
    return this.catalog.post(() => ({
      ok: true,
      events: [],
      value: [...this.runtime.state.catalog.concerts.values()],
    }));
  }

  /** Reads seat counts of other actors' schedules: safe, since no turn is ever half done when it runs. */
  listSchedules(concertId: string): Promise<Result<ScheduleSummary[]>> {
    return this.catalog.post(() => {
      const concert = this.runtime.state.catalog.concerts.get(concertId);
      if (concert === undefined) {
        return { ok: false, rejection: CONCERT_NOT_FOUND };
      }
      const value = concert.schedules.map((spec) => ({
        scheduleId: spec.scheduleId,
        concertId,
        startsAtMs: spec.startsAtMs,
        totalSeats: spec.seatCount,
        availableSeats: scheduleOf(this.runtime.state, spec.scheduleId).availableCount,
        price: spec.price,
      }));
      return { ok: true, events: [], value };
    });
  }

  seatMap(scheduleId: string, status?: SeatStatusName): Promise<Result<SeatMap>> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) {
      return refused(SCHEDULE_NOT_FOUND);
    }
    return actor.read((schedule) => {
      const seats: SeatView[] = [];
      for (let i = 0; i < schedule.seatCount; i += 1) {
        const name = SEAT_STATUS_NAMES[schedule.seats[i] as number];
        assert(name !== undefined, `seat ${i + 1} of schedule ${scheduleId} has a known status`);
        if (status === undefined || status === name) {
          seats.push({ seatNumber: i + 1, status: name, price: schedule.price });
        }
      }
      return { scheduleId, concertId: schedule.concertId, seats };
    });
  }

  // Waiting room.

  issueToken(userId: string, concertId: string): Promise<Result<IssuedToken>> {
    const room = this.rooms.get(concertId);
    return room === undefined ? refused(CONCERT_NOT_FOUND) : room.issue(userId);
  }

  currentToken(token: string | undefined): Promise<Result<TokenView>> {
    const room = this.roomOfToken(token);
    return room === undefined || token === undefined ? refused(TOKEN_INVALID) : room.poll(token);
  }

  leaveQueue(token: string | undefined): Promise<Result<undefined>> {
    const room = this.roomOfToken(token);
    return room === undefined || token === undefined ? refused(TOKEN_INVALID) : room.leave(token);
  }

  configureWaitingRoom(
    concertId: string,
    settings: Partial<WaitingRoomSettings>,
  ): Promise<Result<WaitingRoomSettings>> {
    const room = this.rooms.get(concertId);
    return room === undefined ? refused(CONCERT_NOT_FOUND) : room.override(settings);
  }

  // Wallets.

  charge(userId: string, amount: number, idempotencyKey?: string): Promise<Result<ChargeReceipt>> {
    return this.walletActor(userId).charge(
      userId,
      amount,
      keyed(idempotencyKey, () => REQUEST_FINGERPRINT.charge(amount)),
    );
  }

  balance(userId: string): Promise<Result<number>> {
    // What the user can spend: funds reserved by a cross-shard payment in flight are not.
    return this.walletActor(userId).read(userId, spendableBalance);
  }

  /** The newest `limit` ledger lines, newest first. */
  transactions(userId: string, limit: number): Promise<Result<LedgerTransaction[]>> {
    return this.walletActor(userId).read(userId, (wallet) => wallet.transactions.slice(-limit).reverse());
  }

  // Reservations: every change is made with a queue token, checked in the turn that makes it.

  holdSeats(
    token: string | undefined,
    scheduleId: string,
    seatNumbers: readonly number[],
    idempotencyKey?: string,
  ): Promise<Result<Reservation>> {
    const actor = this.schedules.get(scheduleId);
    const key = keyed(idempotencyKey, () => REQUEST_FINGERPRINT.hold(scheduleId, seatNumbers));
    if (actor === undefined) {
      return this.refuseAbsent(token, scheduleId, SCHEDULE_NOT_FOUND, key);
    }
    return actor.hold(token, seatNumbers, this.settings.holdTtlMs, key);
  }

  cancelReservation(token: string | undefined, reservationId: string): Promise<Result<Reservation>> {
    const actor = this.reservationActor(reservationId);
    return actor === undefined
      ? this.refuseAbsent(token, reservationId, RESERVATION_NOT_FOUND, undefined)
      : actor.cancel(token, reservationId);
  }

  /**
   * Pays a held reservation from the balance, books its seats and spends the token: in one turn when
   * the payer's wallet is here (always, on a single node), else through a saga with the wallet's shard.
   */
  pay(
    token: string | undefined,
    reservationId: string,
    idempotencyKey?: string,
  ): Promise<Result<PaymentReceipt>> {
    const actor = this.reservationActor(reservationId);
    const key = keyed(idempotencyKey, () => REQUEST_FINGERPRINT.payment(reservationId));
    if (actor === undefined) {
      return this.refuseAbsent(token, reservationId, RESERVATION_NOT_FOUND, key);
    }
    // Whose token it is never changes, so it may be read outside the turn that checks the token.
    const room = roomOfToken(this.runtime.state, token);
    const payer = room === undefined || token === undefined ? undefined : tokenHolder(room, token);
    if (this.sagas === undefined || payer === undefined || this.sagas.payments.walletIsLocal(payer)) {
      return actor.pay(token, reservationId, key);
    }
    return this.sagas.pay(actor, token as string, reservationId, payer, key);
  }

  reservation(reservationId: string): Promise<Result<Reservation>> {
    const actor = this.reservationActor(reservationId);
    if (actor === undefined) {
      return refused(RESERVATION_NOT_FOUND);
    }
    return actor.read((schedule, nowMs) => {
      const reservation = reservationOf(schedule, reservationId);
      assert(reservation !== undefined, `reservation ${reservationId} is in the schedule its index names`);
      return asSeenAt(reservation, nowMs);
    });
  }

  /** A user's reservations across every schedule, newest first. */
  reservationsOf(userId: string): Promise<Result<Reservation[]>> {
    return this.catalog.post((ctx) => {
      const value = reservationsOfUser(this.runtime.state, userId).map((reservation) =>
        asSeenAt(reservation, ctx.nowMs),
      );
      return { ok: true, events: [], value };
    });
  }

  // Operations.

  journalSeq(): number {
    return this.runtime.journal.lastDurableSeq;
  }

  journalFailed(): boolean {
    return this.runtime.journal.failure !== undefined;
  }

  /** Events applied since start, by type. */
  eventCounts(): ReadonlyMap<string, number> {
    return this.runtime.eventCounts;
  }

  journalStats(): JournalStats {
    return this.runtime.journal.stats;
  }

  /**
   * Resolves once no actor has a message left unanswered: how a simulated clock waits out what the
   * timers it fired have posted (expiries, admissions) and their journal commits.
   */
  async whenIdle(): Promise<void> {
    do {
      await new Promise((resolve) => setImmediate(resolve));
    } while (this.mailboxes().some((mailbox) => mailbox.depth > 0));
  }

  /** Every mailbox with its depth, for metrics. */
  mailboxes(): Mailbox[] {
    return [
      this.catalog,
      ...this.wallets.map((wallet) => wallet.mailbox),
      ...[...this.schedules.values()].map((schedule) => schedule.mailbox),
      ...[...this.rooms.values()].map((room) => room.mailbox),
    ];
  }

  /**
   * Mailbox depths per kind of actor, for metrics: how many actors, their unanswered messages in all,
   * and the deepest one (the one nearest `mailboxDepthMax`). A few numbers however many schedules exist.
   */
  mailboxDepths(): MailboxDepths[] {
    const kinds: [ActorKind, readonly Mailbox[]][] = [
      ["catalog", [this.catalog]],
      ["wallet", this.wallets.map((wallet) => wallet.mailbox)],
      ["schedule", [...this.schedules.values()].map((schedule) => schedule.mailbox)],
      ["waiting_room", [...this.rooms.values()].map((room) => room.mailbox)],
    ];
    return kinds.map(([kind, mailboxes]) => {
      let messages = 0;
      let deepest = 0;
      for (const mailbox of mailboxes) {
        messages += mailbox.depth;
        deepest = Math.max(deepest, mailbox.depth);
      }
      return { kind, actors: mailboxes.length, messages, deepest };
    });
  }

  /** Messages an actor accepts before it answers OVERLOADED. */
  mailboxDepthMax(): number {
    return this.runtime.mailboxDepthMax;
  }

  waitingRoomStats(): WaitingRoomStats[] {
    const nowMs = this.runtime.clock.nowMs();
    return [...this.runtime.state.waitingRooms.values()].map((room) => waitingRoomStats(room, nowMs));
  }

  /** Takes a snapshot now (the runtime also takes one every N events). */
  snapshot(): Promise<number | undefined> {
    return this.runtime.snapshotNow();
  }

  /** Stops timers, then commits what is pending and closes the journal. */
  async stop(): Promise<void> {
    this.sagas?.stop();
    for (const room of this.rooms.values()) {
      room.stop();
    }
    for (const schedule of this.schedules.values()) {
      schedule.stop();
    }
    await this.runtime.journal.close();
  }

  private startRoom(concertId: string): void {
    const actor = new WaitingRoomActor(this.runtime, concertId);
    this.rooms.set(concertId, actor);
    actor.start();
  }

  private roomOfToken(token: string | undefined): WaitingRoomActor | undefined {
    const concertId = token === undefined ? undefined : tokenConcertId(token);
    return concertId === undefined ? undefined : this.rooms.get(concertId);
  }

  private walletActor(userId: string): WalletActor {
    return this.wallets[walletShardOf(userId, this.wallets.length)] as WalletActor;
  }

  private reservationActor(reservationId: string): ScheduleActor | undefined {
    const schedule = scheduleOfReservation(this.runtime.state, reservationId);
    return schedule === undefined ? undefined : this.schedules.get(schedule.scheduleId);
  }

  /**
   * A request made with `token` for a schedule or reservation this engine does not have. Where another
   * shard owns it, that shard is asked, so the answer is the one a single node would give: an unknown
   * token first, then a target missing there, else the token's refusal for a target of another concert
   * (`decideTokenAccess`: expired, not active, another concert, or a reused idempotency key). A token
   * of this shard can never act on another shard's target, and none of its keyed results names one.
   */
  private async refuseAbsent<R>(
    token: string | undefined,
    id: string,
    targetMissing: Rejection,
    key: IdempotencyKey | undefined,
  ): Promise<Result<R>> {
    const here = refuseMissingTarget(this.runtime.state, token, targetMissing);
    const asking = here.rejection === targetMissing ? this.foreignTargets?.concertOf(id) : undefined;
    if (asking === undefined) {
      return here;
    }
    let concertId: string | undefined;
    try {
      concertId = await asking;
    } catch {
      return refused(SHARD_UNAVAILABLE);
    }
    if (concertId === undefined) {
      return refuseMissingTarget(this.runtime.state, token, targetMissing);
    }
    const access = decideTokenAccess(this.runtime.state, token, concertId, key, this.runtime.clock.nowMs());
    assert(
      access.kind === "refused",
      `a token of this shard was granted or replayed on ${id} of another shard`,
    );
    return refused(access.rejection);
  }
}

function refused<R>(rejection: Rejection): Promise<Result<R>> {
  return Promise.resolve({ ok: false, rejection });
}

/** An idempotency key with the fingerprint of the request it came with. */
function keyed(key: string | undefined, fingerprint: () => string): IdempotencyKey | undefined {
  return key === undefined ? undefined : { key, fingerprint: fingerprint() };
}

/** A reservation as a client should see it now: a hold past its deadline reads as EXPIRED. */
function asSeenAt(reservation: Reservation, nowMs: number): Reservation {
  const status = statusAt(reservation, nowMs);
  return status === reservation.status ? reservation : { ...reservation, status };
}
