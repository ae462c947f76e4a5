import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  LatencyRecorder,
  median,
  nearestRank,
  percentile,
  runLatency,
  sortedSamples,
  summarize,
} from "../../support/stats.ts";

describe("The nearest-rank percentile", () => {
  it("is the smallest sample with at least that fraction of the samples at or below it", () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 0.5)).toBe(50);
    expect(percentile(sorted, 0.99)).toBe(99);
    expect(percentile(sorted, 0.999)).toBe(100);
    expect(percentile(sorted, 1)).toBe(100);
    expect(percentile(sorted, 0)).toBe(1);
  });

  it("never interpolates: every percentile is one of the samples", () => {
    expect(percentile([10, 20], 0.5)).toBe(10);
    expect(percentile([10, 20], 0.51)).toBe(20);
    expect(percentile([7], 0.99)).toBe(7);
  });

  it("counts a fraction a rounding error above a whole rank as that rank", () => {
    // 0.07 × 100 is 7.000000000000001 in floating point; the 7th sample has exactly 7 % at or below it.
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect(nearestRank(100, 0.07)).toBe(7);
    expect(percentile(sorted, 0.07)).toBe(7);
  });

  it("is NaN without samples", () => {
    expect(percentile([], 0.5)).toBeNaN();
    expect(median([])).toBeNaN();
  });

  it("agrees with its definition for any samples and fraction", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 1_000 }),
        (samples, permille) => {
          const fraction = permille / 1_000;
          const value = percentile(sortedSamples(samples), fraction);
          const atOrBelow = samples.filter((sample) => sample <= value).length;
          const below = samples.filter((sample) => sample < value).length;
          expect(atOrBelow / samples.length).toBeGreaterThanOrEqual(fraction - 1e-12);
          expect(below / samples.length).toBeLessThan(fraction);
        },
      ),
    );
  });
});

describe("A summary", () => {
  it("gives p50, p90, p99, p99.9, max and mean of samples in any order, skipping what is not a number", () => {
    const samples = Array.from({ length: 1_000 }, (_, i) => 1_000 - i);
    expect(summarize([...samples, Number.NaN])).toEqual({
      p50: 500,
      p90: 900,
      p99: 990,
      p99_9: 999,
      max: 1_000,
      mean: 500.5,
    });
  });

  it("is NaN throughout without samples", () => {
    for (const value of Object.values(summarize([]))) {
      expect(value).toBeNaN();
    }
  });

  it("takes the lower middle sample as the median of an even count", () => {
    expect(median([4, 1, 3, 2])).toBe(2);
  });
});

describe("The latency of a closed-loop run", () => {
  it("is the p50 and p99 of its latencies and the p99 of its event-loop delay in ms", () => {
    const latencies = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    const loopDelayNs = { percentile: (p: number) => p * 1e6 };
    expect(runLatency(latencies, loopDelayNs)).toEqual({ p50Ms: 50, p99Ms: 99, loopDelayP99Ms: 99 });
  });
});

/** The recorder keeps three significant digits: a figure within 0.1 % of the exact one. */
function expectNear(value: number, exact: number): void {
  expect(Math.abs(value - exact)).toBeLessThanOrEqual(exact * 0.001);
}

describe("The latency recorder", () => {
  it("reports the same nearest-rank percentiles as the exact samples, within its resolution", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0.001, max: 5_000, noNaN: true }), { minLength: 1, maxLength: 300 }),
        fc.constantFrom(0.5, 0.9, 0.99, 0.999),
        (samples, fraction) => {
          const recorder = new LatencyRecorder();
          samples.forEach((sample) => recorder.record(sample));
          // Whole microseconds, then three significant digits: the bucket's highest value.
          const exact = percentile(
            sortedSamples(samples.map((ms) => Math.round(ms * 1000) / 1000)),
            fraction,
          );
          const recorded = recorder.percentile(fraction);
          expect(recorded).toBeGreaterThanOrEqual(exact);
          expect(recorded).toBeLessThanOrEqual(exact * 1.001 + 0.001);
        },
      ),
    );
  });

  it("keeps sub-millisecond answers apart", () => {
    const recorder = new LatencyRecorder();
    [0.25, 0.5, 0.75, 1].forEach((ms) => recorder.record(ms));
    const summary = recorder.summary();
    expect(summary.p50).toBe(0.5);
    expect(summary.p99).toBe(1);
    expect(summary.max).toBe(1);
    expectNear(summary.mean, 0.625);
  });

  it("corrects for coordinated omission like HdrHistogram's recordValueWithExpectedInterval", () => {
    // One 100 ms stall where a request was due every 10 ms stands for the 9 requests that waited
    // 90, 80, …, 10 ms behind it.
    const recorder = new LatencyRecorder();
    for (let i = 0; i < 90; i++) {
      recorder.recordCorrected(1, 10);
    }
    recorder.recordCorrected(100, 10);
    expect(recorder.count).toBe(100);
    expect(recorder.percentile(0.9)).toBe(1);
    expectNear(recorder.percentile(0.95), 50);
    expectNear(recorder.percentile(1), 100);
  });

  it("records a stall once, without correction, when no rate was set", () => {
    const recorder = new LatencyRecorder();
    recorder.record(100);
    expect(recorder.count).toBe(1);
  });

  it("records a value many times at once, as one bucket of another tool's histogram", () => {
    const recorder = new LatencyRecorder();
    recorder.record(1, 98);
    recorder.record(50, 2);
    expect(recorder.count).toBe(100);
    expect(recorder.percentile(0.98)).toBe(1);
    expectNear(recorder.percentile(0.99), 50);
  });

  it("gives back the same percentiles after an encode and decode, as between processes", () => {
    const recorder = new LatencyRecorder();
    [0.25, 0.5, 3, 40, 40].forEach((ms) => recorder.record(ms));
    const decoded = LatencyRecorder.decode(recorder.encode());
    expect(decoded.count).toBe(recorder.count);
    for (const fraction of [0.2, 0.5, 0.9, 0.99]) {
      expect(decoded.percentile(fraction)).toBe(recorder.percentile(fraction));
    }
  });

  it("adds another recorder's values", () => {
    const first = new LatencyRecorder();
    const second = new LatencyRecorder();
    first.record(1);
    second.record(3);
    second.record(2);
    first.add(second);
    expect(first.count).toBe(3);
    const summary = first.summary();
    expect(summary.p50).toBe(2);
    expect(summary.max).toBe(3);
    expectNear(summary.mean, 2);
  });

  it("is NaN throughout when nothing was recorded", () => {
    const recorder = new LatencyRecorder();
    expect(recorder.percentile(0.5)).toBeNaN();
    for (const value of Object.values(recorder.summary())) {
      expect(value).toBeNaN();
    }
  });
});
