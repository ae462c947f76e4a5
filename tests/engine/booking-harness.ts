import { isDeepStrictEqual } from "node:util";
import fc from "fast-check";
import { expect } from "vitest";
import { decideCreateConcert } from "../../src/engine/concert-setup.ts";
import { assert, type DecideContext, type Decision } from "../../src/engine/decider.ts";
import {
  evolveEngine,
  initialEngineState,
  scheduleOf,
  scheduleOfReservation,
  waitingRoomOf,
  type EngineEvent,
  type EngineState,
} from "../../src/engine/engine-state.ts";
import { checkIdempotencyKey, idempotencyKeyRecorded } from "../../src/engine/idempotency.ts";
import {
  BALANCE_WON_MAX,
  CHARGE_WON_MAX,
  CHARGE_WON_MIN,
  IDEMPOTENCY_KEY_TTL_MS,
} from "../../src/engine/limits.ts";
import { decidePayment } from "../../src/engine/payment.ts";
import { chargeReceiptOf, type ChargeReceipt } from "../../src/engine/receipts.ts";
import type { Rejection } from "../../src/engine/rejection.ts";
import {
  decideSchedule,
  reservationOf,
  type ScheduleCommand,
  type ScheduleEvent,
  type ScheduleState,
} from "../../src/engine/schedule.ts";
import {
  decideWaitingRoom,
  liveTokenOfUser,
  QUEUE_TOKEN_SECRET_LENGTH_MIN,
  WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
} from "../../src/engine/waiting-room/index.ts";
import { decideWallet, initialWalletState } from "../../src/engine/wallet.ts";
import { T0_MS } from "./spec.ts";

/**
 * The booking engine as the actors drive it, minus the actors: the real deciders and
 * `evolveEngine` over one `EngineState`, a journal that is a plain array, a clock the test moves
 * and ids from a counter. Random action lists run against it in the model-based and purity tests.
 */

/** Two small schedules, so seats run out and users collide. */
export const SCHEDULES = [
  { seatCount: 6, price: 150_000 },
  { seatCount: 10, price: 400_000 },
] as const;
export const USERS = ["u0", "u1", "u2", "u3"] as const;
/** u3 starts one won below the balance limit, so both sides of BALANCE_LIMIT_EXCEEDED are reachable. */
export const RICH_USER = 3;
export const RICH_USER_CHARGES: readonly number[] = [
  ...Array.from({ length: BALANCE_WON_MAX / CHARGE_WON_MAX - 1 }, () => CHARGE_WON_MAX),
  CHARGE_WON_MAX - 1,
];
export const HOLD_TTL_MS = 60_000;
export const IDEMPOTENCY_KEYS = ["k-1", "k-2"] as const;

/**
 * A reservation is named by how many reservations back from the newest it is (wrapped around), so
 * the small numbers fast-check favours name recent, still live holds; null names an unknown one.
 */
export type ReservationRef = number | null;
/** A user by index, or the owner of the reservation the action names. */
export type UserRef = number | "owner";

export type Action =
  | { readonly kind: "charge"; readonly user: number; readonly amount: number; readonly key: string | null }
  | {
      readonly kind: "hold";
      readonly user: number;
      readonly schedule: number;
      readonly seats: readonly number[];
    }
  | { readonly kind: "cancel"; readonly user: UserRef; readonly reservation: ReservationRef }
  | { readonly kind: "pay"; readonly user: UserRef; readonly reservation: ReservationRef }
  | { readonly kind: "expire"; readonly reservation: ReservationRef }
  | { readonly kind: "advance"; readonly byMs: number; readonly fireTimers: boolean }
  | {
      readonly kind: "advanceToDeadline";
      readonly reservation: ReservationRef;
      readonly offsetMs: -1 | 0;
      readonly fireTimers: boolean;
    }
  | { readonly kind: "restart" };

export const UNKNOWN_RESERVATION_ID = "no-such-reservation";

function seatPricesAround(): number[] {
  return SCHEDULES.flatMap(({ price }) => [price - 1, price, 2 * price - 1, 2 * price]);
}

