import { defineConfig } from "vitest/config";

/**
 * The HTTP contract suites, which run twice: in process, and through a real 3-shard cluster behind
 * HAProxy (HARNESS_TARGET=cluster, tests/support/cluster-harness.ts), since a client must not be able
 * to tell one shard from three. `npm run test:cluster-http` runs the second alone.
 */
const CONTRACT_SUITES = ["tests/http/contract-*.test.ts", "tests/http/docs.test.ts"];

export default defineConfig({
  test: {
    // Installs the Debian tools some tests run (promtool), as .ci/run does, when they are missing.
    globalSetup: ["tests/support/debian-packages.ts"],
    // Crash and integration tests start real child processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    projects: [
      { extends: true, test: { name: "node", include: ["tests/**/*.test.ts"] } },
      {
        extends: true,
        test: {
          name: "cluster",
          include: CONTRACT_SUITES,
          env: { HARNESS_TARGET: "cluster" },
          globalSetup: ["tests/support/debian-packages.ts", "tests/support/shard-bundle.ts"],
        },
      },
    ],
  },
});
