import fs from "node:fs";
import path from "node:path";
import { build } from "esbuild";
import { REPO_ROOT } from "../../support/child-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

/**
 * The cluster project's global setup: `src/main.ts` bundled once, with its packages left external, for
 * the shards of every test's cluster. A shard started with `--import tsx` spends about 2 s of CPU
 * loading its modules through tsx's loader thread, and the cluster suites start 3 shards per test;
 * from the bundle a shard starts in about a third of that. The code is the same source, compiled by the
 * esbuild that tsx itself uses.
 *
 * The bundle sits at `src/persistence/` of a scratch tree whose `node_modules` and journal thread
 * entries are links into the repository, so every path the server finds from its own module URL (the
 * journal threads, swagger-ui-dist) resolves as it does from the source.
 */

/** The variable that hands the bundle's path to the test workers (read by cluster-harness.ts). */
export const SHARD_BUNDLE_ENV = "SHARD_BUNDLE";

const LINKED = ["node_modules", "src/persistence/journal-worker.ts", "src/persistence/snapshot-worker.ts"];

export default async function bundleShard(): Promise<() => void> {
  const dir = tempDir("shard-bundle-");
  const outfile = path.join(dir, "src", "persistence", "main.mjs");
  await build({
    entryPoints: [path.join(REPO_ROOT, "src", "main.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  for (const linked of LINKED) {
    fs.symlinkSync(path.join(REPO_ROOT, linked), path.join(dir, linked));
  }
  process.env[SHARD_BUNDLE_ENV] = outfile;
  return () => fs.rmSync(dir, { recursive: true, force: true });
}
