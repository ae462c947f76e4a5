/**
 * The nearest-rank percentile of ascending samples: the smallest value with at least `fraction` of
 * the samples at or below it. NaN for no samples.
 */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) {
    return Number.NaN;
  }
  const index = Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}
