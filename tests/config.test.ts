import fs from "node:fs";
import path from "node:path";
import * as prettier from "prettier";
import { describe, expect, it } from "vitest";
import {
  CONFIG_VARIABLES,
  ConfigError,
  configTableMarkdown,
  loadConfig,
  type Config,
} from "../src/config.ts";
import { MAILBOX_DEPTH_MAX_DEFAULT } from "../src/actors/mailbox.ts";
import { SNAPSHOT_EVERY_EVENTS_DEFAULT } from "../src/actors/runtime.ts";
import { JOURNAL_WRITER_DEFAULT } from "../src/actors/start-engine.ts";
import { HOLD_TTL_MS_DEFAULT } from "../src/engine/limits.ts";
import {
  QUEUE_ACTIVE_TTL_MS_MAX,
  QUEUE_ACTIVE_TTL_MS_MIN,
  QUEUE_ADMIT_BATCH_MAX,
  QUEUE_ADMIT_BATCH_MIN,
  QUEUE_ADMIT_INTERVAL_MS_MAX,
  QUEUE_ADMIT_INTERVAL_MS_MIN,
  QUEUE_MAX_ACTIVE_MAX,
  QUEUE_MAX_ACTIVE_MIN,
  QUEUE_WAIT_IDLE_TTL_MS_MAX,
  QUEUE_WAIT_IDLE_TTL_MS_MIN,
  WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
} from "../src/engine/waiting-room/index.ts";
import { REPO_ROOT } from "../support/child-process.ts";
import { findConfigTable } from "../support/config-table.ts";
import { runServerToExit } from "../support/server-process.ts";

/** The problems `loadConfig` reports for `env`, or an empty list when it accepts it. */
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A whole cluster's worth of peers, so that any SHARD_INDEX in bounds has its shard. */
const SHARD_BASE = {
  SHARD_PEERS: Array.from({ length: 64 }, (_, i) => `http://127.0.0.1:${4000 + i}`).join(","),
  SHARD_SECRET: "a-shard-secret",
};

/** Every whole-number variable: its bounds, written out, and where its value lands in the config. */

const INTEGER_VARIABLES: Record<
  string,
  { min: number; max: number; read: (config: Config) => number; base?: Record<string, string> }
> = {
  PORT: { min: 0, max: 65_535, read: (config) => config.port },
  HOLD_TTL_MS: { min: 1, max: DAY_MS, read: (config) => config.holdTtlMs },
  QUEUE_MAX_ACTIVE: {
    min: QUEUE_MAX_ACTIVE_MIN,
    max: QUEUE_MAX_ACTIVE_MAX,
    read: (config) => config.waitingRoom.maxActive,
  },
  QUEUE_ADMIT_BATCH: {
    min: QUEUE_ADMIT_BATCH_MIN,
    max: QUEUE_ADMIT_BATCH_MAX,
    read: (config) => config.waitingRoom.admitBatch,
  },
  QUEUE_ADMIT_INTERVAL_MS: {
    min: QUEUE_ADMIT_INTERVAL_MS_MIN,
    max: QUEUE_ADMIT_INTERVAL_MS_MAX,
    read: (config) => config.waitingRoom.admitIntervalMs,
  },
  QUEUE_ACTIVE_TTL_MS: {
    min: QUEUE_ACTIVE_TTL_MS_MIN,
    max: QUEUE_ACTIVE_TTL_MS_MAX,
    read: (config) => config.waitingRoom.activeTtlMs,
  },
  QUEUE_WAIT_IDLE_TTL_MS: {
    min: QUEUE_WAIT_IDLE_TTL_MS_MIN,
    max: QUEUE_WAIT_IDLE_TTL_MS_MAX,
    read: (config) => config.waitingRoom.waitIdleTtlMs,
  },
  MAILBOX_DEPTH_MAX: { min: 1, max: 10_000_000, read: (config) => config.mailboxDepthMax },
  SNAPSHOT_EVERY_EVENTS: { min: 1, max: 1_000_000_000, read: (config) => config.snapshotEveryEvents },
  REQUEST_TIMEOUT_MS: { min: 1_000, max: 600_000, read: (config) => config.requestTimeoutMs },
  DRAIN_DELAY_MS: { min: 0, max: 120_000, read: (config) => config.drainDelayMs },
  SHARD_INDEX: { min: 0, max: 63, read: (config) => config.shard?.index ?? -1, base: SHARD_BASE },
  SIMULATED_CLOCK_START_MS: {
    min: 0,
    max: 8_640_000_000_000_000,
    read: (config) => config.simulatedClockStartMs ?? -1,
    base: { ...SHARD_BASE, SHARD_INDEX: "0" },
  },
};

