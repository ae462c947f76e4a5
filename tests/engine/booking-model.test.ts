import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkEngineInvariants } from "../../src/engine/engine-invariants.ts";
import { reservationsOfUser, scheduleOf, type EngineEvent } from "../../src/engine/engine-state.ts";
import {
  BALANCE_WON_MAX,
  CHARGE_WON_MAX,
  CHARGE_WON_MIN,
  IDEMPOTENCY_KEY_TTL_MS,
  SEATS_PER_HOLD_MAX,
  SEATS_PER_USER_PER_SCHEDULE_MAX,
} from "../../src/engine/limits.ts";
import type { RejectionCode } from "../../src/engine/rejection.ts";
import {
  reservationOf,
  SEAT_STATUS_NAMES,
  seatsHeldBy,
  type ReservationStatus,
  type SeatStatusName,
} from "../../src/engine/schedule.ts";
import {
  actionArb,
  BookingSystem,
  describeAction,
  HOLD_TTL_MS,
  replay,
  RICH_USER,
  RICH_USER_CHARGES,
  SCHEDULES,
  USERS,
  type Action,
  type ReservationRef,
  type StepOutcome,
  type UserRef,
} from "./booking-harness.ts";
import { T0_MS } from "./spec.ts";

/**
 * A deliberately simple model of the booking rules: plain arrays, seat status derived by scanning
 * reservations, balances as numbers. Every action runs against the real engine and the model, and
 * the two must agree on the outcome and on everything observable afterwards.
 */
interface ModelReservation {
  readonly id: string;
  readonly schedule: number;
  readonly user: number;
  readonly seats: readonly number[];
  readonly amount: number;
  readonly expiresAtMs: number;
  status: ReservationStatus;
}

interface ModelKey {
  readonly user: number;
  readonly key: string;
  readonly fingerprint: string;
  readonly transactionId: string;
  readonly balance: number;
  readonly atMs: number;
}

interface Model {
  nowMs: number;
  readonly balances: number[];
  readonly ledgers: { type: "CHARGE" | "PAYMENT"; amount: number }[][];
  readonly reservations: ModelReservation[];
  keys: ModelKey[];
}

function initialModel(): Model {
  const ledgers = USERS.map(() => [] as Model["ledgers"][number]);
  const balances = USERS.map(() => 0);
  for (const amount of RICH_USER_CHARGES) {
    ledgers[RICH_USER]?.push({ type: "CHARGE", amount });
    balances[RICH_USER] = (balances[RICH_USER] ?? 0) + amount;
  }
  return { nowMs: T0_MS, balances, ledgers, reservations: [], keys: [] };
}

function seatStatus(model: Model, schedule: number, seat: number): SeatStatusName {
  for (const r of model.reservations) {
    if (r.schedule === schedule && r.seats.includes(seat)) {
      if (r.status === "CONFIRMED") {
        return "BOOKED";
      }
      if (r.status === "HELD") {
        return "HELD";
      }
    }
  }
  return "AVAILABLE";
}

function seatsOwned(model: Model, schedule: number, user: number): number {
  return model.reservations
    .filter(
      (r) => r.schedule === schedule && r.user === user && (r.status === "HELD" || r.status === "CONFIRMED"),
    )
    .reduce((sum, r) => sum + r.seats.length, 0);
}

function reservationAt(model: Model, ref: ReservationRef): ModelReservation | undefined {
  return ref === null || model.reservations.length === 0
    ? undefined
    : model.reservations[model.reservations.length - 1 - (ref % model.reservations.length)];
}

function userAt(model: Model, ref: UserRef, reservation: ModelReservation | undefined): number {
  return ref === "owner" ? (reservation?.user ?? 0) : ref;
}

function isLive(r: ModelReservation, nowMs: number): boolean {
  return r.status === "HELD" && nowMs < r.expiresAtMs;
}

type Expected =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: RejectionCode; readonly details?: Record<string, unknown> };

const OK: Expected = { ok: true };

function refused(code: RejectionCode, details?: Record<string, unknown>): Expected {
  return details === undefined ? { ok: false, code } : { ok: false, code, details };
}

function expectOutcome(outcome: StepOutcome, expected: Expected): void {
  if (expected.ok) {
    expect(outcome.ok ? "accepted" : `refused ${outcome.rejection.code}`).toBe("accepted");
    return;
  }
  expect(outcome.ok ? "accepted" : outcome.rejection.code).toBe(expected.code);
  expect(outcome.ok ? undefined : outcome.rejection.details).toStrictEqual(expected.details);
}