const userArb = fc.nat({ max: USERS.length - 1 });
const reservationArb: fc.Arbitrary<ReservationRef> = fc.option(
  fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 2 }) }, { weight: 1, arbitrary: fc.nat({ max: 50 }) }),
  { nil: null, freq: 10 },
);
const userRefArb: fc.Arbitrary<UserRef> = fc.oneof(
  { weight: 4, arbitrary: fc.constant("owner" as const) },
  { weight: 1, arbitrary: userArb },
);

export const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("charge" as const),
      user: userArb,
      amount: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: CHARGE_WON_MAX }) },
        // The bounds (from the rich user's start, 1 won reaches the balance limit and 2 pass it), and a
        // won either side of what one or two seats cost, so payments meet balances exactly.
        {
          weight: 3,
          arbitrary: fc.constantFrom(
            CHARGE_WON_MIN,
            CHARGE_WON_MIN + 1,
            CHARGE_WON_MAX,
            ...seatPricesAround(),
          ),
        },
        { weight: 1, arbitrary: fc.constantFrom(0, -1, CHARGE_WON_MAX + 1, 2.5, Number.NaN) },
      ),
      key: fc.option(fc.constantFrom(...IDEMPOTENCY_KEYS), { nil: null, freq: 2 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.nat({ max: SCHEDULES.length - 1 }).chain((schedule) =>
      fc.record({
        kind: fc.constant("hold" as const),
        user: userArb,
        schedule: fc.constant(schedule),
        seats: fc.oneof(
          {
            weight: 4,
            arbitrary: fc.uniqueArray(fc.integer({ min: 1, max: SCHEDULES[schedule]?.seatCount ?? 1 }), {
              minLength: 1,
              maxLength: 4,
            }),
          },
          // Duplicates, seats 0 and N + 1, empty and oversized holds.
          { weight: 1, arbitrary: fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 0, maxLength: 5 }) },
        ),
      }),
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      user: userRefArb,
      reservation: reservationArb,
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("pay" as const),
      user: userRefArb,
      reservation: reservationArb,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("expire" as const), reservation: reservationArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      byMs: fc.oneof(
        { weight: 6, arbitrary: fc.integer({ min: 1, max: HOLD_TTL_MS / 4 }) },
        { weight: 1, arbitrary: fc.constant(HOLD_TTL_MS) },
        { weight: 1, arbitrary: fc.constant(IDEMPOTENCY_KEY_TTL_MS) },
      ),
      fireTimers: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("advanceToDeadline" as const),
      reservation: reservationArb,
      offsetMs: fc.constantFrom(-1 as const, 0 as const),
      fireTimers: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
);

export function describeAction(action: Action): string {
  const { kind, ...rest } = action;
  return `${kind}(${JSON.stringify(rest, (_key, value: unknown) => (Number.isNaN(value) ? "NaN" : value))})`;
}

/** What one action did: the events it recorded, or the rejection; a keyed replay answers its receipt. */
export type StepOutcome =
  | { readonly ok: true; readonly events: EngineEvent[]; readonly replayed?: ChargeReceipt }
  | { readonly ok: false; readonly rejection: Rejection };

export function replay(events: readonly EngineEvent[]): EngineState {
  let state = initialEngineState();
  for (const event of events) {
    state = evolveEngine(state, event);
  }
  return state;
}

export interface BookingSystemOptions {
  /** Check around every decide (after the setup) that it left the state exactly as it found it. */
  readonly checkPurity: boolean;
}

export class BookingSystem {
  state: EngineState = initialEngineState();
  readonly journal: EngineEvent[] = [];
  nowMs = T0_MS;
  readonly scheduleIds: string[];
  readonly concertId: string;
  private idCount = 0;
  private readonly newId = (): string => {
    this.idCount += 1;
    return `id-${this.idCount}`;
  };

  private checkPurity = false;

