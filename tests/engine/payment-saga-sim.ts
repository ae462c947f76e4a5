/**
 * A deterministic simulation of the cross-shard payment saga, after TigerBeetle's VOPR: the real
 * deciders of both sides (src/engine/payment-saga.ts on the schedule's shard, wallet-reservation.ts on
 * the wallet's shard), each over a simulated journal, a simulated network and a simulated clock, driven
 * by clients that charge, hold, cancel and pay. Everything random comes from one seeded generator, so
 * one seed is one whole run, and any failure reproduces from its seed.
 *
 * - Journal: a side's durable entries, one per decision (a decision's events are one entry, as one
 *   SQLite transaction is). Every write is a crash point, in two phases: `before` (the entry is lost)
 *   and `after` (it is durable, but the side dies before it replies or sends anything). A crashed side
 *   is down for a while, then restarts from its journal by folding its entries with the real `evolve`;
 *   a restarted coordinator re-sends what `unfinishedSagas` names, as a real one would.
 * - Network: messages between the sides are dropped, duplicated and delayed by random amounts, which
 *   reorders them; messages to a side that is down are lost.
 * - Clock: every step advances it; holds expire (the coordinator's timer decides `ExpireHold` and the
 *   aborts `abortsDue` names), and queue tokens expire.
 *
 * A run has two phases: chaos (faults, crashes, clients), then healing (no faults, every side up, no new
 * clients) until every saga settles. The checker then verifies the guarantees (see `checkSettled`).
 * A seed is `"<n>"` for a run whose crashes are random, `"<n>@none"` for the same clients and network
 * without crashes, or `"<n>@<side>:<write>:<phase>"` for that run with exactly one crash, at that write
 * of that side (the systematic runs: up to the crash, such a run is the `@none` run step for step).
 */
import { decideCreateConcert } from "../../src/engine/concert-setup.ts";
import type { DecideContext, Decision } from "../../src/engine/decider.ts";
import type { Rejection, RejectionCode } from "../../src/engine/rejection.ts";
import {
  evolveEngine,
  initialEngineState,
  scheduleOf,
  waitingRoomOf,
  type EngineEvent,
  type EngineState,
} from "../../src/engine/engine-state.ts";
import {
  decidePaymentSaga,
  evolvePaymentSaga,
  initialPaymentSagaState,
  isPaymentSagaEvent,
  nextMessageOf,
  abortsDue,
  commandOnFundsAnswer,
  paymentAnswerOf,
  unfinishedSagas,
  type PaymentSagaAnswer,
  type PaymentSagaCommand,
  type PaymentSagaEvent,
  type PaymentSagaState,
  type SagaMessage,
} from "../../src/engine/payment-saga.ts";
import {
  decideSchedule,
  RESERVATION_HELD,
  type ScheduleCommand,
  type ScheduleState,
} from "../../src/engine/schedule.ts";
import { seededRandom, type Random } from "../../src/engine/seeded-random.ts";
import {
  decideWaitingRoom,
  liveTokenOfUser,
  WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
  type WaitingRoomCommand,
  type WaitingRoomState,
} from "../../src/engine/waiting-room/index.ts";
import {
  decideFunds,
  fundsAnswerOf,
  type FundsAnswer,
  type FundsCommand,
} from "../../src/engine/wallet-reservation.ts";
import {
  decideWallet,
  evolveWallet,
  initialWalletState,
  spendableBalance,
  type FundsEvent,
  type WalletEvent,
  type WalletState,
} from "../../src/engine/wallet.ts";

/** The deciders a run uses; a test swaps one for a broken variant to prove the checker catches it. */
export interface SimDeciders {
  readonly decideFunds: typeof decideFunds;
  readonly fundsAnswerOf: typeof fundsAnswerOf;
  readonly decidePaymentSaga: typeof decidePaymentSaga;
}

export const REAL_DECIDERS: SimDeciders = { decideFunds, fundsAnswerOf, decidePaymentSaga };

export type SideName = "coordinator" | "wallet";
export type CrashPhase = "before" | "after";

export interface CrashPoint {
  readonly side: SideName;
  /** The side's n-th journal write, from 1. */
  readonly write: number;
  readonly phase: CrashPhase;
}

export interface SimStats {
  readonly steps: number;
  readonly writes: Readonly<Record<SideName, number>>;
  readonly crashes: number;
  readonly messages: number;
  readonly dropped: number;
  readonly duplicated: number;
  readonly payments: number;
  readonly completed: number;
  readonly aborted: number;
  /** Payments the coordinator refused to start, by rejection code. */
  readonly refusedToStart: Readonly<Record<string, number>>;
}

