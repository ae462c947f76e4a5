import { spawn, type ChildProcess } from "node:child_process";

/** How long a cluster gets to print its ready line: HAProxy and every shard must start. */
export const CLUSTER_START_TIMEOUT_MS = 60_000;

/** True while a process with this pid exists (signal 0 only asks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `command` (which starts a cluster: `scripts/cluster.ts`, or npm running it) with `env` added to
 * this process's environment, and resolves once the cluster says it is ready on stderr.
 */
export async function spawnCluster(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<ChildProcess> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line:\n${stderr}`)), CLUSTER_START_TIMEOUT_MS);
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      if (stderr.includes("; ready")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on("exit", (code) => reject(new Error(`the cluster exited (${code}):\n${stderr}`)));
  });
  return child;
}