  constructor(options: BookingSystemOptions) {
    const created = this.decided(() =>
      decideCreateConcert(
        this.state,
        {
          type: "CreateConcert",
          title: "Model Concert",
          onSaleAtMs: null,
          schedules: SCHEDULES.map((s) => ({ startsAtMs: T0_MS + 86_400_000, ...s })),
        },
        WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
        this.ctx(),
      ),
    );
    assert(created.ok, "the model concert is valid");
    this.apply(created.events);
    const concert = created.events[0];
    assert(concert?.type === "ConcertCreated", "a concert was created");
    this.concertId = concert.concertId;
    this.scheduleIds = concert.schedules.map((s) => s.scheduleId);
    for (const amount of RICH_USER_CHARGES) {
      const outcome = this.run({ kind: "charge", user: RICH_USER, amount, key: null });
      assert(outcome.ok, "the rich user's charges fit under the limit");
    }
    this.checkPurity = options.checkPurity;
  }

  ctx(): DecideContext {
    return { nowMs: this.nowMs, newId: this.newId };
  }

  /** Reservation ids in creation order, which is the order of their numbers. */
  reservationIds(): string[] {
    return [...this.state.reservationLookup.reservationIds];
  }

  reservationIdOf(ref: ReservationRef): string {
    const ids = this.reservationIds();
    return ref === null || ids.length === 0
      ? UNKNOWN_RESERVATION_ID
      : (ids[ids.length - 1 - (ref % ids.length)] ?? UNKNOWN_RESERVATION_ID);
  }

  /** The schedule that owns a reservation; an unknown one is asked of the first schedule, which refuses it. */
  scheduleOfReservation(reservationId: string): ScheduleState {
    const first = this.scheduleIds[0];
    assert(first !== undefined, "the model has schedules");
    return scheduleOfReservation(this.state, reservationId) ?? scheduleOf(this.state, first);
  }

  userOf(ref: UserRef, reservationId: string): string {
    if (ref === "owner") {
      return reservationOf(this.scheduleOfReservation(reservationId), reservationId)?.userId ?? USERS[0];
    }
    const userId = USERS[ref];
    assert(userId !== undefined, `no user ${ref}`);
    return userId;
  }

  run(action: Action): StepOutcome {
    switch (action.kind) {
      case "charge":
        return this.charge(action.user, action.amount, action.key);
      case "hold": {
        const scheduleId = this.scheduleIds[action.schedule];
        const userId = USERS[action.user];
        assert(scheduleId !== undefined && userId !== undefined, "a known schedule and user");
        const command: ScheduleCommand = {
          type: "HoldSeats",
          userId,
          seatNumbers: action.seats,
          holdTtlMs: HOLD_TTL_MS,
        };
        return this.applied(
          this.decided(() => decideSchedule(scheduleOf(this.state, scheduleId), command, this.ctx())),
        );
      }
      case "cancel": {
        const reservationId = this.reservationIdOf(action.reservation);
        const command: ScheduleCommand = {
          type: "CancelHold",
          userId: this.userOf(action.user, reservationId),
          reservationId,
        };
        return this.applied(
          this.decided(() => decideSchedule(this.scheduleOfReservation(reservationId), command, this.ctx())),
        );
      }
      case "pay": {
        const reservationId = this.reservationIdOf(action.reservation);
        const userId = this.userOf(action.user, reservationId);
        // Read the wallet as the actor does: no wallet is created for a user who never charged.
        const wallet = this.state.wallets.get(userId) ?? initialWalletState(userId);
        const token = this.activeToken(userId);
        return this.applied(
          this.decided(() =>
            decidePayment(
              this.scheduleOfReservation(reservationId),
              wallet,
              waitingRoomOf(this.state, this.concertId),
              { type: "PayReservation", userId, reservationId, token },
              this.ctx(),
            ),
          ),
        );
      }
      case "expire":
        return { ok: true, events: this.expire(this.reservationIdOf(action.reservation)) };
      case "advance":
        this.nowMs += action.byMs;
        return { ok: true, events: action.fireTimers ? this.fireDueTimers() : [] };
      case "advanceToDeadline": {
        const reservationId = this.reservationIdOf(action.reservation);
        const reservation = reservationOf(this.scheduleOfReservation(reservationId), reservationId);
        if (reservation !== undefined) {
          this.nowMs = Math.max(this.nowMs, reservation.expiresAtMs + action.offsetMs);
        }
        return { ok: true, events: action.fireTimers ? this.fireDueTimers() : [] };
      }
      case "restart":
        this.restart();
        return { ok: true, events: [] };
    }
  }

