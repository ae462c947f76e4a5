import type { Concert, CreateConcert } from "../engine/catalog.ts";
import type { Result } from "../engine/decider.ts";
import { streamOf, type EngineEvent } from "../engine/engine-state.ts";
import type { ChargeReceipt, PaymentReceipt } from "../engine/receipts.ts";
import { rejection, type Rejection } from "../engine/rejection.ts";
import type { Reservation } from "../engine/schedule.ts";
import {
  resumeWaitingRoom,
  tokenConcertId,
  waitingRoomStats,
  type TokenView,
  type WaitingRoomSettings,
  type WaitingRoomStats,
} from "../engine/waiting-room.ts";
import {
  openJournal,
  type CommitObserver,
  type FaultInjection,
  type Journal,
  type JournalStats,
  type JournalWriter,
} from "../persistence/journal.ts";
import { recoverEngineState, type RecoveredState } from "../persistence/recovery.ts";
import { BookingEngine } from "./booking-engine.ts";
import type { Clock } from "./clock.ts";
import { HOLD_KIND, PAYMENT_KIND, replayOf, type IdempotencyKey, type KeyedKind } from "./keyed-turn.ts";
import type { Mailbox } from "./mailbox.ts";
import { EngineRuntime } from "./runtime.ts";
import { WALLET_SHARDS_DEFAULT } from "./wallet-actor.ts";
import { WaitingRoomActor, type IssuedToken } from "./waiting-room-actor.ts";

export type { TokenView } from "../engine/waiting-room.ts";

export interface EngineOptions {
  readonly databasePath: string;
  readonly clock: Clock;
  /** Makes ids for reservations, payments, transactions and token secrets (21+ characters). */
  readonly newId: () => string;
  readonly holdTtlMs: number;
  readonly mailboxDepthMax: number;
  readonly snapshotEveryEvents: number;
  /** Defaults for every waiting room; an operator's overrides (journaled) win over them. */
  readonly waitingRoom: Omit<WaitingRoomSettings, "onSaleAt">;
  readonly journalWriter?: JournalWriter;
  readonly walletShards?: number;
  /** Told of every journal commit (events in it, commit time in ms); for metrics. */
  readonly onJournalCommit?: CommitObserver;
  /** Test hooks only: make journal commits fail on purpose (see FaultInjection). */
  readonly faultInjection?: FaultInjection;
}

/**
 * The journal writer the measurements chose (`npm run bench:engine`, five runs on this 2-core machine).
 * With 50 holders awaiting durable holds, as an HTTP benchmark's 50 connections do, inline had the
 * lower p50 in every run and up to twice the throughput: with the worker, the main thread sat idle
 * 40-50 % of the time waiting for the writer thread. With 1,000 holders the two were within about
 * 10 %. Inline also starts a few hundred ms sooner (no thread to boot). The worker's gain, a shorter
 * event-loop stall per fsync (a lower loop-delay p99 at 1,000 holders), did not buy throughput.
 */
export const JOURNAL_WRITER_DEFAULT: JournalWriter = "inline";

const TOKEN_INVALID = rejection("TOKEN_INVALID", "the queue token is missing or unknown");

/**
 * The whole engine: recovered state, journal, and the actors that own the state's parts. Its methods
 * route a request to the actors it concerns; the rules are in src/engine.
 */
export class Engine {
  readonly booking: BookingEngine;
  private readonly rooms = new Map<string, WaitingRoomActor>();

  constructor(
    private readonly runtime: EngineRuntime,
    readonly recovery: Omit<RecoveredState, "state">,
    private readonly options: EngineOptions,
  ) {
    this.booking = new BookingEngine(runtime, {
      holdTtlMs: options.holdTtlMs,
      walletShards: options.walletShards ?? WALLET_SHARDS_DEFAULT,
      waitingRoomDefaults: { ...options.waitingRoom, onSaleAt: null },
      onConcertCreated: (concert) => this.startRoom(concert.concertId),
    });
  }