export type SimResult =
  | { readonly ok: true; readonly seed: string; readonly stats: SimStats }
  | { readonly ok: false; readonly seed: string; readonly failure: string; readonly stats: SimStats };

/** The environment variable that replays one seed, and the command that does it. */
export const SEED_VARIABLE = "SAGA_SEED";
export function reproduceCommand(seed: string): string {
  return `${SEED_VARIABLE}='${seed}' npx vitest run tests/engine/payment-saga.simulation.test.ts`;
}

// The stage: one concert, one schedule of a few seats, a few fans.
const CONCERT_START_MS = 1_767_225_600_000;
const SEAT_COUNT = 8;
const SEAT_PRICE_WON = 50_000;
const USERS = ["u0", "u1", "u2"] as const;
const HOLD_TTL_MS = 4_000;
const TOKEN_ACTIVE_TTL_MS = 30_000;

// The chaos and how long things take, in simulated milliseconds.
const CHAOS_STEPS = 300;
const HEAL_STEPS_MAX = 3_000;
const STEP_MS_MAX = 100;
const NETWORK_DELAY_MS_MAX = 900;
const RESEND_INTERVAL_MS = 700;
const ADMIT_TICK_INTERVAL_MS = 2_000;
const DOWNTIME_MS_MIN = 100;
const DOWNTIME_MS_MAX = 3_000;
const CHARGE_WON_MAX_SIM = 160_000;

type CoordinatorEvent = EngineEvent | PaymentSagaEvent;
type WalletSideEvent = WalletEvent | FundsEvent;

interface CoordinatorState {
  readonly engine: EngineState;
  readonly sagas: PaymentSagaState;
}

type WalletSideState = Map<string, WalletState>;

/** A side (shard): its durable journal, and its state while it is up. */
interface Side<S, E> {
  readonly name: SideName;
  readonly journal: E[][];
  state: S | undefined;
  /** Restarts so far: part of every id the side makes, so a restart never reuses one. */
  epoch: number;
  ids: number;
  writes: number;
  downUntilMs: number;
  readonly fold: (journal: readonly E[][]) => S;
}

type Message =
  | { readonly to: "wallet"; readonly message: SagaMessage }
  | { readonly to: "coordinator"; readonly answer: FundsAnswer };

interface InFlight {
  readonly deliverAtMs: number;
  readonly order: number;
  readonly message: Message;
}

interface ClientPayment {
  readonly paymentId: string;
  readonly userId: string;
  readonly reservationId: string;
  readonly token: string;
  /** The last final answer the client saw; it must never change. */
  seen: "COMPLETED" | "ABORTED" | undefined;
}

/** A failed check: the run stops and reports it with its seed. */
class CheckFailed extends Error {
  override readonly name = "CheckFailed";
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new CheckFailed(message);
  }
}

function foldCoordinator(journal: readonly CoordinatorEvent[][]): CoordinatorState {
  const state: CoordinatorState = { engine: initialEngineState(), sagas: initialPaymentSagaState() };
  for (const entry of journal) {
    for (const event of entry) {
      applyCoordinator(state, event);
    }
  }
  return state;
}

function applyCoordinator(state: CoordinatorState, event: CoordinatorEvent): void {
  if (isPaymentSagaEvent(event)) {
    evolvePaymentSaga(state.sagas, event);
  } else {
    evolveEngine(state.engine, event);
  }
}

function foldWallets(journal: readonly WalletSideEvent[][]): WalletSideState {
  const wallets: WalletSideState = new Map();
  for (const entry of journal) {
    for (const event of entry) {
      applyWallet(wallets, event);
    }
  }
  return wallets;
}

function applyWallet(wallets: WalletSideState, event: WalletSideEvent): void {
  let wallet = wallets.get(event.userId);
  if (wallet === undefined) {
    wallet = initialWalletState(event.userId);
    wallets.set(event.userId, wallet);
  }
  evolveWallet(wallet, event);
}

/** Parses `"<n>"` or `"<n>@<side>:<write>:<phase>"`. */
export function parseSeed(seed: string): {
  readonly base: string;
  readonly crashes: "random" | "none" | CrashPoint;
} {
  const at = seed.indexOf("@");
  if (at < 0) {
    return { base: seed, crashes: "random" };
  }
  const base = seed.slice(0, at);
  if (seed.slice(at + 1) === "none") {
    return { base, crashes: "none" };
  }
  const [side, write, phase] = seed.slice(at + 1).split(":");
  if (
    (side !== "coordinator" && side !== "wallet") ||
    (phase !== "before" && phase !== "after") ||
    !/^[1-9][0-9]*$/.test(write ?? "")
  ) {
    throw new Error(
      `a seed is <n>, <n>@none or <n>@<coordinator|wallet>:<write>:<before|after>, not ${seed}`,
    );
  }
  return { base, crashes: { side, write: Number(write), phase } };
}

