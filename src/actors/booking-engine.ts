import { decideCatalog, type Concert, type CreateConcert } from "../engine/catalog.ts";
import { findReservation, waitingRoomOf } from "../engine/engine-state.ts";
import { assert, type Result } from "../engine/decider.ts";
import type { ChargeReceipt, PaymentReceipt } from "../engine/receipts.ts";
import { rejection, type Rejection } from "../engine/rejection.ts";
import { SEAT_STATUS_NAMES, statusAt, type Reservation, type SeatStatusName } from "../engine/schedule.ts";
import { decideWaitingRoom, type WaitingRoomSettings } from "../engine/waiting-room.ts";
import type { LedgerTransaction } from "../engine/wallet.ts";
import type { IdempotencyKey } from "./keyed-turn.ts";
import { Mailbox } from "./mailbox.ts";
import type { EngineRuntime } from "./runtime.ts";
import { ScheduleActor } from "./schedule-actor.ts";
import { WalletActor, walletShardOf } from "./wallet-actor.ts";

export interface BookingEngineOptions {
  readonly holdTtlMs: number;
  readonly walletShards: number;
  /** The settings a new concert's waiting room starts with (its on-sale time comes from the concert). */
  readonly waitingRoomDefaults: WaitingRoomSettings;
  /** Called within the turn that created a concert, to start its waiting room's actor. */
  readonly onConcertCreated: (concert: Concert) => void;
}

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

type NotFoundCode = "CONCERT_NOT_FOUND" | "SCHEDULE_NOT_FOUND" | "RESERVATION_NOT_FOUND";

function notFound(code: NotFoundCode): { readonly ok: false; readonly rejection: Rejection } {
  const what = {
    CONCERT_NOT_FOUND: "concert",
    SCHEDULE_NOT_FOUND: "schedule",
    RESERVATION_NOT_FOUND: "reservation",
  };
  return { ok: false, rejection: rejection(code, `no such ${what[code]}`) };
}

/** A reservation as a client should see it now: a hold past its deadline reads as EXPIRED. */
function asSeenAt(reservation: Reservation, nowMs: number): Reservation {
  const status = statusAt(reservation, nowMs);
  return status === reservation.status ? reservation : { ...reservation, status };
}

/**
 * The booking side of the engine: it routes each request to the actor that owns what it touches
 * (a schedule, a shard of wallets, the catalog) and answers with that actor's result. It holds no
 * business rules; those are in src/engine.
 */
export class BookingEngine {
  private readonly catalog: Mailbox;
  private readonly schedules = new Map<string, ScheduleActor>();
  private readonly wallets: WalletActor[];

  constructor(
    private readonly runtime: EngineRuntime,
    private readonly options: BookingEngineOptions,
  ) {
    this.catalog = new Mailbox("catalog", runtime);
    this.wallets = Array.from(
      { length: options.walletShards },
      (_, shard) => new WalletActor(runtime, shard),
    );
    for (const scheduleId of runtime.state.schedules.keys()) {
      this.schedules.set(scheduleId, new ScheduleActor(runtime, scheduleId));
    }
  }

  /** Every mailbox with its depth, for metrics. */
  mailboxes(): Mailbox[] {
    return [
      this.catalog,
      ...this.wallets.map((w) => w.mailbox),
      ...[...this.schedules.values()].map((s) => s.mailbox),
    ];
  }

  /**
   * Creates a concert, its schedules and its waiting room, configured with the defaults, in one
   * journal entry: a concert is never journaled without the settings of its waiting room.
   */
  createConcert(command: Omit<CreateConcert, "type">): Promise<Result<Concert>> {
    return this.catalog.post((ctx) => {
      const created = decideCatalog(this.runtime.state.catalog, { type: "CreateConcert", ...command }, ctx);
      if (!created.ok) {
        return created;
      }
      this.runtime.apply(created.events);
      const concert = this.concert(created.events[0]?.concertId ?? "");
      assert(concert !== undefined, "a created concert is in the catalog");
      const configured = decideWaitingRoom(
        waitingRoomOf(this.runtime.state, concert.concertId),
        {
          type: "ConfigureWaitingRoom",
          concertId: concert.concertId,
          settings: { ...this.options.waitingRoomDefaults, onSaleAt: concert.onSaleAtMs },
        },
        ctx,
      );
      assert(configured.ok, "the configured waiting-room defaults are valid");
      this.runtime.apply(configured.events);
      for (const schedule of concert.schedules) {
        this.schedules.set(schedule.scheduleId, new ScheduleActor(this.runtime, schedule.scheduleId));
      }
      this.options.onConcertCreated(concert);
      return { ok: true, events: [...created.events, ...configured.events], value: concert };
    });
  }

  listConcerts(): Promise<Result<Concert[]>> {
    return this.catalog.post(() => ({
      ok: true,
      events: [],
      value: [...this.runtime.state.catalog.concerts.values()],
    }));
  }

  concert(concertId: string): Concert | undefined {
    return this.runtime.state.catalog.concerts.get(concertId);
  }

