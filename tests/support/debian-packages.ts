import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The Debian tools the tests run, by the command each installs. */
const REQUIRED_COMMANDS = ["promtool", "chromium", "haproxy"] as const;
const INSTALL_SCRIPT = fileURLToPath(new URL("../../scripts/install-debian-packages.sh", import.meta.url));
const INSTALL_TIMEOUT_MS = 10 * 60_000;

function installed(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/**
 * Vitest's global setup: on a fresh machine, `npm test` installs the Debian tools the tests need with
 * the same script as `.ci/run`, so the quick start stays two commands. Without root it says what to
 * install; the tests that need a tool then fail naming it.
 */
export default function ensureDebianPackages(): void {
  const missing = REQUIRED_COMMANDS.filter((command) => !installed(command));
  if (missing.length === 0) {
    return;
  }
  if (process.getuid?.() !== 0) {
    console.warn(`missing ${missing.join(", ")}: run \`sudo bash scripts/install-debian-packages.sh\``);
    return;
  }
  console.log(`installing ${missing.join(", ")} with scripts/install-debian-packages.sh`);
  const result = spawnSync("bash", [INSTALL_SCRIPT], { stdio: "inherit", timeout: INSTALL_TIMEOUT_MS });
  if (result.status !== 0) {
    throw new Error(`scripts/install-debian-packages.sh failed (exit ${result.status})`);
  }
}