/** Runs the simulation of one seed with the given deciders. Never throws: a failure is a result. */
export function runSimulation(seed: string, deciders: SimDeciders = REAL_DECIDERS): SimResult {
  const sim = new Simulation(seed, deciders);
  try {
    sim.run();
    return { ok: true, seed, stats: sim.stats() };
  } catch (error) {
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { ok: false, seed, failure: `at ${sim.nowMs - CONCERT_START_MS} ms: ${what}`, stats: sim.stats() };
  }
}

class Simulation {
  readonly random: Random;
  readonly crashes: "random" | "none" | CrashPoint;
  /** Random runs: the chance of a crash at each write. */
  readonly crashChance: number;
  readonly dropChance: number;
  readonly duplicateChance: number;
  nowMs = CONCERT_START_MS;
  healing = false;
  step = 0;
  readonly coordinator: Side<CoordinatorState, CoordinatorEvent>;
  readonly wallet: Side<WalletSideState, WalletSideEvent>;
  network: InFlight[] = [];
  messageOrder = 0;
  lastResendMs = 0;
  lastAdmitTickMs = 0;
  counts = { crashes: 0, messages: 0, dropped: 0, duplicated: 0 };
  readonly payments: ClientPayment[] = [];
  /** Reservations each client was told it holds. */
  readonly heldBy = new Map<string, string[]>();
  readonly tokenOf = new Map<string, string>();
  /** When each sale's entry was journaled, by payment id, on the simulated clock. */
  readonly soldAtMs = new Map<string, number>();
  paymentIds = 0;
  readonly refusedToStart: Record<string, number> = {};

  constructor(
    readonly seed: string,
    readonly deciders: SimDeciders,
  ) {
    const { base, crashes } = parseSeed(seed);
    this.random = seededRandom(base);
    this.crashes = crashes;
    // Drawn in every run, so a run with a chosen crash draws the same numbers as its `@none` run.
    const crashChance = this.random.pick([0, 0.01, 0.03, 0.08]);
    this.crashChance = crashes === "random" ? crashChance : 0;
    this.dropChance = this.random.pick([0, 0.05, 0.2]);
    this.duplicateChance = this.random.pick([0, 0.05, 0.2]);
    this.coordinator = newSide("coordinator", foldCoordinator);
    this.wallet = newSide("wallet", foldWallets);
  }

  stats(): SimStats {
    const sagas = this.coordinator.state?.sagas.sagas;
    let completed = 0;
    let aborted = 0;
    for (const saga of sagas?.values() ?? []) {
      completed += saga.outcome === "COMPLETED" ? 1 : 0;
      aborted += saga.outcome === "ABORTED" ? 1 : 0;
    }
    return {
      steps: this.step,
      writes: { coordinator: this.coordinator.writes, wallet: this.wallet.writes },
      crashes: this.counts.crashes,
      messages: this.counts.messages,
      dropped: this.counts.dropped,
      duplicated: this.counts.duplicated,
      payments: this.payments.length,
      completed,
      aborted,
      refusedToStart: { ...this.refusedToStart },
    };
  }

  run(): void {
    this.setUp();
    for (; this.step < CHAOS_STEPS; this.step += 1) {
      this.tick();
      if (this.random.chance(0.35)) {
        this.clientAction();
      }
    }
    this.healing = true;
    for (let healed = 0; !this.settled(); healed += 1) {
      check(healed < HEAL_STEPS_MAX, "the sagas did not settle after the network healed");
      this.step += 1;
      this.tick();
    }
    this.checkSettled();
  }

  setUp(): void {
    const created = decideCreateConcert(
      initialEngineState(),
      {
        type: "CreateConcert",
        title: "Simulated",
        onSaleAtMs: null,
        schedules: [
          { startsAtMs: CONCERT_START_MS + 86_400_000, seatCount: SEAT_COUNT, price: SEAT_PRICE_WON },
        ],
      },
      { ...WAITING_ROOM_INTEGER_SETTINGS_DEFAULT, activeTtlMs: TOKEN_ACTIVE_TTL_MS },
      { nowMs: this.nowMs, newId: () => "genesis-concert" },
    );
    check(created.ok, "the concert is created");
    // The concert is there before the run; its creation is no crash point.
    this.coordinator.journal.push(created.events);
    this.coordinator.state = foldCoordinator(this.coordinator.journal);
    this.wallet.state = new Map();
  }

  // ---- time, timers and restarts ----

