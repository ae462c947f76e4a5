/**
 * Results out: a table in the terminal, a JSON file per run, and a hand-written SVG chart (throughput
 * ratio per case, latency percentiles on a log scale) for the README.
 */
import { mkdir, writeFile } from "node:fs/promises";

import { formatMs, formatNumber, formatRatio } from "../support/format.ts";
import type { MachineInfo } from "./machine.ts";
import { SIDE_NAMES } from "./measure.ts";
import type { Comparison, SideSummary } from "./measure.ts";
import { GENERATOR_HEADROOM_MIN, THROUGHPUT_VS_BASELINE } from "./scenario-kit.ts";
import type { ScenarioResult, TargetCheck } from "./scenario-kit.ts";

export interface RunReport {
  generatedAt: string;
  command: string;
  options: { durationS: number; warmupS: number; connections: number; pipelining: 1; quick: boolean };
  machine: MachineInfo;
  scenarios: ScenarioResult[];
  summary: { failures: number; targets: number; targetsPassed: number };
}

/** Every run's JSON, and the latest full run's JSON and chart (the README shows the chart). */
const RESULTS_DIR = new URL("results/", import.meta.url);
/** `--quick` runs (CI) write here, ignored by git, so they never replace the README's chart. */
const QUICK_RESULTS_DIR = new URL("quick/", RESULTS_DIR);

function statusText(side: SideSummary): string {
  return Object.entries(side.statuses)
    .map(([status, count]) => `${status}:${formatNumber(count)}`)
    .join(" ");
}

/** Under a fixed offered rate every side answers what is offered: a throughput ratio says nothing. */
function isOpenLoop(scenario: ScenarioResult): boolean {
  return scenario.figures.offeredRate !== undefined;
}

/** engine/bare Hono/raw node:http, e.g. of a latency percentile. */
function threeSides(comparison: Comparison, pick: (side: SideSummary) => number): string {
  return [comparison.engine, comparison.baseline, comparison.raw]
    .map((side) => formatMs(pick(side)))
    .join("/");
}

function formatFigure(value: number, unit: string): string {
  return unit === "×" ? formatRatio(value) : `${formatMs(value)}${unit}`;
}

function formatCheck(scenario: string, check: TargetCheck): string {
  const value = formatFigure(check.value, check.unit);
  if (check.comparison === "reported") {
    return `  ----  ${scenario}: ${check.description} ${value} (reported, no target)`;
  }
  const comparison = check.comparison === ">=" ? "≥" : "≤";
  const threshold = formatFigure(check.threshold, check.unit);
  return `  ${check.pass ? "PASS" : "MISS"}  ${scenario}: ${check.description} ${value} (target ${comparison} ${threshold})`;
}

/**
 * The proof that the load generator is not what was measured: the engine's best closed-loop figure of
 * the run, and how fast the same generator drove raw node:http on the same requests.
 */
function generatorLine(report: RunReport): string {
  const closedLoop = report.scenarios
    .filter((scenario) => !isOpenLoop(scenario))
    .flatMap((scenario) => scenario.comparisons.map((comparison) => ({ scenario, comparison })));
  const best = closedLoop.reduce<(typeof closedLoop)[number] | undefined>(
    (found, each) =>
      found === undefined || each.comparison.engine.rps > found.comparison.engine.rps ? each : found,
    undefined,
  );
  if (best === undefined) {
    return "load generator: no closed-loop scenario ran";
  }
  const { engine, raw, generatorHeadroom } = best.comparison;
  const pass = generatorHeadroom >= GENERATOR_HEADROOM_MIN;
  return (
    `load generator: the engine's best is ${formatNumber(engine.rps)} req/s (${best.scenario.name}: ${best.comparison.name}); ` +
    `${raw.generator} drove ${SIDE_NAMES.raw} at ${formatNumber(raw.rps)} req/s on the same requests, ` +
    `${formatRatio(generatorHeadroom)} (target ≥ ${formatRatio(GENERATOR_HEADROOM_MIN)}): ${pass ? "PASS" : "MISS"}`
  );
}