describe("the configuration", () => {
  it("has a default for everything, binding to loopback with the admin API off", () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      host: "127.0.0.1",
      databasePath: "./data/journal.db",
      holdTtlMs: HOLD_TTL_MS_DEFAULT,
      waitingRoom: WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
      adminToken: undefined,
      seedDemo: true,
      mailboxDepthMax: MAILBOX_DEPTH_MAX_DEFAULT,
      snapshotEveryEvents: SNAPSHOT_EVERY_EVENTS_DEFAULT,
      requestTimeoutMs: 30_000,
      journalWriter: JOURNAL_WRITER_DEFAULT,
      logLevel: "info",
      drainDelayMs: 2_000,
      shard: undefined,
      simulatedClockStartMs: undefined,
    } satisfies Config);
  });

  it("treats an empty variable as unset where there is a default", () => {
    const empty = Object.fromEntries(
      CONFIG_VARIABLES.filter(({ name }) => name !== "HOST" && name !== "DATABASE_PATH").map(({ name }) => [
        name,
        "",
      ]),
    );
    expect(loadConfig(empty)).toEqual(loadConfig({}));
  });

  describe("reports every invalid variable in one run", () => {
    it("one line each, in the order of the README's table", () => {
      let error: unknown;
      try {
        loadConfig({
          SEED_DEMO: "maybe",
          PORT: "abc",
          QUEUE_ADMIT_INTERVAL_MS: "50",
          HOST: "",
          LOG_LEVEL: "loud",
          JOURNAL_WRITER: "threads",
          DRAIN_DELAY_MS: "-1",
          HOLD_TTL_MS: "5", // valid, so not reported
        });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const { problems, message } = error as ConfigError;
      expect(problems).toEqual([
        'PORT must be an integer from 0 to 65535, got "abc"',
        'HOST must not be empty, got ""',
        'QUEUE_ADMIT_INTERVAL_MS must be an integer from 100 to 60000, got "50"',
        'SEED_DEMO must be true or false, got "maybe"',
        'JOURNAL_WRITER must be inline or worker, got "threads"',
        'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
        'DRAIN_DELAY_MS must be an integer from 0 to 120000, got "-1"',
      ]);
      // The message, which the server prints, lists every one of them.
      expect(message.split("\n")).toEqual([
        "7 environment variables are invalid:",
        ...problems.map((problem) => `  ${problem}`),
      ]);
    });

    it("one invalid variable is the whole message", () => {
      expect(() => loadConfig({ PORT: "70000" })).toThrow(
        new ConfigError(['PORT must be an integer from 0 to 65535, got "70000"']),
      );
    });

    it("never repeats the admin token, even among other problems", () => {
      const secret = "a secret with spaces";
      let error: unknown;
      try {
        loadConfig({ ADMIN_TOKEN: secret, PORT: "x" });
      } catch (caught) {
        error = caught;
      }
      expect((error as ConfigError).problems).toEqual([
        'PORT must be an integer from 0 to 65535, got "x"',
        "ADMIN_TOKEN must be 8..256 characters without spaces",
      ]);
      expect((error as Error).message).not.toContain(secret);
    });

    it("and the server prints them all and does not start", async () => {
      const run = await runServerToExit({
        env: { PORT: "port", QUEUE_MAX_ACTIVE: "0", LOG_LEVEL: "chatty", DATABASE_PATH: "" },
      });
      const output = run.stdout + run.stderr;
      expect(run.code, output).toBe(1);
      for (const name of ["PORT", "DATABASE_PATH", "QUEUE_MAX_ACTIVE", "LOG_LEVEL"]) {
        expect(output).toContain(name);
      }
      expect(output).not.toMatch(/listening on/);
    });
  });

  describe("bounds", () => {
    it("every whole-number variable has its bounds written out here", () => {
      const integers = CONFIG_VARIABLES.filter((variable) => variable.bounds !== undefined);
      expect(integers.map((variable) => variable.name).sort()).toEqual(Object.keys(INTEGER_VARIABLES).sort());
      for (const variable of integers) {
        const { min, max } = INTEGER_VARIABLES[variable.name] ?? {};
        expect(variable.bounds, variable.name).toEqual({ min, max });
      }
    });

    for (const [name, { min, max, read, base = {} }] of Object.entries(INTEGER_VARIABLES)) {
      it(`${name} takes ${min} to ${max}`, () => {
        expect(read(loadConfig({ ...base, [name]: String(min) }))).toBe(min);
        expect(read(loadConfig({ ...base, [name]: String(max) }))).toBe(max);
        expect(read(loadConfig({ ...base, [name]: ` ${max} ` }))).toBe(max);
        const outside = [String(max + 1), "1.5", "1e3", "0x10", "ten", "9".repeat(20)];
        if (min > 0) {
          outside.push(String(min - 1));
        }
        outside.push("-1");
        for (const value of outside) {
          expect(problemsOf({ ...base, [name]: value }), `${name}=${value}`).toEqual([
            `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
          ]);
        }
      });
    }

    it("SEED_DEMO takes true/false, 1/0 and yes/no in any case", () => {
      for (const value of ["true", "TRUE", "1", "yes", "Yes"]) {
        expect(loadConfig({ SEED_DEMO: value }).seedDemo, value).toBe(true);
      }
      for (const value of ["false", "False", "0", "no", "NO"]) {
        expect(loadConfig({ SEED_DEMO: value }).seedDemo, value).toBe(false);
      }
      for (const value of ["maybe", "on", "2"]) {
        expect(problemsOf({ SEED_DEMO: value })).toHaveLength(1);
      }
    });

    it("JOURNAL_WRITER and LOG_LEVEL take their listed values only", () => {
      expect(loadConfig({ JOURNAL_WRITER: "worker" }).journalWriter).toBe("worker");
      expect(loadConfig({ JOURNAL_WRITER: "inline" }).journalWriter).toBe("inline");
      expect(problemsOf({ JOURNAL_WRITER: "Worker" })).toHaveLength(1);
      for (const level of ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const) {
        expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
      }
      expect(problemsOf({ LOG_LEVEL: "INFO" })).toHaveLength(1);
    });

    it("HOST and DATABASE_PATH must not be blank; ADMIN_TOKEN is 8..256 characters without spaces", () => {
      expect(problemsOf({ HOST: " ", DATABASE_PATH: "" })).toEqual([
        'HOST must not be empty, got " "',
        'DATABASE_PATH must not be empty, got ""',
      ]);
      expect(loadConfig({ HOST: "0.0.0.0", DATABASE_PATH: "/tmp/j.db" })).toMatchObject({
        host: "0.0.0.0",
        databasePath: "/tmp/j.db",
      });
      expect(loadConfig({ ADMIN_TOKEN: "x".repeat(8) }).adminToken).toBe("x".repeat(8));
      expect(loadConfig({ ADMIN_TOKEN: "x".repeat(256) }).adminToken).toBe("x".repeat(256));
      for (const token of ["x".repeat(7), "x".repeat(257), "has a space"]) {
        expect(problemsOf({ ADMIN_TOKEN: token })).toEqual([
          "ADMIN_TOKEN must be 8..256 characters without spaces",
        ]);
      }
    });
  });

  it("takes the shard settings together, and the simulated clock only on a shard", () => {
    expect(problemsOf({ SHARD_INDEX: "0" })).toEqual([
      "SHARD_INDEX needs SHARD_PEERS",
      "SHARD_INDEX needs SHARD_SECRET",
    ]);
    expect(problemsOf({ SHARD_SECRET: SHARD_BASE.SHARD_SECRET })).toEqual([
      "SHARD_PEERS and SHARD_SECRET need SHARD_INDEX",
    ]);
    expect(problemsOf({ SIMULATED_CLOCK_START_MS: "1000" })).toEqual([
      "SIMULATED_CLOCK_START_MS needs SHARD_INDEX",
    ]);
    const shard = loadConfig({ ...SHARD_BASE, SHARD_INDEX: "2", SIMULATED_CLOCK_START_MS: "1000" });
    expect(shard.shard?.index).toBe(2);
    expect(shard.simulatedClockStartMs).toBe(1000);
  });

  describe("the README's configuration table", () => {
    it("is the table generated from the schema (`npm run config:table -- --write` updates it)", () => {
      const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
      expect(findConfigTable(readme).table).toBe(configTableMarkdown());
    });

    it("lists every variable once, with its valid values, default and meaning", () => {
      const table = configTableMarkdown();
      const rows = table.split("\n").slice(2);
      expect(rows).toHaveLength(CONFIG_VARIABLES.length);
      for (const [i, variable] of CONFIG_VARIABLES.entries()) {
        const cells = (rows[i] ?? "").split(" | ").map((cell) => cell.replace(/^\| /, "").trim());
        expect(cells[0]).toBe(`\`${variable.name}\``);
        expect(cells.slice(1).every((cell) => cell.length > 0)).toBe(true);
      }
      expect(rows.find((row) => row.startsWith("| `PORT` "))).toMatch(/\| 0 to 65535 +\| 3000 +\|/);
    });

    it("is laid out as prettier lays it out, so the README stays prettier-clean", async () => {
      const table = configTableMarkdown();
      expect(await prettier.format(table, { parser: "markdown", printWidth: 110 })).toBe(`${table}\n`);
    });
  });
});
