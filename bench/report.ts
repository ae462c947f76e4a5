/**
 * Results out: a table in the terminal, `bench/results/latest.json`, and a hand-written SVG chart
 * (throughput ratio per case, latency percentiles on a log scale) for the README.
 */
import { mkdir, writeFile } from "node:fs/promises";

import { formatMs, formatNumber, formatRatio } from "../support/format.ts";
import type { MachineInfo } from "./machine.ts";
import type { Comparison, SideSummary } from "./measure.ts";
import type { ScenarioResult } from "./scenario-kit.ts";

export interface RunReport {
  generatedAt: string;
  command: string;
  options: { durationS: number; warmupS: number; connections: number; pipelining: 1; quick: boolean };
  machine: MachineInfo;
  scenarios: ScenarioResult[];
  summary: { failures: number; targets: number; targetsPassed: number };
}

const RESULTS_DIR = new URL("results/", import.meta.url);

function statusText(side: SideSummary): string {
  return Object.entries(side.statuses)
    .map(([status, count]) => `${status}:${formatNumber(count)}`)
    .join(" ");
}

/** The terminal table: one row per engine case, then targets, figures and warnings. */
export function formatTable(report: RunReport): string {
  const header = [
    "scenario",
    "case",
    "engine/s",
    "baseline/s",
    "ratio",
    "p50 ms e/b",
    "p99 ms e/b",
    "p99.9 e",
    "engine statuses",
  ];
  const rows: string[][] = [];
  for (const scenario of report.scenarios) {
    if (scenario.failure !== undefined) {
      rows.push([scenario.name, "FAILED", "", "", "", "", "", "", ""]);
      continue;
    }
    // Under a fixed offered rate both sides answer what is offered: the ratio says nothing.
    const openLoop = scenario.figures.offeredRate !== undefined;
    for (const comparison of scenario.comparisons) {
      const { engine, baseline, ratio } = comparison;
      rows.push([
        scenario.name,
        comparison.name,
        formatNumber(engine.throughput),
        formatNumber(baseline.throughput),
        openLoop ? "open loop" : formatRatio(ratio.throughput),
        `${formatMs(engine.latencyMs.p50)}/${formatMs(baseline.latencyMs.p50)}`,
        `${formatMs(engine.latencyMs.p99)}/${formatMs(baseline.latencyMs.p99)}`,
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
        column < 2 || column === 8 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join("  ");
  const out = [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line), ""];

  out.push(
    "targets (engine / baseline measured in the same run)" +
      (report.options.quick ? ", not enforced with --quick:" : ":"),
  );
  for (const scenario of report.scenarios) {
    for (const check of scenario.targets) {
      const value = check.unit === "×" ? formatRatio(check.value) : `${formatMs(check.value)}${check.unit}`;
      const threshold = check.unit === "×" ? formatRatio(check.threshold) : `${check.threshold}${check.unit}`;
      out.push(
        `  ${check.pass ? "PASS" : "MISS"}  ${scenario.name}: ${check.description} ${value} (target ${check.comparison} ${threshold})`,
      );
    }
  }
  out.push("");
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
        (check) => check.unit === "×" && check.description.includes("vs baseline"),
      );
      return {
        label: scenario.comparisons.length > 1 ? `${scenario.name}: ${comparison.name}` : scenario.name,
        comparison,
        targetRatio: throughputTarget?.threshold,
        rateLimited: scenario.figures.offeredRate !== undefined,
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
    `<text x="20" y="${top + 16}" class="title">Throughput, engine / baseline (same run; 1.0 = the bare-Hono ceiling)</text>`,
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

function latencyPanel(rows: readonly ChartRow[], top: number): { svg: string[]; height: number } {
  const values = rows.flatMap((row) =>
    [row.comparison.engine, row.comparison.baseline].flatMap((side) => [
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
    `<text x="20" y="${top + 16}" class="title">Latency, ms (log scale): p50 ● p99 ■ p99.9 ▲ — engine blue, baseline grey</text>`,
  ];
  const plotTop = top + 30;
  const lineHeight = ROW_HEIGHT / 2;
  rows.forEach((row, index) => {
    const y = plotTop + index * (ROW_HEIGHT + 6);
    svg.push(
      `<text x="${LABEL_WIDTH - 8}" y="${y + 15}" text-anchor="end">${escapeXml(row.label + (row.rateLimited ? " (open loop)" : ""))}</text>`,
    );
    (
      [
        [row.comparison.engine, ENGINE_COLOUR, y + 6],
        [row.comparison.baseline, BASELINE_COLOUR, y + 6 + lineHeight],
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
  const plotBottom = plotTop + rows.length * (ROW_HEIGHT + 6);
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
  const heading = `ticket on-sale engine vs bare Hono — ${report.machine.cpuModel}, ${report.machine.cores} cores, Node ${report.machine.node}, ${report.options.connections} connections${report.options.quick ? ", --quick" : ""}, ${report.generatedAt.slice(0, 16).replace("T", " ")} UTC`;
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

/** Writes `bench/results/latest.json` and `bench/results/latest.svg`; returns their paths. */
export async function writeResults(report: RunReport): Promise<string[]> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const json = new URL("latest.json", RESULTS_DIR);
  const svg = new URL("latest.svg", RESULTS_DIR);
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(svg, renderSvg(report));
  return [json.pathname, svg.pathname];
}
