import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration, formatMs, formatNumber, formatRatio } from "../../support/format.ts";

describe("Numbers as the benchmarks and scripts print them", () => {
  it("group thousands and keep the decimals asked for", () => {
    expect(formatNumber(1_234_567.89)).toBe("1,234,568");
    expect(formatNumber(1_234.5, 2)).toBe("1,234.50");
    expect(formatNumber(0.123, 1)).toBe("0.1");
  });

  it("show a dash for a figure that could not be measured", () => {
    for (const value of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(formatNumber(value)).toBe("–");
      expect(formatRatio(value)).toBe("–");
      expect(formatMs(value)).toBe("–");
      expect(formatDuration(value)).toBe("–");
    }
  });

  it("print ratios with a times sign and latencies with two decimals below 10 ms, one above", () => {
    expect(formatRatio(0.7912)).toBe("0.79×");
    expect(formatMs(9.424)).toBe("9.42");
    expect(formatMs(28.44)).toBe("28.4");
  });

  it("print a duration in the unit that keeps it readable", () => {
    expect(formatDuration(0.000_78)).toBe("780 ns");
    expect(formatDuration(0.012_34)).toBe("12.3 µs");
    expect(formatDuration(12.34)).toBe("12.3 ms");
    expect(formatDuration(40_123)).toBe("40.1 s");
  });

  it("print bytes in the unit asked for", () => {
    expect(formatBytes(64 * 1024 * 1024)).toBe("64.0 MiB");
    expect(formatBytes(1_200_000, "MB")).toBe("1.2 MB");
    expect(formatBytes(134.4, "B")).toBe("134.4 B");
  });
});
