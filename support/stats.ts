/**
 * The statistics every benchmark, script and test reports with: one percentile definition (nearest
 * rank), the summaries built on it, and a latency recorder on HdrHistogram that corrects for
 * coordinated omission the way HdrHistogram's `recordValueWithExpectedInterval` does.
 */
import type { IntervalHistogram } from "node:perf_hooks";
import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from "hdr-histogram-js";

/**
 * The nearest rank of a percentile: the 1-based rank of the smallest sample with at least `fraction`
 * of the `count` samples at or below it. HdrHistogram's `getValueAtPercentile` uses the same rank,
 * and the same guard: a product a rounding error above a whole number (0.07 × 100 = 7.000000000000001)
 * still counts as that whole number.
 */
export function nearestRank(count: number, fraction: number): number {
  const exact = Math.min(1, fraction) * count;
  const guarded = exact - Number.EPSILON * Math.max(1, exact);
  return Math.min(count, Math.max(1, Math.ceil(guarded)));
}

/** The nearest-rank percentile of ascending samples (`fraction` 0.99 for p99). NaN for no samples. */
export function percentile(sorted: ArrayLike<number>, fraction: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted[nearestRank(sorted.length, fraction) - 1] ?? Number.NaN;
}

/** The finite samples in ascending order, in a copy. */
export function sortedSamples(samples: ArrayLike<number>): Float64Array {
  return Float64Array.from(samples)
    .filter((value) => Number.isFinite(value))
    .sort();
}

/** The nearest-rank median of the finite samples (the lower middle one of an even count). */
export function median(samples: ArrayLike<number>): number {
  return percentile(sortedSamples(samples), 0.5);
}

/** The figures a latency or duration is reported by; NaN throughout for no samples. */
export interface Summary {
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
  max: number;
  mean: number;
}

const SUMMARY_FRACTIONS = { p50: 0.5, p90: 0.9, p99: 0.99, p99_9: 0.999 } as const;

/** The summary of samples in any order, exact (every sample kept). */
export function summarize(samples: ArrayLike<number>): Summary {
  const sorted = sortedSamples(samples);
  let total = 0;
  for (const value of sorted) {
    total += value;
  }
  return {
    p50: percentile(sorted, SUMMARY_FRACTIONS.p50),
    p90: percentile(sorted, SUMMARY_FRACTIONS.p90),
    p99: percentile(sorted, SUMMARY_FRACTIONS.p99),
    p99_9: percentile(sorted, SUMMARY_FRACTIONS.p99_9),
    max: sorted.length === 0 ? Number.NaN : (sorted[sorted.length - 1] ?? Number.NaN),
    mean: sorted.length === 0 ? Number.NaN : total / sorted.length,
  };
}

/** The latency figures of a closed-loop run, where each sender awaits an answer before the next send. */
export interface RunLatency {
  /** Send to answer, in milliseconds. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The p99 delay of the event loop over the run (`monitorEventLoopDelay`), in milliseconds. */
  readonly loopDelayP99Ms: number;
}

/** The latency figures of a run from its latencies (ms) and its event-loop delay histogram (ns). */
export function runLatency(
  latenciesMs: ArrayLike<number>,
  loopDelay: Pick<IntervalHistogram, "percentile">,
): RunLatency {
  const latency = summarize(latenciesMs);
  return { p50Ms: latency.p50, p99Ms: latency.p99, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 };
}

/** Latencies are recorded in whole microseconds: sub-millisecond answers stay apart. */
const RECORDED_UNITS_PER_MS = 1_000;
/** A first guess at the largest latency, one minute; the histogram grows past it if it must. */
const RECORDED_VALUE_MAX = 60_000 * RECORDED_UNITS_PER_MS;
/** Three significant digits: every figure within 0.1 % of the exact one. */
const SIGNIFICANT_DIGITS = 3;

/**
 * Response times in milliseconds, kept in an HdrHistogram (three significant digits) instead of one
 * number per response, so a long run at tens of thousands of requests per second costs a fixed few
 * kilobytes. Its percentiles are nearest-rank, like {@link percentile}, reported at the histogram's
 * resolution: the highest value the sample's bucket stands for.
 */
export class LatencyRecorder {
  private readonly histogram: Histogram = build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: RECORDED_VALUE_MAX,
    numberOfSignificantValueDigits: SIGNIFICANT_DIGITS,
    autoResize: true,
  });

  /** How many values were recorded, the corrections for coordinated omission included. */
  get count(): number {
    return this.histogram.totalCount;
  }

  /** Records one response time, or `count` of the same (e.g. a bucket of another tool's histogram). */
  record(valueMs: number, count = 1): void {
    this.histogram.recordValueWithCount(toUnits(valueMs), count);
  }

  /**
   * Records a response time under a fixed sending rate, correcting for coordinated omission
   * (HdrHistogram's `recordValueWithExpectedInterval`): a response that took longer than the
   * interval between two sends of its connection also stands for the requests that connection would
   * have sent meanwhile, which waited `valueMs - intervalMs`, `valueMs - 2 × intervalMs`, … each.
   */
  recordCorrected(valueMs: number, expectedIntervalMs: number): void {
    this.histogram.recordValueWithExpectedInterval(toUnits(valueMs), toUnits(expectedIntervalMs));
  }

  /** The recorded values as text (HdrHistogram's compressed base64), e.g. to pass from a child process. */
  encode(): string {
    return encodeIntoCompressedBase64(this.histogram);
  }

  /** A recorder holding the values of {@link encode}'s text. */
  static decode(text: string): LatencyRecorder {
    const recorder = new LatencyRecorder();
    recorder.histogram.add(decodeFromCompressedBase64(text));
    return recorder;
  }

  /** Adds every value another recorder holds. */
  add(other: LatencyRecorder): void {
    this.histogram.add(other.histogram);
  }

  /** The nearest-rank percentile in milliseconds (`fraction` 0.99 for p99); NaN when nothing was recorded. */
  percentile(fraction: number): number {
    if (this.histogram.totalCount === 0) {
      return Number.NaN;
    }
    return this.histogram.getValueAtPercentile(fraction * 100) / RECORDED_UNITS_PER_MS;
  }

  summary(): Summary {
    if (this.histogram.totalCount === 0) {
      return summarize([]);
    }
    return {
      p50: this.percentile(SUMMARY_FRACTIONS.p50),
      p90: this.percentile(SUMMARY_FRACTIONS.p90),
      p99: this.percentile(SUMMARY_FRACTIONS.p99),
      p99_9: this.percentile(SUMMARY_FRACTIONS.p99_9),
      max: this.histogram.maxValue / RECORDED_UNITS_PER_MS,
      mean: this.histogram.mean / RECORDED_UNITS_PER_MS,
    };
  }
}

function toUnits(valueMs: number): number {
  return Math.max(0, Math.round(valueMs * RECORDED_UNITS_PER_MS));
}