  /** Starts the actors of recovered waiting rooms and brings their settings up to date. */
  async resume(): Promise<void> {
    const nowMs = this.runtime.clock.nowMs();
    const updates: Promise<Result<WaitingRoomSettings>>[] = [];
    for (const [concertId, room] of this.runtime.state.waitingRooms) {
      // Polls are not journaled: every waiting fan gets a fresh idle grace period after a restart.
      resumeWaitingRoom(room, nowMs);
      const actor = this.startRoom(concertId);
      const wanted = {
        ...room.settings,
        ...this.options.waitingRoom,
        ...this.runtime.state.waitingRoomOverrides.get(concertId),
      };
      if (JSON.stringify(wanted) !== JSON.stringify(room.settings)) {
        updates.push(actor.configure(wanted, false));
      }
    }
    for (const update of await Promise.all(updates)) {
      if (!update.ok) {
        throw new Error(`cannot apply the waiting-room settings: ${update.rejection.message}`);
      }
    }
  }

  createConcert(command: Omit<CreateConcert, "type">): Promise<Result<Concert>> {
    return this.booking.createConcert(command);
  }

  issueToken(userId: string, concertId: string): Promise<Result<IssuedToken>> {
    const room = this.rooms.get(concertId);
    if (room === undefined) {
      return Promise.resolve({ ok: false, rejection: rejection("CONCERT_NOT_FOUND", "no such concert") });
    }
    return room.issue(userId);
  }

  currentToken(token: string | undefined): Promise<Result<TokenView>> {
    const room = this.roomOfToken(token);
    return room === undefined || token === undefined ? rejectToken() : room.poll(token);
  }

  leaveQueue(token: string | undefined): Promise<Result<undefined>> {
    const room = this.roomOfToken(token);
    return room === undefined || token === undefined ? rejectToken() : room.leave(token);
  }

  configureWaitingRoom(
    concertId: string,
    settings: Partial<WaitingRoomSettings>,
  ): Promise<Result<WaitingRoomSettings>> {
    const room = this.rooms.get(concertId);
    if (room === undefined) {
      return Promise.resolve({ ok: false, rejection: rejection("CONCERT_NOT_FOUND", "no such concert") });
    }
    return room.configure(settings, true);
  }

  charge(userId: string, amount: number, idempotencyKey?: string): Promise<Result<ChargeReceipt>> {
    return this.booking.charge(userId, amount, keyed(idempotencyKey, ["charge", amount]));
  }

  holdSeats(
    token: string | undefined,
    scheduleId: string,
    seatNumbers: readonly number[],
    idempotencyKey?: string,
  ): Promise<Result<Reservation>> {
    return this.withToken(
      token,
      () => this.booking.concertOfSchedule(scheduleId),
      rejection("SCHEDULE_NOT_FOUND", "no such schedule"),
      { key: keyed(idempotencyKey, ["hold", scheduleId, ...seatNumbers]), kind: HOLD_KIND },
      (userId, key) => this.booking.hold(userId, scheduleId, seatNumbers, key),
    );
  }

  cancelReservation(token: string | undefined, reservationId: string): Promise<Result<Reservation>> {
    return this.withToken(
      token,
      () => this.booking.concertOfReservation(reservationId),
      rejection("RESERVATION_NOT_FOUND", "no such reservation"),
      undefined,
      (userId) => this.booking.cancel(userId, reservationId),
    );
  }

  /** Pays, then ends the token that paid: one token, one purchase. */
  async pay(
    token: string | undefined,
    reservationId: string,
    idempotencyKey?: string,
  ): Promise<Result<PaymentReceipt>> {
    const paid = await this.withToken(
      token,
      () => this.booking.concertOfReservation(reservationId),
      rejection("RESERVATION_NOT_FOUND", "no such reservation"),
      { key: keyed(idempotencyKey, ["pay", reservationId]), kind: PAYMENT_KIND },
      (userId, key) => this.booking.pay(userId, reservationId, key),
    );
    const room = this.roomOfToken(token);
    if (paid.ok && room !== undefined && token !== undefined) {
      // A token already ended (a replayed payment) stays ended; nothing else can go wrong here.
      await room.use(token);
    }
    return paid;
  }

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

