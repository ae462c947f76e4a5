/**
 * The full crash loop (`npm run test:crash`): 20 SIGKILL/restart cycles of the server under mixed
 * load, each checked against every answer the clients received. `--seed` re-runs a printed seed;
 * `--cycles`, `--users` and `--keep` (keep the journal directory) tune a run.
 */
import { parseArgs } from "node:util";
import { runCrashLoop } from "../tests/faults/crash-harness.ts";

const CYCLES_DEFAULT = 20;
const USERS_DEFAULT = 12;

const { values } = parseArgs({
  options: {
    seed: { type: "string" },
    cycles: { type: "string", default: String(CYCLES_DEFAULT) },
    users: { type: "string", default: String(USERS_DEFAULT) },
    keep: { type: "boolean", default: false },
  },
});

function positiveInteger(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    console.error(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return value;
}

const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isSafeInteger(seed) || seed < 0) {
  console.error(`--seed must be a non-negative integer, got ${JSON.stringify(values.seed)}`);
  process.exit(2);
}
const cycles = positiveInteger("cycles", values.cycles);
const users = positiveInteger("users", values.users);

console.log(`crash loop: seed ${seed}, ${cycles} cycles, ${users} virtual users`);
console.log(`re-run with: npx tsx scripts/crash-loop.ts --seed ${seed} --cycles ${cycles} --users ${users}`);
const report = await runCrashLoop({
  seed,
  cycles,
  users,
  keepDir: values.keep,
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
console.log(`duration:                     ${(report.durationMs / 1000).toFixed(1)} s`);
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