/** The terminal table: one row per engine case, then targets, figures and warnings. */
export function formatTable(report: RunReport): string {
  const header = [
    "scenario",
    "case",
    "generator",
    "engine/s",
    "Hono/s",
    "raw/s",
    "engine/Hono",
    "raw/engine",
    "p50 ms e/H/r",
    "p99 ms e/H/r",
    "p99.9 e",
    "engine statuses",
  ];
  const leftAligned = new Set([0, 1, 2, header.length - 1]);
  const rows: string[][] = [];
  for (const scenario of report.scenarios) {
    if (scenario.failure !== undefined) {
      rows.push([scenario.name, "FAILED", ...header.slice(2).map(() => "")]);
      continue;
    }
    const openLoop = isOpenLoop(scenario);
    for (const comparison of scenario.comparisons) {
      const { engine, baseline, raw, ratio } = comparison;
      rows.push([
        scenario.name,
        comparison.name,
        engine.generator,
        formatNumber(engine.throughput),
        formatNumber(baseline.throughput),
        formatNumber(raw.throughput),
        openLoop ? "open loop" : formatRatio(ratio.throughput),
        openLoop ? "" : formatRatio(comparison.generatorHeadroom),
        threeSides(comparison, (side) => side.latencyMs.p50),
        threeSides(comparison, (side) => side.latencyMs.p99),
        formatMs(engine.latencyMs.p99_9),
        statusText(engine),
      ]);
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, column) =>
        leftAligned.has(column) ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ")
      .trimEnd();
  const out = [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line), ""];

  out.push(
    `targets (ratios to ${SIDE_NAMES.baseline} measured in the same run, ${report.options.connections} connections)` +
      (report.options.quick ? ", not enforced with --quick:" : ":"),
  );
  for (const scenario of report.scenarios) {
    for (const check of scenario.targets) {
      out.push(formatCheck(scenario.name, check));
    }
  }
  out.push("", generatorLine(report), "");
  for (const scenario of report.scenarios) {
    const figures = Object.entries(scenario.figures).map(
      ([key, value]) => `${key}=${formatNumber(value, Number.isInteger(value) ? 0 : 2)}`,
    );
    if (figures.length > 0) {
      out.push(`${scenario.name}: ${figures.join(", ")}`);
    }
    for (const warning of scenario.warnings) {
      out.push(`${scenario.name}: warning: ${warning}`);
    }
    if (scenario.failure !== undefined) {
      out.push(`${scenario.name}: FAILED: ${scenario.failure}`);
    }
  }
  return out.join("\n");
}

// ---------------------------------------------------------------------------------------------
// SVG

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"]/g,
    (character) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[character] ?? character,
  );

const WIDTH = 900;
const LABEL_WIDTH = 250;
const ROW_HEIGHT = 22;
const PLOT_WIDTH = WIDTH - LABEL_WIDTH - 40;
const ENGINE_COLOUR = "#2f6fdf";
const BASELINE_COLOUR = "#9aa0a6";
const RAW_COLOUR = "#3c9a5f";
const MISSED_COLOUR = "#d9822b";
const VALUE_LABEL_WIDTH = 32;

interface ChartRow {
  label: string;
  comparison: Comparison;
  /** The scenario's throughput target, drawn as a tick on the ratio bar. */
  targetRatio: number | undefined;
  rateLimited: boolean;
}

function chartRows(report: RunReport): ChartRow[] {
  return report.scenarios.flatMap((scenario) =>
    scenario.comparisons.map((comparison) => {
      const throughputTarget = scenario.targets.find(
        (check) => check.description === THROUGHPUT_VS_BASELINE && check.comparison !== "reported",
      );
      return {
        label: scenario.comparisons.length > 1 ? `${scenario.name}: ${comparison.name}` : scenario.name,
        comparison,
        targetRatio: throughputTarget?.threshold,
        rateLimited: isOpenLoop(scenario),
      };
    }),
  );
}