function eventsOf(outcome: StepOutcome): EngineEvent[] {
  return outcome.ok ? outcome.events : [];
}

/** Runs one action on both sides and checks that the engine's answer is the model's. */
function step(model: Model, real: BookingSystem, action: Action): void {
  switch (action.kind) {
    case "charge":
      return charge(model, real, action);
    case "hold":
      return hold(model, real, action);
    case "cancel":
      return cancel(model, real, action);
    case "pay":
      return pay(model, real, action);
    case "expire": {
      const r = reservationAt(model, action.reservation);
      const due = r !== undefined && r.status === "HELD" && model.nowMs >= r.expiresAtMs;
      const outcome = real.run(action);
      expectOutcome(outcome, OK);
      expect(eventsOf(outcome)).toStrictEqual(due ? [holdExpiredOf(real, r, model.nowMs)] : []);
      if (due) {
        r.status = "EXPIRED";
      }
      return;
    }
    case "advance":
      model.nowMs += action.byMs;
      return advance(model, real, action);
    case "advanceToDeadline": {
      const r = reservationAt(model, action.reservation);
      if (r !== undefined) {
        model.nowMs = Math.max(model.nowMs, r.expiresAtMs + action.offsetMs);
      }
      return advance(model, real, action);
    }
    case "restart": {
      const live = real.restart();
      expect(real.state, "replaying the journal rebuilds the live state").toStrictEqual(live);
      return;
    }
  }
}

function holdExpiredOf(real: BookingSystem, r: ModelReservation, atMs: number): EngineEvent {
  return { type: "HoldExpired", scheduleId: real.scheduleIds[r.schedule] ?? "?", reservationId: r.id, atMs };
}

function advance(model: Model, real: BookingSystem, action: Action & { fireTimers: boolean }): void {
  const due = action.fireTimers
    ? model.reservations.filter((r) => r.status === "HELD" && model.nowMs >= r.expiresAtMs)
    : [];
  const outcome = real.run(action);
  expect(real.nowMs).toBe(model.nowMs);
  expectOutcome(outcome, OK);
  expect(eventsOf(outcome)).toStrictEqual(due.map((r) => holdExpiredOf(real, r, model.nowMs)));
  for (const r of due) {
    r.status = "EXPIRED";
  }
}

function charge(model: Model, real: BookingSystem, action: Extract<Action, { kind: "charge" }>): void {
  const { user, amount, key } = action;
  const fingerprint = `charge:${amount}`;
  const balance = model.balances[user] ?? 0;
  const remembered = key === null ? undefined : model.keys.find((k) => k.user === user && k.key === key);
  const outcome = real.run(action);
  if (remembered !== undefined) {
    if (remembered.fingerprint !== fingerprint) {
      return expectOutcome(outcome, refused("IDEMPOTENCY_KEY_REUSED"));
    }
    // The same key and request: the original receipt, and nothing happens again.
    expect(outcome).toStrictEqual({
      ok: true,
      events: [],
      replayed: { userId: USERS[user], balance: remembered.balance, transactionId: remembered.transactionId },
    });
    return;
  }
  if (!Number.isSafeInteger(amount) || amount < CHARGE_WON_MIN || amount > CHARGE_WON_MAX) {
    return expectOutcome(outcome, refused("VALIDATION_FAILED"));
  }
  if (balance + amount > BALANCE_WON_MAX) {
    return expectOutcome(outcome, refused("BALANCE_LIMIT_EXCEEDED", { balance }));
  }
  expectOutcome(outcome, OK);
  const [charged, recorded, ...rest] = eventsOf(outcome);
  expect(rest).toEqual([]);
  expect(charged).toMatchObject({
    type: "BalanceCharged",
    userId: USERS[user],
    amount,
    balanceAfter: balance + amount,
  });
  expect(charged?.type === "BalanceCharged" ? charged.atMs : undefined).toBe(model.nowMs);
  model.balances[user] = balance + amount;
  model.ledgers[user]?.push({ type: "CHARGE", amount });
  if (key === null) {
    expect(recorded).toBeUndefined();
    return;
  }
  expect(recorded).toMatchObject({ type: "IdempotencyKeyRecorded", userId: USERS[user], key, fingerprint });
  // Keys are forgotten, oldest first, once a key is recorded 24 hours or more after them.
  model.keys = model.keys.filter((k) => k.atMs > model.nowMs - IDEMPOTENCY_KEY_TTL_MS);
  model.keys.push({
    user,
    key,
    fingerprint,
    transactionId: charged?.type === "BalanceCharged" ? charged.transactionId : "?",
    balance: balance + amount,
    atMs: model.nowMs,
  });
}

