import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/**
 * Conventions of /metrics (https://prometheus.io/docs/practices/naming/):
 * - every series this app defines is named `app_…`; prom-client's default `process_…` and `nodejs_…`
 *   series keep their standard names, so stock dashboards and alerts find them;
 * - only counters end in `_total`, units are base units named last (`_seconds`, `_bytes`);
 * - every label has a bounded set of values whatever the traffic: HTTP methods outside
 *   `HTTP_METHODS` are labelled OTHER_LABEL, requests no route serves (404, 405) UNMATCHED_ROUTE_LABEL
 *   and never their raw path, and the per-concert series are capped (engine-metrics.ts).
 */

/** The label value of everything past a bound: an unusual method, the concerts past the cap. */
export const OTHER_LABEL = "_other";
/** The route label of a request no route serves (404, 405): one value, never the raw path. */
export const UNMATCHED_ROUTE_LABEL = "_unmatched";
/** Methods labelled as themselves; any other method is labelled OTHER_LABEL. */
export const HTTP_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "PATCH",
  "DELETE",
  "OPTIONS",
]);

/**
 * The route pattern that served a request (`/api/v1/schedules/:scheduleId/seats`), for its metric
 * and log line. It is the last matched route registered for a method, so a request a middleware
 * answered early (a 413 body) still gets its route; `c.req.routePath` would name the middleware
 * (`/*`). A request no route serves (404, 405) is UNMATCHED_ROUTE_LABEL.
 */
export function routeLabel(c: Context): string {
  const routes = matchedRoutes(c);
  for (let i = routes.length - 1; i >= 0; i -= 1) {
    const route = routes[i];
    if (route !== undefined && route.method !== "ALL") {
      return route.path;
    }
  }
  return UNMATCHED_ROUTE_LABEL;
}

/** A request's method as a label: itself when it is one of HTTP_METHODS, OTHER_LABEL otherwise. */
export function methodLabel(method: string): string {
  return HTTP_METHODS.has(method) ? method : OTHER_LABEL;
}

/** Default prom-client metrics left out of /metrics: gauges whose names end in `_total`. */
const DEFAULT_METRICS_DROPPED = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
] as const;

/** Reports one labelled value of a metric read at scrape time. */
export type SetSeries = (labels: Record<string, string>, value: number) => void;

/** Everything /metrics reports. One registry per app, so tests can build apps side by side. */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requestDuration = new Histogram({
    name: "app_http_request_duration_seconds",
    help: "Time from request to response, by method, route pattern and status code",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly holds = new Counter({
    name: "app_holds_total",
    help: "Seat hold requests answered, by outcome (HELD or the rejection code)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly payments = new Counter({
    name: "app_payments_total",
    help: "Payment requests answered, by outcome (COMPLETED or the rejection code)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  readonly journalCommitDuration = new Histogram({
    name: "app_journal_commit_duration_seconds",
    help: "Time to commit one journal transaction (a group commit), fsync included",
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
    registers: [this.registry],
  });
  readonly journalBatchEvents = new Histogram({
    name: "app_journal_batch_events",
    help: "Events per journal transaction (the group commit's batch size)",
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // prom-client reports these three sums as gauges named `_total`, which `promtool check metrics`
    // refuses; the same numbers, by type, remain in nodejs_active_handles, _requests and _resources.
    for (const name of DEFAULT_METRICS_DROPPED) {
      this.registry.removeSingleMetric(name);
    }
  }

  private readonly requestSeries = new Map<string, { observe(seconds: number): void }>();

  /**
   * Records one request; the labelled series is looked up once per method, route and status, then
   * reused. `route` must be bounded (a pattern from `routeLabel`); the method is bounded here.
   */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const methodValue = methodLabel(method);
    const key = `${methodValue} ${route} ${status}`;
    let series = this.requestSeries.get(key);
    if (series === undefined) {
      series = this.requestDuration.labels({ method: methodValue, route, status: String(status) });
      this.requestSeries.set(key, series);
    }
    series.observe(seconds);
  }

  /** The journal's commit observer: one observation per transaction. */
  readonly observeJournalCommit = (events: number, durationMs: number): void => {
    this.journalCommitDuration.observe(durationMs / 1000);
    this.journalBatchEvents.observe(events);
  };

  /** Registers a gauge whose values are read from the engine at scrape time. */
  gauge(name: string, help: string, labelNames: readonly string[], read: (set: SetSeries) => void): void {
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

  /**
   * Registers a counter whose values are read from the engine at scrape time. `read` must report,
   * for each label set, a value that never decreases while the process lives (a count kept by the
   * engine), which is all Prometheus asks of a counter.
   */
  counter(name: string, help: string, labelNames: readonly string[], read: (set: SetSeries) => void): void {
    const counter = new Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        counter.reset();
        read((labels, value) => counter.inc(labels, value));
      },
    });
  }
}