  mailboxes(): Mailbox[] {
    return [...this.booking.mailboxes(), ...[...this.rooms.values()].map((room) => room.mailbox)];
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
    for (const room of this.rooms.values()) {
      room.stop();
    }
    this.booking.stop();
    await this.runtime.journal.close();
  }

  private startRoom(concertId: string): WaitingRoomActor {
    const actor = new WaitingRoomActor(this.runtime, concertId);
    this.rooms.set(concertId, actor);
    actor.start();
    return actor;
  }

  private roomOfToken(token: string | undefined): WaitingRoomActor | undefined {
    const concertId = token === undefined ? undefined : tokenConcertId(token);
    return concertId === undefined ? undefined : this.rooms.get(concertId);
  }

  /**
   * The order every token-guarded request follows: the token must be known (401); the target must
   * exist (404); the token must be ACTIVE for the target's concert (401/403). A keyed repeat is still
   * answered when the token has ended since, as long as the token names the same user: a client
   * retrying a lost response must get it.
   */
  private async withToken<R>(
    token: string | undefined,
    concertOfTarget: () => string | undefined,
    targetMissing: Rejection,
    keyedBy: { key: IdempotencyKey | undefined; kind: KeyedKind<R> } | undefined,
    act: (userId: string, key: IdempotencyKey | undefined) => Promise<Result<R>>,
  ): Promise<Result<R>> {
    const room = this.roomOfToken(token);
    if (room === undefined || token === undefined) {
      return rejectToken();
    }
    const concertId = concertOfTarget();
    if (concertId === undefined) {
      return room.userOf(token) === undefined ? rejectToken() : { ok: false, rejection: targetMissing };
    }
    const grant = room.authorize(token, concertId);
    if (grant.ok) {
      return act(grant.value.userId, keyedBy?.key);
    }
    const userId = room.userOf(token);
    if (keyedBy?.key !== undefined && userId !== undefined) {
      const earlier = replayOf(this.runtime, userId, keyedBy.key, keyedBy.kind);
      if (earlier !== undefined) {
        return this.runtime.settle(earlier, this.runtime.clock.nowMs());
      }
    }
    return grant;
  }
}

function rejectToken<R>(): Promise<Result<R>> {
  return Promise.resolve({ ok: false, rejection: TOKEN_INVALID });
}

/** An idempotency key with the fingerprint of the request it came with. */
function keyed(key: string | undefined, request: readonly (string | number)[]): IdempotencyKey | undefined {
  return key === undefined ? undefined : { key, fingerprint: JSON.stringify(request) };
}

/**
 * Recovers the state from the journal (snapshot, then tail), opens the journal for writing and starts
 * every actor. Holds that fell due while the process was down expire at once, at their journaled time.
 */
export async function startEngine(options: EngineOptions): Promise<Engine> {
  const journal: Journal<EngineEvent> = await openJournal<EngineEvent>({
    path: options.databasePath,
    streamOf,
    writer: options.journalWriter ?? JOURNAL_WRITER_DEFAULT,
    faultInjection: options.faultInjection,
    onCommit: options.onJournalCommit,
  });
  let recovered: RecoveredState;
  try {
    recovered = recoverEngineState(options.databasePath);
  } catch (error) {
    await journal.close();
    throw error;
  }
  const runtime = new EngineRuntime({
    state: recovered.state,
    journal,
    clock: options.clock,
    newId: options.newId,
    mailboxDepthMax: options.mailboxDepthMax,
    snapshotEveryEvents: options.snapshotEveryEvents,
  });
  const { snapshotSeq, eventsReplayed, lastSeq, durationMs } = recovered;
  const engine = new Engine(runtime, { snapshotSeq, eventsReplayed, lastSeq, durationMs }, options);
  await engine.resume();
  return engine;
}