function ratioPanel(rows: readonly ChartRow[], top: number): { svg: string[]; height: number } {
  const measured = rows.filter((row) => !row.rateLimited);
  const scaleMax = Math.max(
    1.2,
    ...measured.map((row) =>
      Number.isFinite(row.comparison.ratio.throughput) ? row.comparison.ratio.throughput : 0,
    ),
  );
  const x = (value: number): number => LABEL_WIDTH + (Math.max(0, value) / scaleMax) * PLOT_WIDTH;
  const svg = [
    `<text x="20" y="${top + 16}" class="title">Throughput, engine / bare Hono (same run; 1.0 = the bare-Hono ceiling)</text>`,
  ];
  const plotTop = top + 30;
  const plotBottom = plotTop + measured.length * ROW_HEIGHT;
  // The grid first, so the bars are drawn over it.
  for (let tick = 0; tick <= scaleMax + 1e-9; tick += 0.25) {
    const tx = x(tick).toFixed(1);
    svg.push(
      `<line x1="${tx}" x2="${tx}" y1="${plotTop}" y2="${plotBottom}" stroke="#e3e3e3"/>`,
      `<text x="${tx}" y="${plotBottom + 14}" text-anchor="middle" class="axis">${tick.toFixed(2)}</text>`,
    );
  }
  measured.forEach((row, index) => {
    const y = plotTop + index * ROW_HEIGHT;
    const ratio = row.comparison.ratio.throughput;
    const met = row.targetRatio === undefined || ratio >= row.targetRatio;
    const barEnd = x(ratio);
    // The value goes right of the bar, or right of the target tick when the tick would cover it.
    const tickX = row.targetRatio === undefined ? Number.NaN : x(row.targetRatio);
    const labelX = (tickX > barEnd && tickX - barEnd < VALUE_LABEL_WIDTH ? tickX : barEnd) + 4;
    svg.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 14}" text-anchor="end">${escapeXml(row.label)}</text>`,
      `<rect x="${LABEL_WIDTH}" y="${y + 3}" width="${(barEnd - LABEL_WIDTH).toFixed(1)}" height="${ROW_HEIGHT - 6}" fill="${met ? ENGINE_COLOUR : MISSED_COLOUR}"/>`,
      `<text x="${labelX.toFixed(1)}" y="${y + 14}">${Number.isFinite(ratio) ? ratio.toFixed(2) : "–"}</text>`,
    );
    if (row.targetRatio !== undefined) {
      const tx = x(row.targetRatio).toFixed(1);
      svg.push(
        `<line x1="${tx}" x2="${tx}" y1="${y + 1}" y2="${y + ROW_HEIGHT - 1}" stroke="#222" stroke-width="2"/>`,
      );
    }
  });
  const one = x(1).toFixed(1);
  svg.push(
    `<line x1="${one}" x2="${one}" y1="${plotTop}" y2="${plotBottom}" stroke="#222" stroke-dasharray="4 3"/>`,
  );
  svg.push(
    `<text x="${LABEL_WIDTH}" y="${plotBottom + 30}" class="axis">black tick: target; orange bar: target missed</text>`,
  );
  return { svg, height: plotBottom + 40 - top };
}

/** Latency rows are taller than ratio rows: three sides each. */
const LATENCY_ROW_HEIGHT = ROW_HEIGHT + 12;
const LATENCY_LINE_HEIGHT = 10;