  tick(): void {
    this.nowMs += this.random.int(1, STEP_MS_MAX);
    for (const side of [this.coordinator, this.wallet] as const) {
      if (side.state === undefined && this.nowMs >= side.downUntilMs) {
        this.restart(side);
      }
    }
    this.deliverDue();
    this.coordinatorTimers();
  }

  restart(side: Side<CoordinatorState, CoordinatorEvent> | Side<WalletSideState, WalletSideEvent>): void {
    side.epoch += 1;
    if (side.name === "coordinator") {
      const coordinator = this.coordinator;
      coordinator.state = coordinator.fold(coordinator.journal);
      this.resendUnfinished(coordinator.state);
    } else {
      const wallet = this.wallet;
      wallet.state = wallet.fold(wallet.journal);
    }
  }

  coordinatorTimers(): void {
    const state = this.coordinator.state;
    if (state === undefined) {
      return;
    }
    const schedule = this.schedule(state);
    // The schedule actor's deadline watch: a due hold expires through its own command.
    for (let slot = 0; slot < schedule.holds.count; slot += 1) {
      if (
        schedule.holds.status[slot] === RESERVATION_HELD &&
        this.nowMs >= (schedule.holds.expiresAtMs[slot] as number)
      ) {
        const reservationId = schedule.holds.reservationIds[slot] as string;
        if (!this.decideOnSchedule({ type: "ExpireHold", reservationId })) {
          return;
        }
      }
    }
    const live = this.coordinator.state;
    if (live === undefined) {
      return;
    }
    for (const abort of abortsDue(live.sagas, this.schedule(live), this.nowMs)) {
      if (!this.decideSaga(abort)) {
        return;
      }
    }
    if (this.nowMs - this.lastAdmitTickMs >= ADMIT_TICK_INTERVAL_MS) {
      this.lastAdmitTickMs = this.nowMs;
      if (!this.decideOnRoom({ type: "AdmitTick", concertId: this.room(live).concertId }).ok) {
        return;
      }
    }
    const now = this.coordinator.state;
    if (now !== undefined && this.nowMs - this.lastResendMs >= RESEND_INTERVAL_MS) {
      this.lastResendMs = this.nowMs;
      this.resendUnfinished(now);
    }
  }

  resendUnfinished(state: CoordinatorState): void {
    for (const message of unfinishedSagas(state.sagas)) {
      this.send({ to: "wallet", message });
    }
  }

  // ---- the journal ----

  /**
   * Journals one entry on `side`: a crash point. Returns false when the side crashed (before the entry
   * was durable, or after, before it could act on it); the caller then does nothing more.
   */
  write<S, E>(side: Side<S, E>, events: E[], apply: (state: S, event: E) => void): boolean {
    side.writes += 1;
    const phase = this.crashPhase(side.name, side.writes);
    if (phase === "before") {
      this.crash(side);
      return false;
    }
    side.journal.push(events);
    const state = side.state;
    check(state !== undefined, `${side.name} wrote while down`);
    for (const event of events) {
      apply(state, event);
    }
    if (phase === "after") {
      this.crash(side);
      return false;
    }
    return true;
  }

  crashPhase(side: SideName, write: number): CrashPhase | undefined {
    const point = this.crashes;
    if (point !== "random") {
      // A chosen crash point may fall while the sagas settle, too: a restart then must not undo them.
      return point !== "none" && point.side === side && point.write === write ? point.phase : undefined;
    }
    // Random crashes stop when the network heals, so that the sagas can settle.
    if (!this.healing && this.crashChance > 0 && this.random.chance(this.crashChance)) {
      return this.random.chance(0.5) ? "before" : "after";
    }
    return undefined;
  }

  crash<S, E>(side: Side<S, E>): void {
    this.counts.crashes += 1;
    side.state = undefined;
    side.downUntilMs = this.nowMs + this.random.int(DOWNTIME_MS_MIN, DOWNTIME_MS_MAX);
  }

  context<S, E>(side: Side<S, E>): DecideContext {
    return {
      nowMs: this.nowMs,
      newId: () => {
        side.ids += 1;
        // At least 21 characters, as queue-token secrets must be, and unique across restarts.
        return `${side.name[0]}${String(side.epoch).padStart(5, "0")}x${String(side.ids).padStart(15, "0")}`;
      },
    };
  }

  // ---- the coordinator (the schedule's shard) ----

  schedule(state: CoordinatorState): ScheduleState {
    const scheduleId = state.engine.scheduleIds[0];
    check(scheduleId !== undefined, "the concert has its schedule");
    return scheduleOf(state.engine, scheduleId);
  }

  room(state: CoordinatorState): WaitingRoomState {
    return waitingRoomOf(state.engine, this.schedule(state).concertId);
  }