function hold(model: Model, real: BookingSystem, action: Extract<Action, { kind: "hold" }>): void {
  const { user, schedule, seats } = action;
  const spec = SCHEDULES[schedule];
  expect(spec).toBeDefined();
  const seatCount = spec?.seatCount ?? 0;
  const price = spec?.price ?? 0;
  const outcome = real.run(action);
  if (seats.length === 0 || seats.length > SEATS_PER_HOLD_MAX || new Set(seats).size !== seats.length) {
    return expectOutcome(outcome, refused("VALIDATION_FAILED"));
  }
  const missing = seats.filter((n) => n < 1 || n > seatCount);
  if (missing.length > 0) {
    return expectOutcome(outcome, refused("SEAT_NOT_FOUND", { seatNumbers: missing }));
  }
  // A hold past its deadline keeps its seats until its ExpireHold message is handled.
  const unavailable = seats.filter((n) => seatStatus(model, schedule, n) !== "AVAILABLE");
  if (unavailable.length > 0) {
    return expectOutcome(outcome, refused("SEAT_UNAVAILABLE", { seatNumbers: unavailable }));
  }
  if (seatsOwned(model, schedule, user) + seats.length > SEATS_PER_USER_PER_SCHEDULE_MAX) {
    return expectOutcome(outcome, refused("HOLD_LIMIT_REACHED"));
  }
  expectOutcome(outcome, OK);
  const [held, ...rest] = eventsOf(outcome);
  expect(rest).toEqual([]);
  expect(held).toMatchObject({
    type: "SeatsHeld",
    scheduleId: real.scheduleIds[schedule],
    userId: USERS[user],
    seatNumbers: seats,
    amount: price * seats.length,
    atMs: model.nowMs,
    expiresAtMs: model.nowMs + HOLD_TTL_MS,
  });
  model.reservations.push({
    id: held?.type === "SeatsHeld" ? held.reservationId : "?",
    schedule,
    user,
    seats: [...seats],
    amount: price * seats.length,
    expiresAtMs: model.nowMs + HOLD_TTL_MS,
    status: "HELD",
  });
}

function cancel(model: Model, real: BookingSystem, action: Extract<Action, { kind: "cancel" }>): void {
  const r = reservationAt(model, action.reservation);
  const user = userAt(model, action.user, r);
  const outcome = real.run(action);
  if (r === undefined) {
    return expectOutcome(outcome, refused("RESERVATION_NOT_FOUND"));
  }
  if (r.user !== user) {
    return expectOutcome(outcome, refused("NOT_OWNER"));
  }
  if (!isLive(r, model.nowMs)) {
    return expectOutcome(outcome, refused("RESERVATION_NOT_HELD"));
  }
  expectOutcome(outcome, OK);
  expect(eventsOf(outcome)).toStrictEqual([
    {
      type: "HoldCancelled",
      scheduleId: real.scheduleIds[r.schedule],
      reservationId: r.id,
      atMs: model.nowMs,
    },
  ]);
  r.status = "CANCELLED";
}

function pay(model: Model, real: BookingSystem, action: Extract<Action, { kind: "pay" }>): void {
  const r = reservationAt(model, action.reservation);
  const user = userAt(model, action.user, r);
  const balance = model.balances[user] ?? 0;
  const outcome = real.run(action);
  if (r === undefined) {
    return expectOutcome(outcome, refused("RESERVATION_NOT_FOUND"));
  }
  if (r.user !== user) {
    return expectOutcome(outcome, refused("NOT_OWNER"));
  }
  if (r.status === "CONFIRMED") {
    return expectOutcome(outcome, refused("ALREADY_PAID"));
  }
  if (!isLive(r, model.nowMs)) {
    return expectOutcome(outcome, refused("HOLD_EXPIRED"));
  }
  if (balance < r.amount) {
    return expectOutcome(outcome, refused("INSUFFICIENT_BALANCE", { balance, amount: r.amount }));
  }
  expectOutcome(outcome, OK);
  const [confirmed, debited, used, ...rest] = eventsOf(outcome);
  expect(rest).toEqual([]);
  // The payment spends the token it was made with, in the same decision.
  expect(used).toMatchObject({ type: "TokenUsed", concertId: real.concertId, atMs: model.nowMs });
  expect(confirmed).toMatchObject({
    type: "ReservationConfirmed",
    scheduleId: real.scheduleIds[r.schedule],
    reservationId: r.id,
    atMs: model.nowMs,
  });
  expect(debited).toMatchObject({
    type: "PaymentDebited",
    userId: USERS[user],
    reservationId: r.id,
    amount: r.amount,
    balanceAfter: balance - r.amount,
    atMs: model.nowMs,
  });
  const paymentIdOf = (event: EngineEvent | undefined): string | undefined =>
    event?.type === "ReservationConfirmed" || event?.type === "PaymentDebited" ? event.paymentId : undefined;
  expect(paymentIdOf(confirmed)).toBe(paymentIdOf(debited));
  model.balances[user] = balance - r.amount;
  model.ledgers[user]?.push({ type: "PAYMENT", amount: r.amount });
  r.status = "CONFIRMED";
}

