/**
 * The full crash loop (`npm run test:crash`): 20 SIGKILL/restart cycles of the server under mixed
 * load, each checked against every answer the clients received. `--seed` re-runs a printed seed;
 * `--cycles`, `--users` and `--keep` (keep the journal directory) tune a run.
 */
import { formatDuration } from "../support/format.ts";
import { parseCommandLine } from "../support/cli.ts";
import { runCrashLoop } from "../support/crash-harness.ts";

const CYCLES_DEFAULT = 20;
const USERS_DEFAULT = 12;
/** Bounds that keep a mistyped number from running for days. */
const CYCLES_MAX = 10_000;
const USERS_MAX = 1_000;

const USAGE = `usage: npm run test:crash [-- --seed <n>] [--cycles <n>] [--users <n>] [--keep]
  --seed <n>     re-run the seed a run printed (default: a fresh one)
  --cycles <n>   SIGKILL/restart cycles (default ${CYCLES_DEFAULT})
  --users <n>    virtual users sending requests at once (default ${USERS_DEFAULT})
  --keep         keep the journal directory after a passing run too`;

const cli = parseCommandLine({
  usage: USAGE,
  options: {
    seed: { type: "string" },
    cycles: { type: "string" },
    users: { type: "string" },
    keep: { type: "boolean", default: false },
  },
});
const seed = cli.seed();
const cycles = cli.integer("cycles", { min: 1, max: CYCLES_MAX, fallback: CYCLES_DEFAULT });
const users = cli.integer("users", { min: 1, max: USERS_MAX, fallback: USERS_DEFAULT });

console.log(`crash loop: seed ${seed}, ${cycles} cycles, ${users} virtual users`);
console.log(`re-run with: npx tsx scripts/crash-loop.ts --seed ${seed} --cycles ${cycles} --users ${users}`);
const report = await runCrashLoop({
  seed,
  cycles,
  users,
  keepDir: cli.values.keep,
  log: (line) => console.log(line),
});

console.log("");
console.log(
  `cycles run:                   ${report.cycles} (SIGKILL each, then restart on the same journal)`,
);
console.log(`requests sent:                ${report.requests}`);
console.log(
  `acknowledged writes checked:  ${report.acknowledgedWrites} after every restart ` +
    `(${Object.entries(report.acknowledgedByKind)
      .map(([kind, n]) => `${kind} ${n}`)
      .join(", ")} 2xx answers in all)`,
);
console.log(
  `lost in a crash (no answer):  ${report.unanswered}; ${report.unansweredApplied} of their keys were applied whole, the rest not at all`,
);
console.log(`idempotent replays compared:  ${report.replaysChecked}`);
console.log(`journal seq at the end:       ${report.journalSeq}`);
console.log(`duration:                     ${formatDuration(report.durationMs)}`);
if (report.violations.length > 0) {
  console.log("");
  console.log(`FAILED: ${report.violations.length} violations (journal kept in ${report.dir}):`);
  for (const violation of report.violations) {
    console.log(`  - ${violation}`);
  }
  console.log(
    `re-run with: npx tsx scripts/crash-loop.ts --seed ${seed} --cycles ${cycles} --users ${users}`,
  );
  process.exit(1);
}
console.log("nothing lost: every acknowledged write survived every crash, and every invariant held");