  /** A schedule command; false when the coordinator crashed on it. */
  decideOnSchedule(command: ScheduleCommand): boolean {
    return this.decideOnScheduleWithResult(command) !== "crashed";
  }

  decideOnScheduleWithResult(command: ScheduleCommand): Decision<EngineEvent> | "crashed" {
    const side = this.coordinator;
    const state = side.state;
    check(state !== undefined, "the coordinator decides while up");
    const decision = decideSchedule(this.schedule(state), command, this.context(side));
    if (
      decision.ok &&
      decision.events.length > 0 &&
      !this.write(side, decision.events, this.applyOnCoordinator)
    ) {
      return "crashed";
    }
    return decision;
  }

  decideOnRoom(command: WaitingRoomCommand): { readonly ok: boolean } {
    const side = this.coordinator;
    const state = side.state;
    check(state !== undefined, "the coordinator decides while up");
    const decision = decideWaitingRoom(this.room(state), command, this.context(side));
    if (decision.ok && decision.events.length > 0) {
      return { ok: this.write(side, decision.events, this.applyOnCoordinator) };
    }
    return { ok: true };
  }

  /**
   * A saga command on the coordinator, then what the actor would do once its entry is durable: send
   * the wallet the message the saga needs next. Returns false when the coordinator crashed, and the
   * rejection when it refused.
   */
  decideSaga(command: PaymentSagaCommand): boolean | Rejection {
    const side = this.coordinator;
    const state = side.state;
    check(state !== undefined, "the coordinator decides while up");
    const decision = this.deciders.decidePaymentSaga(
      state.sagas,
      this.schedule(state),
      this.room(state),
      command,
      this.context(side),
    );
    if (!decision.ok) {
      // Client commands may be refused; a step of the saga itself never is.
      check(
        command.type === "StartPayment",
        `the coordinator refused ${command.type} of ${command.paymentId}: ${decision.rejection.code}`,
      );
      const { code } = decision.rejection;
      this.refusedToStart[code] = (this.refusedToStart[code] ?? 0) + 1;
      return decision.rejection;
    }
    if (decision.events.length === 0) {
      return true;
    }
    if (!this.write(side, decision.events, this.applyOnCoordinator)) {
      return false;
    }
    const saga = state.sagas.sagas.get(command.paymentId);
    const message = saga === undefined ? undefined : nextMessageOf(saga);
    if (message !== undefined) {
      this.send({ to: "wallet", message });
    }
    return true;
  }

  /** `applyCoordinator` for live writes, noting when each sale became durable. */
  readonly applyOnCoordinator = (state: CoordinatorState, event: CoordinatorEvent): void => {
    if (event.type === "ReservationConfirmed") {
      this.soldAtMs.set(event.paymentId, this.nowMs);
    }
    applyCoordinator(state, event);
  };

  onFundsAnswer(answer: FundsAnswer): void {
    const state = this.coordinator.state;
    check(state !== undefined, "an answer reached a coordinator that is down");
    const command = commandOnFundsAnswer(state.sagas, answer);
    if (command !== undefined) {
      this.decideSaga(command);
    }
  }

  // ---- the wallet's shard ----

  onFundsCommand(command: FundsCommand): void {
    const side = this.wallet;
    const wallets = side.state;
    check(wallets !== undefined, "a message reached a wallet that is down");
    const wallet = wallets.get(command.userId) ?? initialWalletState(command.userId);
    const decision = this.deciders.decideFunds(wallet, command, this.context(side));
    check(
      decision.ok,
      `the wallet refused ${command.type} of ${command.paymentId}: ${decision.ok ? "" : decision.rejection.code}`,
    );
    if (decision.events.length > 0) {
      if (!this.write(side, decision.events, applyWallet)) {
        return;
      }
      this.checkSpendable(command.userId);
    }
    const answer = this.deciders.fundsAnswerOf(wallets.get(command.userId) ?? wallet, command.paymentId);
    if (answer !== undefined) {
      this.send({ to: "coordinator", answer });
    }
  }

  /**
   * A balance read never shows pending money as spendable: what the wallet says a user can spend equals
   * an independent count over its journal (charges, less posted payments, less reserves neither posted
   * nor voided), and is never below zero.
   */
  checkSpendable(userId: string): void {
    const wallet = this.wallet.state?.get(userId);
    if (wallet === undefined) {
      return;
    }
    let model = 0;
    const reserved = new Map<string, number>();
    for (const entry of this.wallet.journal) {
      for (const event of entry) {
        if (event.userId !== userId) {
          continue;
        }
        switch (event.type) {
          case "BalanceCharged":
            model += event.amount;
            break;
          case "PaymentDebited":
            model -= event.amount;
            break;
          case "FundsReserved":
            reserved.set(event.paymentId, event.amount);
            break;
          case "FundsPosted":
            model -= event.amount;
            reserved.delete(event.paymentId);
            break;
          case "FundsVoided":
            reserved.delete(event.paymentId);
            break;
          case "FundsReserveRefused":
            break;
        }
      }
    }
    for (const amount of reserved.values()) {
      model -= amount;
    }
    const spendable = spendableBalance(wallet);
    check(spendable === model, `${userId} is shown ${spendable} won spendable, but only ${model} is`);
    check(spendable >= 0, `${userId} is shown a negative spendable balance ${spendable}`);
  }