/** What can be observed of the engine, projected to plain data so it compares fast. */
function observe(real: BookingSystem) {
  const { state } = real;
  const schedules = real.scheduleIds.map((scheduleId) => scheduleOf(state, scheduleId));
  return {
    nowMs: real.nowMs,
    seatMaps: schedules.map((schedule) => [...schedule.seats].map((byte) => SEAT_STATUS_NAMES[byte])),
    seatsByUser: schedules.map((schedule) => USERS.map((userId) => seatsHeldBy(schedule, userId))),
    reservations: real.reservationIds().map((id) => {
      const r = reservationOf(real.scheduleOfReservation(id), id);
      return [id, r?.userId, r?.seatNumbers, r?.amount, r?.expiresAtMs, r?.status];
    }),
    // Oldest first, as the model keeps them.
    userReservations: USERS.map((userId) =>
      reservationsOfUser(state, userId)
        .map((r) => r.reservationId)
        .reverse(),
    ),
    wallets: USERS.map((userId) => {
      const wallet = state.wallets.get(userId);
      return [wallet?.balance, wallet?.transactions.map((t) => `${t.type} ${t.amount}`)];
    }),
    keys: [...state.idempotency.records.values()].map((r) => `${r.userId}/${r.key}/${r.fingerprint}`),
  };
}

/** The same projection, as the model predicts it. */
function predict(model: Model): ReturnType<typeof observe> {
  return {
    nowMs: model.nowMs,
    seatMaps: SCHEDULES.map((spec, index) =>
      Array.from({ length: spec.seatCount }, (_, i) => seatStatus(model, index, i + 1)),
    ),
    seatsByUser: SCHEDULES.map((_, index) => USERS.map((_, user) => seatsOwned(model, index, user))),
    reservations: model.reservations.map((r) => [
      r.id,
      USERS[r.user],
      r.seats,
      r.amount,
      r.expiresAtMs,
      r.status,
    ]),
    userReservations: USERS.map((_, user) =>
      model.reservations.filter((r) => r.user === user).map((r) => r.id),
    ),
    wallets: USERS.map((_, user) => {
      const ledger = model.ledgers[user] ?? [];
      // A wallet exists once money has moved; a user who never charged has none.
      return ledger.length === 0
        ? [undefined, undefined]
        : [model.balances[user], ledger.map((t) => `${t.type} ${t.amount}`)];
    }),
    keys: model.keys.map((k) => `${USERS[k.user]}/${k.key}/${k.fingerprint}`),
  };
}

/** Everything observable must agree with the model, and the engine's own invariants must hold. */
function checkInvariants(model: Model, real: BookingSystem): void {
  checkEngineInvariants(real.state);
  const observed = observe(real);
  const predicted = predict(model);
  // Compare as text first (fast); on a difference let vitest print a readable diff.
  if (JSON.stringify(observed) !== JSON.stringify(predicted)) {
    expect(observed).toEqual(predicted);
  }
}

class ActionCommand implements fc.Command<Model, BookingSystem> {
  constructor(readonly action: Action) {}

  check(): boolean {
    return true;
  }

  run(model: Model, real: BookingSystem): void {
    step(model, real, this.action);
    checkInvariants(model, real);
  }

  toString(): string {
    return describeAction(this.action);
  }
}

describe("the booking engine against a simple model", () => {
  it("agrees with the model on every outcome, keeps every invariant, and replays to the live state", () => {
    const commands = fc.commands([actionArb.map((action) => new ActionCommand(action))], {
      maxCommands: 60,
      size: "max",
    });
    fc.assert(
      fc.property(commands, (cmds) => {
        const model = initialModel();
        const real = new BookingSystem({ checkPurity: false });
        checkInvariants(model, real);
        fc.modelRun(() => ({ model, real }), cmds);
        expect(replay(real.journal), "replaying the whole journal rebuilds the live state").toStrictEqual(
          real.state,
        );
      }),
      { numRuns: 300 },
    );
  });
});
