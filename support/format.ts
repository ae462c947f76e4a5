/**
 * How benchmarks, scripts and tests print numbers: grouped thousands (en-US, whatever the machine's
 * locale), a fixed number of decimals, and "–" for a figure that could not be measured (NaN, ±∞).
 */

const NOT_A_FIGURE = "–";

/** `1234567.8` → `"1,234,568"`; with `digits` 2 → `"1,234,567.80"`. */
export function formatNumber(value: number, digits = 0): string {
  return Number.isFinite(value)
    ? value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : NOT_A_FIGURE;
}

/** A ratio, e.g. engine / baseline: `0.7912` → `"0.79×"`. */
export function formatRatio(value: number, digits = 2): string {
  return Number.isFinite(value) ? `${formatNumber(value, digits)}×` : NOT_A_FIGURE;
}

/** Milliseconds as a latency column shows them, without the unit: two decimals below 10, one above. */
export function formatMs(value: number): string {
  return formatNumber(value, Math.abs(value) < 10 ? 2 : 1);
}

/**
 * A duration with the unit that keeps it readable: whole nanoseconds below 10 µs, then one decimal of
 * µs below 10 ms, of ms below 10 s, of seconds above.
 */
export function formatDuration(ms: number): string {
  const magnitude = Math.abs(ms);
  if (!Number.isFinite(ms)) {
    return NOT_A_FIGURE;
  }
  if (magnitude < 0.01) {
    return `${formatNumber(ms * 1e6)} ns`;
  }
  if (magnitude < 10) {
    return `${formatNumber(ms * 1e3, 1)} µs`;
  }
  if (magnitude < 10_000) {
    return `${formatNumber(ms, 1)} ms`;
  }
  return `${formatNumber(ms / 1000, 1)} s`;
}

const BYTES_PER_UNIT = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, MB: 1e6 } as const;

/** Bytes in the unit asked for: `formatBytes(64 * 2 ** 20)` → `"64.0 MiB"`. */
export function formatBytes(bytes: number, unit: keyof typeof BYTES_PER_UNIT = "MiB", digits = 1): string {
  return `${formatNumber(bytes / BYTES_PER_UNIT[unit], digits)} ${unit}`;
}