  // ---- the network ----

  send(message: Message): void {
    this.counts.messages += 1;
    if (!this.healing && this.random.chance(this.dropChance)) {
      this.counts.dropped += 1;
      return;
    }
    const copies = !this.healing && this.random.chance(this.duplicateChance) ? 2 : 1;
    this.counts.duplicated += copies - 1;
    for (let copy = 0; copy < copies; copy += 1) {
      this.messageOrder += 1;
      this.network.push({
        deliverAtMs: this.nowMs + this.random.int(1, NETWORK_DELAY_MS_MAX),
        order: this.messageOrder,
        message,
      });
    }
  }

  deliverDue(): void {
    const due = this.network.filter((inFlight) => inFlight.deliverAtMs <= this.nowMs);
    if (due.length === 0) {
      return;
    }
    this.network = this.network.filter((inFlight) => inFlight.deliverAtMs > this.nowMs);
    // Messages due in the same step arrive in a random order.
    for (let i = due.length - 1; i > 0; i -= 1) {
      const j = this.random.int(0, i);
      const held = due[i] as InFlight;
      due[i] = due[j] as InFlight;
      due[j] = held;
    }
    for (const { message } of due) {
      if (message.to === "wallet") {
        if (this.wallet.state !== undefined) {
          this.onFundsCommand(message.message);
        }
      } else if (this.coordinator.state !== undefined) {
        this.onFundsAnswer(message.answer);
      }
    }
  }

  // ---- clients ----

  clientAction(): void {
    const userId = this.random.pick(USERS);
    const roll = this.random.next();
    if (roll < 0.15) {
      this.charge(userId);
    } else if (roll < 0.25) {
      this.readBalance(userId);
    } else if (this.coordinator.state === undefined) {
      return;
    } else if (roll < 0.35 || !this.tokenOf.has(userId)) {
      this.getToken(userId);
    } else if (roll < 0.55) {
      this.hold(userId);
    } else if (roll < 0.6) {
      this.cancel(userId);
    } else if (roll < 0.8) {
      this.pay(userId, this.random.chance(0.2));
    } else {
      this.retryPayment();
    }
  }

  charge(userId: string): void {
    const side = this.wallet;
    const wallets = side.state;
    if (wallets === undefined) {
      return;
    }
    const wallet = wallets.get(userId) ?? initialWalletState(userId);
    const amount = this.random.int(1, CHARGE_WON_MAX_SIM);
    const decision = decideWallet(wallet, { type: "ChargeBalance", userId, amount }, this.context(side));
    if (decision.ok && this.write(side, decision.events, applyWallet)) {
      this.checkSpendable(userId);
    }
  }

  readBalance(userId: string): void {
    if (this.wallet.state !== undefined) {
      this.checkSpendable(userId);
    }
  }

  getToken(userId: string): void {
    const state = this.coordinator.state;
    check(state !== undefined, "a client asks a coordinator that is up");
    const concertId = this.room(state).concertId;
    if (!this.decideOnRoom({ type: "IssueToken", concertId, userId }).ok) {
      return;
    }
    const live = this.coordinator.state;
    const token = live === undefined ? undefined : liveTokenOfUser(this.room(live), userId, this.nowMs);
    if (token !== undefined) {
      this.tokenOf.set(userId, token);
    }
  }

  hold(userId: string): void {
    const count = this.random.int(1, 2);
    const seatNumbers: number[] = [];
    while (seatNumbers.length < count) {
      const seat = this.random.int(1, SEAT_COUNT);
      if (!seatNumbers.includes(seat)) {
        seatNumbers.push(seat);
      }
    }
    const decision = this.decideOnScheduleWithResult({
      type: "HoldSeats",
      userId,
      seatNumbers,
      holdTtlMs: HOLD_TTL_MS,
    });
    if (decision !== "crashed" && decision.ok) {
      const held = decision.events[0];
      if (held?.type === "SeatsHeld") {
        this.heldBy.set(userId, [...(this.heldBy.get(userId) ?? []), held.reservationId]);
      }
    }
  }

