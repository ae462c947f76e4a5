import type { Engine } from "../actors/engine.ts";
import type { HttpMetrics } from "./metrics.ts";

/** Gauges and counters read from the engine when /metrics is scraped; nothing is counted twice. */
export function registerEngineMetrics(metrics: HttpMetrics, engine: Engine): void {
  metrics.gauge(
    "engine_mailbox_depth",
    "Messages accepted and not yet answered, per actor",
    ["actor"],
    (set) => {
      for (const mailbox of engine.mailboxes()) {
        set({ actor: mailbox.name }, mailbox.depth);
      }
    },
  );
  metrics.gauge("engine_events_total", "Events journaled since start, by type", ["type"], (set) => {
    for (const [type, count] of engine.eventCounts()) {
      set({ type }, count);
    }
  });
  metrics.gauge("journal_last_durable_seq", "The last journal seq known durable", [], (set) => {
    set({}, engine.journalSeq());
  });
  metrics.gauge("journal_commits_total", "Journal transactions committed since start", [], (set) => {
    set({}, engine.journalStats().commits);
  });
  metrics.gauge("journal_events_committed_total", "Events committed since start", [], (set) => {
    set({}, engine.journalStats().events);
  });
  metrics.gauge("journal_failed", "1 once a journal write failed and writes are refused", [], (set) => {
    set({}, engine.journalFailed() ? 1 : 0);
  });
  const room = (
    name: string,
    help: string,
    read: (stats: ReturnType<Engine["waitingRoomStats"]>[number]) => number | null,
  ) =>
    metrics.gauge(name, help, ["concert"], (set) => {
      for (const stats of engine.waitingRoomStats()) {
        set({ concert: stats.concertId }, read(stats) ?? 0);
      }
    });
  room("queue_waiting", "Tokens waiting, per concert", (s) => s.waiting);
  room("queue_active", "Tokens active, per concert", (s) => s.active);
  room(
    "queue_admitted_per_second",
    "Measured admission rate (moving average), per concert",
    (s) => s.admittedPerSecond,
  );
  room("queue_issued_total", "Tokens issued, per concert", (s) => s.issuedTotal);
  room("queue_admitted_total", "Tokens admitted, per concert", (s) => s.admittedTotal);
  room(
    "queue_abandoned_total",
    "Waiting tokens dropped for not polling, per concert",
    (s) => s.abandonedTotal,
  );
  room("queue_expired_total", "Active tokens that expired, per concert", (s) => s.expiredTotal);
  room("queue_left_total", "Tokens given up by their holders, per concert", (s) => s.leftTotal);
  room("queue_used_total", "Tokens ended by a payment, per concert", (s) => s.usedTotal);
}
