import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO_ROOT } from "../../support/child-process.ts";

/**
 * Running the server as another user (root only: a file root may not write is one that another user
 * may not write). That user must reach the server's code, and the checkout may sit where it cannot: a
 * clone in a `mktemp -d` directory (mode 700), say, or one made under `umask 077`. Then the server runs
 * from a staged copy in a directory it can reach. Whether it can reach a path is asked of a child
 * running as that user, not worked out from mode bits (ACLs, mounts and the like would fool that).
 */

export interface OtherUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

export const NOBODY: OtherUser = { name: "nobody", uid: 65_534, gid: 65_534 };

/** What a server started from the checkout reads: its entry, its modules and their configuration. */
const SERVER_FILES = ["package.json", "tsconfig.json", "src", "node_modules"] as const;
/** How long the reachability check (a walk over node_modules) may take. */
const PROBE_TIMEOUT_MS = 30_000;

/**
 * Run as the other user: walks each of `read` (every directory must be listable and every file
 * readable) and checks that each of `write` is a directory it may create files in. Prints the first
 * path it may not use and why, and exits 1. A link to nothing is skipped: the server cannot be using it.
 */
const PROBE_SCRIPT = `
const fs = require("node:fs");
const path = require("node:path");
const { R_OK, W_OK, X_OK } = fs.constants;
const [read, write] = JSON.parse(process.argv[1]);
function check(target, mode, missingOk = false) {
  try {
    fs.accessSync(target, mode);
    return true;
  } catch (error) {
    if (missingOk && error.code === "ENOENT") {
      return false;
    }
    console.log(target + ": " + error.code);
    process.exit(1);
  }
}
function walk(target) {
  let stat;
  try {
    stat = fs.lstatSync(target);
  } catch (error) {
    console.log(target + ": " + error.code);
    process.exit(1);
  }
  if (stat.isSymbolicLink()) {
    check(target, R_OK, true);
  } else if (!stat.isDirectory()) {
    check(target, R_OK);
  } else if (check(target, R_OK | X_OK)) {
    for (const name of fs.readdirSync(target)) {
      walk(path.join(target, name));
    }
  }
}
read.forEach(walk);
write.forEach((target) => check(target, W_OK | X_OK));
`;

/**
 * Why `user` may not read everything under each of `read` or create files in each of `write`: the
 * first path it cannot use (or that it cannot run this Node at all); undefined when it can.
 */
export function whyUserCannotUse(
  user: OtherUser,
  { read = [], write = [] }: { readonly read?: readonly string[]; readonly write?: readonly string[] },
): string | undefined {
  try {
    execFileSync(process.execPath, ["-e", PROBE_SCRIPT, JSON.stringify([read, write])], {
      uid: user.uid,
      gid: user.gid,
      cwd: "/",
      env: {},
      stdio: ["ignore", "pipe", "pipe"],
      timeout: PROBE_TIMEOUT_MS,
    });
    return undefined;
  } catch (error) {
    const { stdout, message } = error as { stdout?: Buffer; message: string };
    const denied = stdout?.toString().trim();
    return denied !== undefined && denied !== ""
      ? `${user.name} may not use ${denied}`
      : `${user.name} cannot run ${process.execPath}: ${message}`;
  }
}

function serverFiles(root: string): string[] {
  return SERVER_FILES.map((name) => path.join(root, name));
}

/**
 * Copies `from` to `to`: a file that every user may already read (and run, if its owner may) is hard
 * linked, which costs no space; any other file is copied and made readable by all, and every
 * directory searchable by all. Nothing in `from` changes.
 */
function stageTree(from: string, to: string): void {
  const stat = fs.lstatSync(from);
  if (stat.isSymbolicLink()) {
    fs.symlinkSync(fs.readlinkSync(from), to);
    return;
  }
  if (stat.isDirectory()) {
    fs.mkdirSync(to);
    fs.chmodSync(to, (stat.mode & 0o777) | 0o555);
    for (const name of fs.readdirSync(from)) {
      stageTree(path.join(from, name), path.join(to, name));
    }
    return;
  }
  const executable = (stat.mode & 0o100) !== 0;
  const everyoneMayUse = (stat.mode & 0o004) !== 0 && (!executable || (stat.mode & 0o001) !== 0);
  if (everyoneMayUse) {
    try {
      fs.linkSync(from, to);
      return;
    } catch {
      // Another file system, or hard links refused (fs.protected_hardlinks): copy it instead.
    }
  }
  fs.copyFileSync(from, to);
  fs.chmodSync(to, (stat.mode & 0o777) | 0o444 | (executable ? 0o111 : 0));
}

export interface ServerCheckout {
  /** Where to run the server from (the `cwd` of `startServer` / `runServerToExit`). */
  readonly root: string;
  /** Why the checkout itself would not do, when `root` is a staged copy of it. */
  readonly stagedBecause?: string;
  /** Removes the staged copy, if one was made. */
  remove(): void;
}

/**
 * A checkout `user` can run the server from: the repository itself when the user can reach it, else a
 * copy of what the server needs in a fresh directory under the system's temporary directory. A
 * string, saying why, when the user cannot use even that.
 */
export function checkoutForUser(user: OtherUser): ServerCheckout | string {
  const here = whyUserCannotUse(user, { read: serverFiles(REPO_ROOT) });
  if (here === undefined) {
    return { root: REPO_ROOT, remove: () => undefined };
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `server-as-${user.name}-`));
  const remove = (): void => fs.rmSync(root, { recursive: true, force: true });
  try {
    fs.chmodSync(root, 0o755);
    for (const name of SERVER_FILES) {
      stageTree(path.join(REPO_ROOT, name), path.join(root, name));
    }
    const staged = whyUserCannotUse(user, { read: serverFiles(root) });
    if (staged !== undefined) {
      remove();
      return `from the checkout, ${here}; from a copy in ${os.tmpdir()}, ${staged}`;
    }
  } catch (error) {
    remove();
    throw error;
  }
  return { root, stagedBecause: here, remove };
}