  cancel(userId: string): void {
    const held = this.heldBy.get(userId);
    if (held === undefined || held.length === 0) {
      return;
    }
    this.decideOnSchedule({ type: "CancelHold", userId, reservationId: this.random.pick(held) });
  }

  /** A new payment of one of the user's reservations; `twice` sends a second one at once. */
  pay(userId: string, twice: boolean): void {
    const held = this.heldBy.get(userId);
    const token = this.tokenOf.get(userId);
    if (held === undefined || held.length === 0 || token === undefined) {
      return;
    }
    const reservationId = this.random.pick(held);
    for (let i = 0; i < (twice ? 2 : 1); i += 1) {
      this.paymentIds += 1;
      const payment: ClientPayment = {
        paymentId: `pay-${this.paymentIds}`,
        userId,
        reservationId,
        token,
        seen: undefined,
      };
      this.payments.push(payment);
      if (this.coordinator.state === undefined) {
        return;
      }
      this.startPayment(payment);
    }
  }

  /** A client retries a payment with the same id (its answer was lost, or it polls for the outcome). */
  retryPayment(): void {
    if (this.payments.length === 0 || this.coordinator.state === undefined) {
      return;
    }
    this.startPayment(this.random.pick(this.payments));
  }

  startPayment(payment: ClientPayment): void {
    const { paymentId, userId, reservationId, token } = payment;
    const started = this.decideSaga({ type: "StartPayment", paymentId, userId, reservationId, token });
    if (started === false) {
      return;
    }
    if (started !== true) {
      this.forget(payment, started.code);
      return;
    }
    const saga = this.coordinator.state?.sagas.sagas.get(paymentId);
    if (saga !== undefined) {
      const answer = paymentAnswerOf(saga);
      this.observe(payment, answer);
      if (answer.status !== "PENDING") {
        this.forget(payment, answer.status === "ABORTED" ? answer.rejection.code : "ALREADY_PAID");
      }
    }
  }

  /** What a client drops after an answer: a token that ended, or a reservation no longer payable. */
  forget(payment: ClientPayment, code: RejectionCode): void {
    if (code === "TOKEN_EXPIRED" || code === "TOKEN_INVALID" || code === "ALREADY_PAID") {
      if (this.tokenOf.get(payment.userId) === payment.token) {
        this.tokenOf.delete(payment.userId);
      }
    }
    if (code === "HOLD_EXPIRED" || code === "ALREADY_PAID" || code === "RESERVATION_NOT_FOUND") {
      const held = this.heldBy.get(payment.userId) ?? [];
      this.heldBy.set(
        payment.userId,
        held.filter((reservationId) => reservationId !== payment.reservationId),
      );
    }
  }

  /** The answers a client sees for one payment never change once final. */
  observe(payment: ClientPayment, answer: PaymentSagaAnswer): void {
    if (answer.status === "PENDING") {
      check(payment.seen === undefined, `${payment.paymentId} was ${payment.seen}, then PENDING`);
      return;
    }
    check(
      payment.seen === undefined || payment.seen === answer.status,
      `${payment.paymentId} was answered ${payment.seen}, then ${answer.status}`,
    );
    payment.seen = answer.status;
  }

  // ---- the end ----

  settled(): boolean {
    const coordinator = this.coordinator.state;
    return (
      coordinator !== undefined &&
      this.wallet.state !== undefined &&
      this.network.length === 0 &&
      coordinator.sagas.unsettled.size === 0
    );
  }

