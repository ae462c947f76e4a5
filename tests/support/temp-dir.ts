import fs from "node:fs";
import { afterEach, beforeEach } from "vitest";
import { tempDir } from "../../support/temp-dir.ts";

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
