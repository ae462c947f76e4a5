import type { Engine } from "../actors/engine.ts";
import type { EngineEvent } from "../engine/engine-state.ts";
import type { WaitingRoomStats } from "../engine/waiting-room/index.ts";
import { OTHER_LABEL, type HttpMetrics, type SetSeries } from "./metrics.ts";

/**
 * Most concerts with per-concert waiting-room series of their own. Only live rooms (with a token
 * WAITING or ACTIVE) get one, busiest first; the other live rooms are summed under
 * `concert="_other"`, which is always reported. So each per-concert gauge has at most
 * METRICS_CONCERTS_MAX + 1 series however many concerts exist.
 */
export const METRICS_CONCERTS_MAX = 50;

const HOLD_EXPIRED: EngineEvent["type"] = "HoldExpired";
const RESERVATION_CONFIRMED: EngineEvent["type"] = "ReservationConfirmed";

/** The per-concert gauges of the waiting room: what `concert="_other"` sums. */
interface RoomGauges {
  readonly waiting: number;
  readonly active: number;
  readonly admittedPerSecond: number;
}

/** The waiting-room counters, reported app-wide: summed over every room, so they never decrease. */
type RoomCounter = keyof Pick<
  WaitingRoomStats,
  "issuedTotal" | "admittedTotal" | "abandonedTotal" | "expiredTotal" | "leftTotal" | "usedTotal"
>;

/**
 * The metrics read from the engine when /metrics is scraped; nothing is counted twice.
 *
 * Cardinality: per-concert series are capped (METRICS_CONCERTS_MAX); mailboxes are reported per kind
 * of actor (catalog, wallet, schedule, waiting room), never per schedule; events by type (a fixed
 * set). The waiting-room counters are app-wide sums: a per-concert counter folded into `_other` would
 * go down when its concert rose into the top list, which a counter must never do.
 */
export function registerEngineMetrics(metrics: HttpMetrics, engine: Engine): void {
  metrics.gauge(
    "app_mailbox_depth",
    "Unanswered messages of the deepest mailbox, per kind of actor (compare with app_mailbox_depth_limit)",
    ["kind"],
    (set) => {
      for (const kinds of engine.mailboxDepths()) {
        set({ kind: kinds.kind }, kinds.deepest);
      }
    },
  );
  metrics.gauge(
    "app_mailbox_messages",
    "Unanswered messages of all mailboxes, per kind of actor",
    ["kind"],
    (set) => {
      for (const kinds of engine.mailboxDepths()) {
        set({ kind: kinds.kind }, kinds.messages);
      }
    },
  );
  metrics.gauge("app_actors", "Actors running, per kind", ["kind"], (set) => {
    for (const kinds of engine.mailboxDepths()) {
      set({ kind: kinds.kind }, kinds.actors);
    }
  });
  metrics.gauge(
    "app_mailbox_depth_limit",
    "Unanswered messages an actor accepts before it answers 503 OVERLOADED (MAILBOX_DEPTH_MAX)",
    [],
    (set) => set({}, engine.mailboxDepthMax()),
  );

  metrics.counter("app_events_total", "Events journaled since start, by type", ["type"], (set) => {
    for (const [type, count] of engine.eventCounts()) {
      set({ type }, count);
    }
  });
  metrics.counter("app_sales_total", "Reservations paid for since start", [], (set) =>
    set({}, engine.eventCounts().get(RESERVATION_CONFIRMED) ?? 0),
  );
  metrics.counter("app_hold_expiries_total", "Holds that expired unpaid since start", [], (set) =>
    set({}, engine.eventCounts().get(HOLD_EXPIRED) ?? 0),
  );

  metrics.gauge("app_journal_last_durable_seq", "The last journal seq known durable", [], (set) =>
    set({}, engine.journalSeq()),
  );
  metrics.counter("app_journal_commits_total", "Journal transactions committed since start", [], (set) =>
    set({}, engine.journalStats().commits),
  );
  metrics.counter("app_journal_events_committed_total", "Events committed since start", [], (set) =>
    set({}, engine.journalStats().events),
  );
  metrics.gauge(
    "app_journal_failed",
    "1 once a journal write failed and writes are refused, else 0",
    [],
    (set) => set({}, engine.journalFailed() ? 1 : 0),
  );

  registerWaitingRoomMetrics(metrics, engine);
}

