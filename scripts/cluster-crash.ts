/**
 * The full cluster crash test (`npm run test:cluster-crash`): HAProxy and 3 shards on loopback under
 * mixed load for `--duration` seconds (default 60), a random shard SIGKILLed every few seconds and
 * restarted by the supervisor, checked after every restart and at the end. `--seed` re-runs a printed
 * seed (the kill schedule and the load's choices); `--users` and `--keep` tune a run.
 */
import { parseCommandLine } from "../support/cli.ts";
import { runClusterCrash } from "../support/cluster-crash-harness.ts";
import { formatDuration } from "../support/format.ts";

const DURATION_S_DEFAULT = 60;
const USERS_DEFAULT = 12;
/** Bounds that keep a mistyped number from running for days. */
const DURATION_S_MAX = 3_600;
const USERS_MAX = 200;

const USAGE = `usage: npm run test:cluster-crash [-- --seed <n>] [--duration <s>] [--users <n>] [--keep]
  --seed <n>      re-run the seed a run printed (default: a fresh one)
  --duration <s>  seconds of load, kills included (default ${DURATION_S_DEFAULT})
  --users <n>     virtual users sending requests at once (default ${USERS_DEFAULT})
  --keep          keep DATA_DIR (journals, logs) after a passing run too`;

const cli = parseCommandLine({
  usage: USAGE,
  options: {
    seed: { type: "string" },
    duration: { type: "string" },
    users: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const seed = cli.seed();
const durationS = cli.integer("duration", { min: 1, max: DURATION_S_MAX, fallback: DURATION_S_DEFAULT });
const users = cli.integer("users", { min: 1, max: USERS_MAX, fallback: USERS_DEFAULT });
const again = `npm run test:cluster-crash -- --seed ${seed} --duration ${durationS} --users ${users}`;

console.log(`cluster crash: seed ${seed}, ${durationS} s of load, ${users} virtual users, 3 shards`);
console.log(`re-run with: ${again}`);
const report = await runClusterCrash({
  seed,
  durationMs: durationS * 1_000,
  users,
  keepDir: cli.values.keep,
  log: (line) => console.log(line),
});

const byKind = Object.entries(report.acknowledgedByKind)
  .map(([kind, n]) => `${kind} ${n}`)
  .join(", ");
console.log("");
console.log(
  `shard kills (SIGKILL):        ${report.kills.length} (${report.kills.map((k) => k.shard).join(" ")})`,
);
console.log(
  `requests sent:                ${report.requests} (${report.unavailable} answered 503 SHARD_UNAVAILABLE)`,
);
console.log(
  `answers:                      ${Object.entries(report.outcomes)
    .map(([outcome, n]) => `${outcome}: ${n}`)
    .join(", ")}`,
);
console.log(`keyed retries:                ${report.retries}`);
console.log(`acknowledged writes checked:  ${report.acknowledgedWrites} (${byKind})`);
console.log(
  `payments acknowledged:        ${report.crossShardPayments} across shards (saga), ${report.sameShardPayments} on the wallet's shard`,
);
console.log(
  `duration:                     ${formatDuration(report.loadMs)} under load, ${formatDuration(report.durationMs)} in all`,
);
if (report.violations.length > 0) {
  console.log("");
  console.log(`FAILED: ${report.violations.length} violations (DATA_DIR kept in ${report.dir}):`);
  for (const violation of report.violations) {
    console.log(`  - ${violation}`);
  }
  console.log(`re-run with: ${again}`);
  process.exit(1);
}
console.log("nothing lost, nothing sold twice, every wallet adds up, no saga left pending");