function latencyPanel(rows: readonly ChartRow[], top: number): { svg: string[]; height: number } {
  const values = rows.flatMap((row) =>
    [row.comparison.engine, row.comparison.baseline, row.comparison.raw].flatMap((side) => [
      side.latencyMs.p50,
      side.latencyMs.p99_9,
    ]),
  );
  const finite = values.filter((value) => Number.isFinite(value) && value > 0);
  const low = 10 ** Math.floor(Math.log10(Math.min(0.1, ...finite)));
  const high = 10 ** Math.ceil(Math.log10(Math.max(10, ...finite)));
  const x = (value: number): number =>
    LABEL_WIDTH +
    ((Math.log10(Math.max(low, value)) - Math.log10(low)) / (Math.log10(high) - Math.log10(low))) *
      PLOT_WIDTH;
  const svg = [
    `<text x="20" y="${top + 16}" class="title">Latency, ms (log scale): p50 ● p99 ■ p99.9 ▲ — engine blue, bare Hono grey, raw node:http green</text>`,
  ];
  const plotTop = top + 30;
  rows.forEach((row, index) => {
    const y = plotTop + index * LATENCY_ROW_HEIGHT;
    svg.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 19}" text-anchor="end">${escapeXml(row.label + (row.rateLimited ? " (open loop)" : ""))}</text>`,
    );
    (
      [
        [row.comparison.engine, ENGINE_COLOUR, y + 6],
        [row.comparison.baseline, BASELINE_COLOUR, y + 6 + LATENCY_LINE_HEIGHT],
        [row.comparison.raw, RAW_COLOUR, y + 6 + 2 * LATENCY_LINE_HEIGHT],
      ] as const
    ).forEach(([side, colour, cy]) => {
      const { p50, p99, p99_9 } = side.latencyMs;
      if (![p50, p99, p99_9].every(Number.isFinite)) {
        return;
      }
      svg.push(
        `<line x1="${x(p50).toFixed(1)}" x2="${x(p99_9).toFixed(1)}" y1="${cy}" y2="${cy}" stroke="${colour}" stroke-width="2"/>`,
        `<circle cx="${x(p50).toFixed(1)}" cy="${cy}" r="4" fill="${colour}"/>`,
        `<rect x="${(x(p99) - 4).toFixed(1)}" y="${cy - 4}" width="8" height="8" fill="${colour}"/>`,
        `<path d="M ${x(p99_9).toFixed(1)} ${cy - 5} l 5 9 h -10 z" fill="${colour}"/>`,
      );
    });
  });
  const plotBottom = plotTop + rows.length * LATENCY_ROW_HEIGHT;
  for (let tick = low; tick <= high * 1.0001; tick *= 10) {
    const tx = x(tick).toFixed(1);
    svg.push(
      `<line x1="${tx}" x2="${tx}" y1="${plotTop}" y2="${plotBottom}" stroke="#e3e3e3"/>`,
      `<text x="${tx}" y="${plotBottom + 14}" text-anchor="middle" class="axis">${tick >= 1 ? tick.toFixed(0) : tick.toString()}</text>`,
    );
  }
  return { svg, height: plotBottom + 24 - top };
}

export function renderSvg(report: RunReport): string {
  const rows = chartRows(report);
  const heading = `ticket on-sale engine vs bare Hono and raw node:http — ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}, ${report.options.connections} connections${report.options.quick ? ", --quick" : ""}, ${report.generatedAt.slice(0, 16).replace("T", " ")} UTC`;
  const ratio = ratioPanel(rows, 34);
  const latency = latencyPanel(rows, 34 + ratio.height + 10);
  const height = 34 + ratio.height + 10 + latency.height + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<style>.title{font-weight:600;font-size:13px}.axis{fill:#666;font-size:11px}</style>`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="20" y="20" class="axis">${escapeXml(heading)}</text>`,
    ...ratio.svg,
    ...latency.svg,
    `</svg>`,
    "",
  ].join("\n");
}

/**
 * Writes the run's results and returns the paths written: every full-length run keeps its own
 * `bench/results/<time>.json`; one of every scenario also becomes `latest.json` and `latest.svg`
 * (the README's chart). `--quick` runs write `bench/results/quick/latest.{json,svg}` only.
 */
export async function writeResults(report: RunReport, everyScenario: boolean): Promise<string[]> {
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const files: [URL, string][] = [];
  if (report.options.quick) {
    files.push([new URL("latest.json", QUICK_RESULTS_DIR), json]);
    files.push([new URL("latest.svg", QUICK_RESULTS_DIR), renderSvg(report)]);
  } else {
    // A file name without colons: 2026-11-21T10-15-00Z.json.
    const stamp = report.generatedAt.replace(/\.\d+Z$/, "Z").replaceAll(":", "-");
    files.push([new URL(`${stamp}.json`, RESULTS_DIR), json]);
    if (everyScenario) {
      files.push([new URL("latest.json", RESULTS_DIR), json]);
      files.push([new URL("latest.svg", RESULTS_DIR), renderSvg(report)]);
    }
  }
  for (const [file, text] of files) {
    await mkdir(new URL(".", file), { recursive: true });
    await writeFile(file, text);
  }
  return files.map(([file]) => file.pathname);
}
