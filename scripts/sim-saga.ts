/**
 * The long run of the payment saga's simulation (`npm run sim:saga`), the same module the tests run
 * (tests/engine/payment-saga-sim.ts): `--seeds` random-crash seeds from `--from`, then `--systematic`
 * workloads with a crash at every journal write of either side. `--seed` replays one seed (as a failure
 * prints it, e.g. `17` or `17@wallet:12:after`). Exits 1 on the first failure, with its seed.
 */
import { formatDuration } from "../support/format.ts";
import { parseCommandLine } from "../support/cli.ts";
import {
  reproduceCommand,
  runSimulation,
  writesWithoutCrashes,
  type SimResult,
} from "../tests/engine/payment-saga-sim.ts";

const SEEDS_DEFAULT = 100_000;
const SYSTEMATIC_DEFAULT = 100;
/** Bounds that keep a mistyped number from running for days. */
const SEEDS_MAX = 100_000_000;
const SYSTEMATIC_MAX = 1_000_000;
const PROGRESS_EVERY_SEEDS = 10_000;

const USAGE = `usage: npm run sim:saga [-- --seeds <n>] [--from <n>] [--systematic <n>] [--seed <seed>]
  --seeds <n>       seeds with random crashes, drops, duplicates and delays (default ${SEEDS_DEFAULT})
  --from <n>        the first seed (default 0; the tests run the first few thousand)
  --systematic <n>  workloads crashed at each of their journal writes (default ${SYSTEMATIC_DEFAULT})
  --seed <seed>     replay one seed, as a failure printed it, and print its figures`;

const cli = parseCommandLine({
  usage: USAGE,
  options: {
    seeds: { type: "string" },
    from: { type: "string" },
    systematic: { type: "string" },
    seed: { type: "string" },
  },
});

function fail(result: SimResult): never {
  if (!result.ok) {
    console.error(`seed ${result.seed} failed: ${result.failure}`);
    console.error(`reproduce: ${reproduceCommand(result.seed)}`);
  }
  process.exit(1);
}

const replay = cli.values.seed;
if (replay !== undefined) {
  const result = runSimulation(replay);
  console.log(JSON.stringify(result, null, 2));
  if (!result.ok) {
    fail(result);
  }
  process.exit(0);
}

const seeds = cli.integer("seeds", { min: 0, max: SEEDS_MAX, fallback: SEEDS_DEFAULT });
const from = cli.integer("from", { min: 0, max: Number.MAX_SAFE_INTEGER - SEEDS_MAX, fallback: 0 });
const systematic = cli.integer("systematic", { min: 0, max: SYSTEMATIC_MAX, fallback: SYSTEMATIC_DEFAULT });

const started = performance.now();
let crashes = 0;
let payments = 0;
for (let n = from; n < from + seeds; n += 1) {
  const result = runSimulation(String(n));
  if (!result.ok) {
    fail(result);
  }
  crashes += result.stats.crashes;
  payments += result.stats.payments;
  if ((n - from + 1) % PROGRESS_EVERY_SEEDS === 0) {
    const seconds = (performance.now() - started) / 1000;
    console.log(`${n - from + 1} seeds passed (${Math.round((n - from + 1) / seconds)}/s)`);
  }
}
const randomMs = performance.now() - started;
console.log(
  `random: ${seeds} seeds from ${from} passed in ${formatDuration(randomMs)} ` +
    `(${Math.round(seeds / (randomMs / 1000))}/s), ${payments} payments, ${crashes} crashes`,
);

// The systematic workloads start far from the random seeds, so the two never share a workload.
const SYSTEMATIC_FROM = 1_000_000_000;
let runs = 0;
const systematicStarted = performance.now();
for (let n = SYSTEMATIC_FROM; n < SYSTEMATIC_FROM + systematic; n += 1) {
  const clean = writesWithoutCrashes(String(n));
  if (!clean.ok) {
    fail(clean);
  }
  for (const side of ["coordinator", "wallet"] as const) {
    for (let write = 1; write <= clean.stats.writes[side]; write += 1) {
      for (const phase of ["before", "after"] as const) {
        const result = runSimulation(`${n}@${side}:${write}:${phase}`);
        if (!result.ok) {
          fail(result);
        }
        runs += 1;
      }
    }
  }
}
const systematicMs = performance.now() - systematicStarted;
console.log(
  `systematic: ${systematic} workloads, ${runs} runs with one crash each, passed in ${formatDuration(systematicMs)}`,
);