  /**
   * The guarantees, once every saga has settled: no seat sold twice, nor after its hold ended; money
   * taken if and only if seats were booked, for each payment; each payment debited at most once; no
   * reservation of funds left pending; every ledger adds up to its balance, never below zero; a restart
   * rebuilds what the sides hold in memory; and every client's final answer agrees with the outcome.
   */
  checkSettled(): void {
    const coordinator = this.coordinator.state;
    const wallets = this.wallet.state;
    check(coordinator !== undefined && wallets !== undefined, "both sides are up at the end");

    // The seats, from the coordinator's journal.
    const seatsOf = new Map<string, readonly number[]>();
    const expiresAtMsOf = new Map<string, number>();
    const amountOf = new Map<string, number>();
    const soldSeats = new Set<number>();
    const sold = new Map<string, string>();
    for (const entry of this.coordinator.journal) {
      for (const event of entry) {
        if (event.type === "SeatsHeld") {
          seatsOf.set(event.reservationId, event.seatNumbers);
          expiresAtMsOf.set(event.reservationId, event.expiresAtMs);
          amountOf.set(event.reservationId, event.amount);
        } else if (event.type === "ReservationConfirmed") {
          check(!sold.has(event.reservationId), `reservation ${event.reservationId} was sold twice`);
          sold.set(event.reservationId, event.paymentId);
          for (const seat of seatsOf.get(event.reservationId) ?? []) {
            check(!soldSeats.has(seat), `seat ${seat} was sold twice`);
            soldSeats.add(seat);
          }
          const soldAtMs = this.soldAtMs.get(event.paymentId);
          check(soldAtMs !== undefined, `the sale of ${event.paymentId} was journaled unseen`);
          check(
            soldAtMs < (expiresAtMsOf.get(event.reservationId) ?? 0),
            `reservation ${event.reservationId} was sold ${soldAtMs - (expiresAtMsOf.get(event.reservationId) ?? 0)} ms after its hold expired`,
          );
        }
      }
    }

    // The money, from the wallet's journal.
    const posted = new Map<string, { readonly amount: number; readonly reservationId: string }>();
    for (const entry of this.wallet.journal) {
      for (const event of entry) {
        if (event.type === "FundsPosted") {
          check(!posted.has(event.paymentId), `payment ${event.paymentId} was debited twice`);
          posted.set(event.paymentId, { amount: event.amount, reservationId: event.reservationId });
        }
      }
    }
    for (const [reservationId, paymentId] of sold) {
      const money = posted.get(paymentId);
      check(
        money !== undefined,
        `reservation ${reservationId} was booked by ${paymentId}, but no money was taken`,
      );
      check(money.reservationId === reservationId, `payment ${paymentId} took money for another reservation`);
      check(money.amount === amountOf.get(reservationId), `payment ${paymentId} took another amount`);
    }
    const soldPayments = new Set(sold.values());
    for (const paymentId of posted.keys()) {
      check(soldPayments.has(paymentId), `payment ${paymentId} took money, but booked no seats`);
    }

    // The sagas agree with the journals, and every client's final answer with the sagas.
    for (const saga of coordinator.sagas.sagas.values()) {
      check(saga.settled, `payment ${saga.paymentId} is not settled`);
      check(
        (saga.outcome === "COMPLETED") === posted.has(saga.paymentId),
        `payment ${saga.paymentId} is ${saga.outcome}, and its money was${posted.has(saga.paymentId) ? "" : " not"} taken`,
      );
    }
    for (const payment of this.payments) {
      const saga = coordinator.sagas.sagas.get(payment.paymentId);
      if (payment.seen !== undefined) {
        check(
          saga?.outcome === payment.seen,
          `${payment.paymentId} was answered ${payment.seen}, but is ${saga?.outcome}`,
        );
      }
    }

    // The wallets: nothing pending, every ledger adds up, never below zero.
    for (const [userId, wallet] of wallets) {
      check((wallet.pendingFunds?.size ?? 0) === 0, `${userId} has funds left pending`);
      let balance = 0;
      const debited = new Set<string>();
      for (const line of wallet.transactions) {
        balance += line.type === "CHARGE" ? line.amount : -line.amount;
        check(line.balanceAfter === balance, `the ledger of ${userId} does not add up`);
        check(balance >= 0, `the balance of ${userId} went below zero`);
        check(!debited.has(line.transactionId), `a ledger line of ${userId} is there twice`);
        debited.add(line.transactionId);
      }
      check(balance === wallet.balance, `the ledger of ${userId} does not sum to its balance`);
      this.checkSpendable(userId);
    }

    // A restart of either side rebuilds the same state.
    const replayed = foldWallets(this.wallet.journal);
    for (const [userId, wallet] of wallets) {
      const again = replayed.get(userId);
      check(
        again !== undefined &&
          again.balance === wallet.balance &&
          again.transactions.length === wallet.transactions.length &&
          spendableBalance(again) === spendableBalance(wallet),
        `replaying the wallet journal gives another wallet for ${userId}`,
      );
    }
    const refolded = foldCoordinator(this.coordinator.journal);
    for (const saga of coordinator.sagas.sagas.values()) {
      const again = refolded.sagas.sagas.get(saga.paymentId);
      check(
        again?.outcome === saga.outcome && again.settled === saga.settled,
        `replaying the coordinator journal gives another outcome for ${saga.paymentId}`,
      );
    }
  }
}

function newSide<S, E>(name: SideName, fold: (journal: readonly E[][]) => S): Side<S, E> {
  return { name, journal: [], state: undefined, epoch: 0, ids: 0, writes: 0, downUntilMs: 0, fold };
}

/** The journal writes of each side in the run of `base` without crashes: the systematic runs' range. */
export function writesWithoutCrashes(base: string, deciders: SimDeciders = REAL_DECIDERS): SimResult {
  return runSimulation(`${base}@none`, deciders);
}
