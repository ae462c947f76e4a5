import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach } from "vitest";

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

/** A fresh temporary directory per test in the enclosing `describe`, removed after it. */
export function useTempDir(prefix: string): () => string {
  let dir: string | undefined;
  beforeEach(() => {
    dir = tempDir(prefix);
  });
  afterEach(() => {
    if (dir !== undefined) {
      fs.rmSync(dir, { recursive: true, force: true });
      dir = undefined;
    }
  });
  return () => {
    if (dir === undefined) {
      throw new Error("useTempDir() is only available inside a test");
    }
    return dir;
  };
}