function registerWaitingRoomMetrics(metrics: HttpMetrics, engine: Engine): void {
  const perConcert = (name: string, help: string, read: (gauges: RoomGauges) => number): void =>
    metrics.gauge(name, help, ["concert"], (set) => reportPerConcert(engine.waitingRoomStats(), read, set));
  perConcert(
    "app_queue_waiting",
    `Tokens waiting, per live concert (the ${METRICS_CONCERTS_MAX} busiest; the rest summed as concert="${OTHER_LABEL}")`,
    (room) => room.waiting,
  );
  perConcert(
    "app_queue_active",
    `Tokens active, per live concert (the ${METRICS_CONCERTS_MAX} busiest; the rest summed as concert="${OTHER_LABEL}")`,
    (room) => room.active,
  );
  perConcert(
    "app_queue_admitted_per_second",
    `Measured admission rate (moving average), per live concert (the ${METRICS_CONCERTS_MAX} busiest; the rest summed as concert="${OTHER_LABEL}")`,
    (room) => room.admittedPerSecond,
  );
  metrics.gauge(
    "app_queue_live_concerts",
    "Concerts whose waiting room has a token waiting or active",
    [],
    (set) => set({}, engine.waitingRoomStats().filter(isLive).length),
  );

  const total = (name: string, help: string, field: RoomCounter): void =>
    metrics.counter(name, help, [], (set) => {
      let sum = 0;
      for (const room of engine.waitingRoomStats()) {
        sum += room[field];
      }
      set({}, sum);
    });
  total("app_queue_tokens_issued_total", "Queue tokens issued, all concerts", "issuedTotal");
  total(
    "app_queue_tokens_admitted_total",
    "Waiting tokens admitted by an admission tick, all concerts (a token issued ACTIVE at once is not counted)",
    "admittedTotal",
  );
  total(
    "app_queue_tokens_abandoned_total",
    "Waiting tokens dropped for not polling, all concerts",
    "abandonedTotal",
  );
  total("app_queue_tokens_expired_total", "Active tokens that expired unused, all concerts", "expiredTotal");
  total("app_queue_tokens_left_total", "Tokens given up by their holders, all concerts", "leftTotal");
  total("app_queue_tokens_used_total", "Tokens ended by a payment, all concerts", "usedTotal");
}

function isLive(room: WaitingRoomStats): boolean {
  return room.waiting > 0 || room.active > 0;
}

function gaugesOf(room: WaitingRoomStats): RoomGauges {
  return { waiting: room.waiting, active: room.active, admittedPerSecond: room.admittedPerSecond ?? 0 };
}

/**
 * Reports one series per live room, for the METRICS_CONCERTS_MAX busiest (waiting + active, then
 * concert id, so the choice is stable between scrapes), and the sum of the rest as OTHER_LABEL, which
 * is reported even when it is 0 so that a dashboard's sum always has a series.
 */
function reportPerConcert(
  rooms: readonly WaitingRoomStats[],
  read: (gauges: RoomGauges) => number,
  set: SetSeries,
): void {
  const live = rooms.filter(isLive);
  live.sort(
    (a, b) =>
      b.waiting + b.active - (a.waiting + a.active) ||
      (a.concertId < b.concertId ? -1 : a.concertId > b.concertId ? 1 : 0),
  );
  let other = 0;
  live.forEach((room, rank) => {
    const value = read(gaugesOf(room));
    if (rank < METRICS_CONCERTS_MAX) {
      set({ concert: room.concertId }, value);
    } else {
      other += value;
    }
  });
  set({ concert: OTHER_LABEL }, other);
}
