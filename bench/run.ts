/**
 * `npm run bench [-- <scenario>…] [--duration s] [--connections n] [--quick] [--engine-cmd "…"]`
 *
 * Runs the HTTP benchmark scenarios against the engine (a child process on a fresh durable journal)
 * and its two ceilings, the bare Hono app on the same stack and raw node:http, alternately, and
 * reports engine / bare Hono ratios beside raw node:http's figure, which proves the load generator.
 * Exit codes: 0 all good; 1 a scenario failed (unexpected status, error, timeout, set-up) or the
 * command line is wrong; 2 a target was missed (full runs only; `--quick` never enforces targets).
 */
import { parseCommandLine } from "../support/cli.ts";
import { formatDuration } from "../support/format.ts";
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
const DURATION_S_MIN = 0.1;
const DURATION_S_MAX = 300;

const USAGE = `usage: npm run bench [-- <scenario>…] [--duration <s>] [--connections <n>] [--quick] [--engine-cmd "<command>"]
  <scenario>…              run only these: ${SCENARIOS.map((scenario) => scenario.name).join(", ")} (default: all)
  --duration <s>           seconds per timed round (default ${DURATION_S_DEFAULT}; ${DURATION_S_QUICK} with --quick; wrk rounds take whole seconds)
  --connections <n>        connections per round, 1 to ${CONNECTIONS_MAX} (default ${CONNECTIONS_DEFAULT})
  --quick                  CI mode: short rounds, smaller data, targets shown but not enforced,
                           results in bench/results/quick/ (the README's chart is left alone)
  --engine-cmd "<command>" how to start the engine (default: node --import tsx src/main.ts)`;

function parseOptions(): { options: BenchOptions; names: string[]; args: readonly string[] } {
  const cli = parseCommandLine({
    usage: USAGE,
    allowPositionals: true,
    // Exit code 2 means a missed target.
    usageExitCode: 1,
    options: {
      duration: { type: "string" },
      connections: { type: "string" },
      quick: { type: "boolean", default: false },
      "engine-cmd": { type: "string" },
    },
  });
  const known = new Set(SCENARIOS.map((scenario) => scenario.name));
  const unknown = cli.positionals.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    cli.fail(`unknown scenario ${unknown.join(", ")}`);
  }
  const quick = cli.values.quick;
  const engineCommand =
    cli.values["engine-cmd"]?.split(/\s+/).filter((part) => part !== "") ?? ENGINE_COMMAND_DEFAULT;
  return {
    names: cli.positionals,
    args: cli.args,
    options: {
      durationS: cli.number("duration", {
        min: DURATION_S_MIN,
        max: DURATION_S_MAX,
        fallback: quick ? DURATION_S_QUICK : DURATION_S_DEFAULT,
      }),
      warmupS: quick ? 0 : WARMUP_S_DEFAULT,
      connections: cli.integer("connections", {
        min: 1,
        max: CONNECTIONS_MAX,
        fallback: CONNECTIONS_DEFAULT,
      }),
      quick,
      engineCommand,
      log: (line) => console.log(line),
    },
  };
}

async function main(): Promise<number> {
  const { options, names, args } = parseOptions();
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
  const targets = results
    .flatMap((result) => result.targets)
    .filter((check) => check.comparison !== "reported");
  const report: RunReport = {
    generatedAt: new Date().toISOString(),
    command: ["npm run bench", ...(args.length > 0 ? ["--", ...args] : [])].join(" "),
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
  const written = await writeResults(report, selected.length === SCENARIOS.length);
  console.log(`wrote ${written.join(", ")} in ${formatDuration(Date.now() - startedMs)}`);

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
