import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type LabelValues } from "prom-client";

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

/** A number per method of HTTP_METHODS, and OTHER_METHOD_KEY for every other method: a series key. */
const METHOD_KEYS: ReadonlyMap<string, number> = new Map([...HTTP_METHODS].map((method, i) => [method, i]));
const OTHER_METHOD_KEY = HTTP_METHODS.size;

/** A request's method as a label: itself when it is one of HTTP_METHODS, OTHER_LABEL otherwise. */
export function methodLabel(method: string): string {
  return HTTP_METHODS.has(method) ? method : OTHER_LABEL;
}

/** The buckets of app_http_request_duration_seconds, in seconds, ascending. */
const REQUEST_DURATION_BUCKETS_S: readonly number[] = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

/** What prom-client keeps of one labelled series of a histogram (`createBaseValues` in its histogram.js). */
interface HistogramValues {
  readonly labels: LabelValues<string>;
  readonly bucketValues: Record<number, number>;
  sum: number;
  count: number;
}

/** One labelled series of a histogram, observed as cheaply as prom-client allows. */
export interface ObservedSeries {
  observe(value: number): void;
}

/**
 * A labelled series of `histogram` (with buckets `bounds`) whose observations go straight into the
 * values prom-client keeps for it, as its own `observe` does (the first bucket whose bound is at least
 * the value, the sum and the count). prom-client's `observe`, even on a series from `labels()`,
 * validates the labels and hashes them again on every call: about 1.4 µs, on every request. The
 * values are created by prom-client (`zero`) and found in its store; should a prom-client version
 * keep them otherwise, the series falls back to prom-client's own `observe`. The metrics tests
 * compare the two expositions, and package.json pins prom-client's exact version for the same reason. Make one per label set (it starts at zero), and never `reset()` the
 * histogram: the series would keep the values it dropped.
 */
export function observedSeries(
  histogram: Histogram<string>,
  bounds: readonly number[],
  labels: LabelValues<string>,
): ObservedSeries {
  histogram.zero(labels);
  const store = (histogram as unknown as { hashMap?: Record<string, unknown> }).hashMap;
  const values =
    store === undefined
      ? undefined
      : Object.values(store).find(
          (entry) => (entry as Partial<HistogramValues> | undefined)?.labels === labels,
        );
  if (!isHistogramValues(values, bounds)) {
    return histogram.labels(labels);
  }
  // The buckets are keyed by their bounds as strings; made once, not at every observation.
  const keys = bounds.map(String);
  const buckets = values.bucketValues as unknown as Record<string, number>;
  return {
    observe(value: number): void {
      if (!Number.isFinite(value)) {
        throw new TypeError(`Value is not a valid number: ${value}`);
      }
      for (let i = 0; i < bounds.length; i += 1) {
        if (value <= (bounds[i] as number)) {
          const key = keys[i] as string;
          buckets[key] = (buckets[key] as number) + 1;
          break;
        }
      }
      values.sum += value;
      values.count += 1;
    },
  };
}

function isHistogramValues(values: unknown, bounds: readonly number[]): values is HistogramValues {
  const candidate = values as Partial<HistogramValues> | undefined;
  return (
    candidate?.count === 0 &&
    candidate.sum === 0 &&
    typeof candidate.bucketValues === "object" &&
    bounds.every((bound) => candidate.bucketValues?.[bound] === 0)
  );
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
    buckets: [...REQUEST_DURATION_BUCKETS_S],
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

  /**
   * The series of each route, by status and method (`status * METHOD_KEYS + method`): nested maps of
   * strings the request already holds, rather than one key string built for every request.
   */
  private readonly requestSeries = new Map<string, Map<number, ObservedSeries>>();

  /**
   * Records one request; the labelled series is looked up once per method, route and status, then
   * reused. `route` must be bounded (a pattern from `routeLabel`); the method is bounded here.
   */
  observeRequest(method: string, route: string, status: number, seconds: number): void {
    let byStatusAndMethod = this.requestSeries.get(route);
    if (byStatusAndMethod === undefined) {
      byStatusAndMethod = new Map();
      this.requestSeries.set(route, byStatusAndMethod);
    }
    const methodKey = METHOD_KEYS.get(method) ?? OTHER_METHOD_KEY;
    const key = status * (OTHER_METHOD_KEY + 1) + methodKey;
    let series = byStatusAndMethod.get(key);
    if (series === undefined) {
      series = observedSeries(this.requestDuration, REQUEST_DURATION_BUCKETS_S, {
        method: methodLabel(method),
        route,
        status: String(status),
      });
      byStatusAndMethod.set(key, series);
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