  /** Recovers by replaying the journal from nothing; answers the state it replaced. */
  restart(): EngineState {
    const before = this.state;
    this.state = replay(this.journal);
    return before;
  }

  /** Sends ExpireHold, as the schedule's timer does, for every HELD reservation whose deadline has come. */
  fireDueTimers(): EngineEvent[] {
    const events: EngineEvent[] = [];
    for (const reservationId of this.reservationIds()) {
      const reservation = reservationOf(this.scheduleOfReservation(reservationId), reservationId);
      if (reservation?.status === "HELD" && reservation.expiresAtMs <= this.nowMs) {
        events.push(...this.expire(reservationId));
      }
    }
    return events;
  }

  private expire(reservationId: string): ScheduleEvent[] {
    const schedule = this.scheduleOfReservation(reservationId);
    const decision = this.decided(() =>
      decideSchedule(schedule, { type: "ExpireHold", reservationId }, this.ctx()),
    );
    assert(decision.ok, "ExpireHold is never refused");
    this.apply(decision.events);
    return decision.events;
  }

  /** A charge, under an idempotency key when given, the way the wallet actor's keyed turn runs it. */
  private charge(user: number, amount: number, key: string | null): StepOutcome {
    const userId = USERS[user];
    assert(userId !== undefined, `no user ${user}`);
    const fingerprint = `charge:${amount}`;
    if (key !== null) {
      const check = checkIdempotencyKey(this.state.idempotency, userId, key, fingerprint);
      if (check.kind === "reused") {
        return { ok: false, rejection: check.rejection };
      }
      if (check.kind === "replay") {
        assert(check.result.kind === "charge", "a charge key replays a charge");
        return { ok: true, events: [], replayed: check.result.receipt };
      }
    }
    const wallet = this.state.wallets.get(userId) ?? initialWalletState(userId);
    const decision = this.decided(() =>
      decideWallet(wallet, { type: "ChargeBalance", userId, amount }, this.ctx()),
    );
    if (!decision.ok) {
      return decision;
    }
    const events: EngineEvent[] = [...decision.events];
    if (key !== null) {
      const receipt = chargeReceiptOf(decision.events, wallet);
      events.push(idempotencyKeyRecorded(userId, key, fingerprint, { kind: "charge", receipt }, this.nowMs));
    }
    this.apply(events);
    return { ok: true, events };
  }

  /**
   * The user's live queue token, or a new one, decided and journaled first: a fan takes a token
   * before paying, and the payment spends it. The room is open and roomy, so a token is ACTIVE at once.
   */
  private activeToken(userId: string): string {
    const room = waitingRoomOf(this.state, this.concertId);
    const live = liveTokenOfUser(room, userId, this.nowMs);
    if (live !== undefined) {
      return live;
    }
    // Token secrets are longer than this harness's ids: pad them to the shortest secret accepted.
    const ctx = {
      nowMs: this.nowMs,
      newId: () => this.newId().padEnd(QUEUE_TOKEN_SECRET_LENGTH_MIN, "-"),
    };
    const issued = this.decided(() =>
      decideWaitingRoom(room, { type: "IssueToken", concertId: this.concertId, userId }, ctx),
    );
    assert(issued.ok, "a fan can always take a token in the model's room");
    this.apply(issued.events);
    const token = liveTokenOfUser(room, userId, this.nowMs);
    assert(token !== undefined, "the token just issued is live");
    return token;
  }

  private applied<E extends EngineEvent>(decision: Decision<E>): StepOutcome {
    if (!decision.ok) {
      return decision;
    }
    this.apply(decision.events);
    return { ok: true, events: decision.events };
  }

  private apply(events: readonly EngineEvent[]): void {
    for (const event of events) {
      evolveEngine(this.state, event);
      this.journal.push(event);
    }
  }

  private decided<E>(decide: () => Decision<E>): Decision<E> {
    if (!this.checkPurity) {
      return decide();
    }
    const before = structuredClone(this.state);
    const decision = decide();
    // isDeepStrictEqual is fast; on a difference, let vitest print the diff.
    if (!isDeepStrictEqual(this.state, before)) {
      expect(this.state, "decide must not change the state it decides on").toStrictEqual(before);
    }
    return decision;
  }
}
