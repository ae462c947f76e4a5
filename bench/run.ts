/**
 * `npm run bench [-- <scenario>…] [--duration s] [--connections n] [--quick] [--engine-cmd "…"]`
 *
 * Runs the HTTP benchmark scenarios against the engine (a child process on a fresh durable journal)
 * and the bare-Hono baseline, alternately, and reports engine / baseline ratios.
 * Exit codes: 0 all good; 1 a scenario failed (unexpected status, error, timeout, set-up);
 * 2 a target was missed (full runs only; `--quick` never enforces targets).
 */
import { parseArgs } from "node:util";

import { ENGINE_COMMAND_DEFAULT } from "./engine-process.ts";
import { describeMachine, machineInfo } from "./machine.ts";
import { formatTable, writeResults } from "./report.ts";
import type { RunReport } from "./report.ts";
import type { BenchOptions, ScenarioResult } from "./scenario-kit.ts";
import { SCENARIOS } from "./scenarios.ts";

const DURATION_S_DEFAULT = 4;
const DURATION_S_QUICK = 1;
const WARMUP_S_DEFAULT = 1;
const CONNECTIONS_DEFAULT = 50;
const CONNECTIONS_MAX = 1_000;
const DURATION_S_MAX = 300;

const USAGE = `usage: npm run bench [-- <scenario>…] [--duration <s>] [--connections <n>] [--quick] [--engine-cmd "<command>"]
scenarios: ${SCENARIOS.map((scenario) => scenario.name).join(", ")} (default: all)`;

function positiveNumber(text: string | undefined, fallback: number, max: number, name: string): number {
  if (text === undefined) {
    return fallback;
  }
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0 || value > max) {
    throw new Error(`--${name} must be a number in (0, ${max}], got "${text}"\n${USAGE}`);
  }
  return value;
}

function parseOptions(argv: string[]): { options: BenchOptions; names: string[] } {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      quick: { type: "boolean", default: false },
      "engine-cmd": { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const known = new Set(SCENARIOS.map((scenario) => scenario.name));
  const unknown = positionals.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(", ")}\n${USAGE}`);
  }
  const quick = values.quick;
  const connections = Math.round(
    positiveNumber(values.connections, CONNECTIONS_DEFAULT, CONNECTIONS_MAX, "connections"),
  );
  const engineCommand =
    values["engine-cmd"]?.split(/\s+/).filter((part) => part !== "") ?? ENGINE_COMMAND_DEFAULT;
  return {
    names: positionals,
    options: {
      durationS: positiveNumber(
        values.duration,
        quick ? DURATION_S_QUICK : DURATION_S_DEFAULT,
        DURATION_S_MAX,
        "duration",
      ),
      warmupS: quick ? 0 : WARMUP_S_DEFAULT,
      connections,
      quick,
      engineCommand,
      log: (line) => console.log(line),
    },
  };
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const { options, names } = parseOptions(argv);
  const selected = SCENARIOS.filter((scenario) => names.length === 0 || names.includes(scenario.name));
  const startedMs = Date.now();
  console.log(describeMachine(machineInfo("unknown"), false));
  console.log(
    `${selected.length} scenario(s), ${options.durationS} s per round, ${options.connections} connections, pipelining 1` +
      `${options.quick ? ", --quick: targets not enforced" : ""}\n`,
  );

  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    console.log(`${scenario.name}: ${scenario.description}`);
    const result = await scenario.run(options);
    if (result.failure !== undefined) {
      console.log(`  FAILED: ${result.failure}`);
    }
    results.push(result);
  }

  const journalModes = new Set(
    results.flatMap((result) => (result.engine === undefined ? [] : [result.engine.journalMode])),
  );
  const targets = results.flatMap((result) => result.targets);
  const report: RunReport = {
    generatedAt: new Date().toISOString(),
    command: ["npm run bench", ...(argv.length > 0 ? ["--", ...argv] : [])].join(" "),
    options: {
      durationS: options.durationS,
      warmupS: options.warmupS,
      connections: options.connections,
      pipelining: 1,
      quick: options.quick,
    },
    machine: machineInfo([...journalModes].join(", ") || "unknown"),
    scenarios: results,
    summary: {
      failures: results.filter((result) => result.failure !== undefined).length,
      targets: targets.length,
      targetsPassed: targets.filter((check) => check.pass).length,
    },
  };
  console.log(`\n${formatTable(report)}`);
  console.log(describeMachine(report.machine));
  const written = await writeResults(report);
  console.log(`wrote ${written.join(", ")} in ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);

  if (report.summary.failures > 0) {
    return 1;
  }
  if (!options.quick && report.summary.targetsPassed < report.summary.targets) {
    return 2;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