  /** Reads seat counts of other actors' schedules: safe, since no turn is ever half done when it runs. */
  listSchedules(concertId: string): Promise<Result<ScheduleSummary[]>> {
    return this.catalog.post(() => {
      const concert = this.concert(concertId);
      if (concert === undefined) {
        return notFound("CONCERT_NOT_FOUND");
      }
      const value = concert.schedules.map((spec) => {
        const schedule = this.runtime.state.schedules.get(spec.scheduleId);
        return {
          scheduleId: spec.scheduleId,
          concertId,
          startsAtMs: spec.startsAtMs,
          totalSeats: spec.seatCount,
          availableSeats: schedule?.availableCount ?? 0,
          price: spec.price,
        };
      });
      return { ok: true, events: [], value };
    });
  }

  /** The concert a schedule belongs to, or undefined for an unknown schedule. */
  concertOfSchedule(scheduleId: string): string | undefined {
    return this.runtime.state.schedules.get(scheduleId)?.concertId;
  }

  /** The concert a reservation belongs to, or undefined for an unknown reservation. */
  concertOfReservation(reservationId: string): string | undefined {
    const scheduleId = this.runtime.state.reservationSchedules.get(reservationId);
    return scheduleId === undefined ? undefined : this.concertOfSchedule(scheduleId);
  }

  seatMap(scheduleId: string, status?: SeatStatusName): Promise<Result<SeatMap>> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) {
      return Promise.resolve(notFound("SCHEDULE_NOT_FOUND"));
    }
    return actor.read((schedule) => {
      const seats: SeatView[] = [];
      for (let i = 0; i < schedule.seatCount; i += 1) {
        const name = SEAT_STATUS_NAMES[schedule.seats[i] ?? 0] ?? "AVAILABLE";
        if (status === undefined || status === name) {
          seats.push({ seatNumber: i + 1, status: name, price: schedule.price });
        }
      }
      return { scheduleId, concertId: schedule.concertId, seats };
    });
  }

  charge(userId: string, amount: number, idempotencyKey?: IdempotencyKey): Promise<Result<ChargeReceipt>> {
    return this.walletActor(userId).charge(userId, amount, idempotencyKey);
  }

  balance(userId: string): Promise<Result<number>> {
    return this.walletActor(userId).read(userId, (wallet) => wallet.balance);
  }

  /** The newest `limit` ledger lines, newest first. */
  transactions(userId: string, limit: number): Promise<Result<LedgerTransaction[]>> {
    return this.walletActor(userId).read(userId, (wallet) => wallet.transactions.slice(-limit).reverse());
  }

  hold(
    userId: string,
    scheduleId: string,
    seatNumbers: readonly number[],
    idempotencyKey?: IdempotencyKey,
  ): Promise<Result<Reservation>> {
    const actor = this.schedules.get(scheduleId);
    if (actor === undefined) {
      return Promise.resolve(notFound("SCHEDULE_NOT_FOUND"));
    }
    return actor.hold(userId, seatNumbers, this.options.holdTtlMs, idempotencyKey);
  }

  reservation(reservationId: string): Promise<Result<Reservation>> {
    const actor = this.reservationActor(reservationId);
    if (actor === undefined) {
      return Promise.resolve(notFound("RESERVATION_NOT_FOUND"));
    }
    return actor
      .read((schedule, nowMs): Result<Reservation> => {
        const reservation = schedule.reservations.get(reservationId);
        return reservation === undefined
          ? notFound("RESERVATION_NOT_FOUND")
          : { ok: true, value: asSeenAt(reservation, nowMs) };
      })
      .then((result) => (result.ok ? result.value : result));
  }

  /** A user's reservations across every schedule, newest first. */
  reservationsOf(userId: string): Promise<Result<Reservation[]>> {
    return this.catalog.post((ctx) => {
      const ids = this.runtime.state.userReservations.get(userId) ?? [];
      const value: Reservation[] = [];
      for (let i = ids.length - 1; i >= 0; i -= 1) {
        const reservation = findReservation(this.runtime.state, ids[i] as string);
        if (reservation !== undefined) {
          value.push(asSeenAt(reservation, ctx.nowMs));
        }
      }
      return { ok: true, events: [], value };
    });
  }

  cancel(userId: string, reservationId: string): Promise<Result<Reservation>> {
    const actor = this.reservationActor(reservationId);
    if (actor === undefined) {
      return Promise.resolve(notFound("RESERVATION_NOT_FOUND"));
    }
    return actor.cancel(userId, reservationId);
  }

  pay(
    userId: string,
    reservationId: string,
    idempotencyKey?: IdempotencyKey,
  ): Promise<Result<PaymentReceipt>> {
    const actor = this.reservationActor(reservationId);
    if (actor === undefined) {
      return Promise.resolve(notFound("RESERVATION_NOT_FOUND"));
    }
    return actor.pay(userId, reservationId, idempotencyKey);
  }

  stop(): void {
    for (const actor of this.schedules.values()) {
      actor.stop();
    }
  }

  private walletActor(userId: string): WalletActor {
    return this.wallets[walletShardOf(userId, this.wallets.length)] as WalletActor;
  }

  private reservationActor(reservationId: string): ScheduleActor | undefined {
    const scheduleId = this.runtime.state.reservationSchedules.get(reservationId);
    return scheduleId === undefined ? undefined : this.schedules.get(scheduleId);
  }
}
