import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts"],
    // Installs the Debian tools some tests run (promtool), as .ci/run does, when they are missing.
    globalSetup: ["tests/support/debian-packages.ts"],
    // Crash and integration tests start real child processes; give them room on a 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
