import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/** A fresh temporary directory; remove it with `fs.rmSync(dir, { recursive: true, force: true })` when done. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * A temporary directory in memory where the machine has one (/dev/shm), for tests where durability
 * is not under test and an fsync per commit would only make them slow; elsewhere the usual one.
 */
export function memoryTempDir(prefix: string): string {
  const base = fs.existsSync("/dev/shm") ? "/dev/shm" : os.tmpdir();
  return fs.mkdtempSync(path.join(base, prefix));
}
