import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Everything /metrics reports. One registry per app, so tests can build apps side by side. */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from request to response, by route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly holds = new Counter({
    name: "booking_holds_total",
    help: "Seat holds answered, by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly payments = new Counter({
    name: "booking_payments_total",
    help: "Payments answered, by outcome",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly journalCommitDuration = new Histogram({
    name: "journal_commit_duration_seconds",
    help: "Time to commit one journal transaction (group commit), fsync included",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly journalBatchEvents = new Histogram({
    name: "journal_batch_events",
    help: "Events per journal transaction (group commit batch size)",
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  private readonly requestSeries = new Map<string, { observe(seconds: number): void }>();

  /** Records one request; the labelled series is looked up once per route and status, then reused. */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let series = this.requestSeries.get(key);
    if (series === undefined) {
      series = this.requestDuration.labels({ method, route, status: String(status) });
      this.requestSeries.set(key, series);
    }
    series.observe(seconds);
  }

  /** The journal's commit observer: one observation per transaction. */
  readonly observeJournalCommit = (events: number, durationMs: number): void => {
    this.journalCommitDuration.observe(durationMs / 1000);
    this.journalBatchEvents.observe(events);
  };

  /** Registers a gauge whose value is read from the engine at scrape time. */
  gauge(
    name: string,
    help: string,
    labelNames: readonly string[],
    read: (set: (labels: Record<string, string>, value: number) => void) => void,
  ): void {
    const gauge = new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        gauge.reset();
        read((labels, value) => gauge.set(labels, value));
      },
    });
  }
}
