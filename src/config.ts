import { JOURNAL_WRITER_DEFAULT } from "./actors/start-engine.ts";
import { MAILBOX_DEPTH_MAX_DEFAULT } from "./actors/mailbox.ts";
import { SNAPSHOT_EVERY_EVENTS_DEFAULT } from "./actors/runtime.ts";
import { HOLD_TTL_MS_DEFAULT } from "./engine/limits.ts";
import {
  buildIntegerSettings,
  WAITING_ROOM_SETTING_FIELDS,
  type WaitingRoomIntegerSettings,
} from "./engine/waiting-room/index.ts";

/** Everything the server reads from its environment, validated before anything starts. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databasePath: string;
  readonly holdTtlMs: number;
  /** The waiting-room settings every room starts with, each from its QUEUE_* variable. */
  readonly waitingRoom: WaitingRoomIntegerSettings;
  readonly adminToken: string | undefined;
  readonly seedDemo: boolean;
  readonly mailboxDepthMax: number;
  readonly snapshotEveryEvents: number;
  /** Where journal commits run: on the main thread, or on a worker thread that owns the connection. */
  readonly journalWriter: "inline" | "worker";
  /** How long a client has to send a whole request (headers and body) before it is answered 408. */
  readonly requestTimeoutMs: number;
  /**
   * After SIGTERM, how long the server keeps serving while /health/ready answers 503, so that a load
   * balancer stops sending it requests before its connections close.
   */
  readonly drainDelayMs: number;
  /** The least severe log level written to stdout (pino's levels, or silent). */
  readonly logLevel: LogLevel;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** A setting's bounds: anything outside is a typo worth stopping for, not a value to clamp. */
interface IntegerSetting {
  readonly fallback: number;
  readonly min: number;
  readonly max: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const INTEGER_SETTINGS = {
  PORT: { fallback: 3000, min: 0, max: 65_535 },
  HOLD_TTL_MS: { fallback: HOLD_TTL_MS_DEFAULT, min: 1, max: DAY_MS },
  MAILBOX_DEPTH_MAX: { fallback: MAILBOX_DEPTH_MAX_DEFAULT, min: 1, max: 10_000_000 },
  SNAPSHOT_EVERY_EVENTS: { fallback: SNAPSHOT_EVERY_EVENTS_DEFAULT, min: 1, max: 1_000_000_000 },
  REQUEST_TIMEOUT_MS: { fallback: 30_000, min: 1_000, max: 600_000 },
  DRAIN_DELAY_MS: { fallback: 2_000, min: 0, max: 120_000 },
} as const satisfies Record<string, IntegerSetting>;

type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: keyof typeof INTEGER_SETTINGS): number {
  return integerSetting(env, name, INTEGER_SETTINGS[name]);
}

function integerSetting(env: Env, name: string, { fallback, min, max }: IntegerSetting): number {
  const raw = env[name];
  if (raw === undefined || raw === "") {
    return fallback;
  }
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** The waiting-room settings, each read from the variable `WAITING_ROOM_SETTING_FIELDS` names for it. */
function waitingRoomSettings(env: Env): WaitingRoomIntegerSettings {
  return buildIntegerSettings((name) => {
    const field = WAITING_ROOM_SETTING_FIELDS[name];
    return integerSetting(env, field.env, { fallback: field.default, min: field.min, max: field.max });
  });
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") {
    return fallback;
  }
  if (/^(true|1|yes)$/i.test(raw)) {
    return true;
  }
  if (/^(false|0|no)$/i.test(raw)) {
    return false;
  }
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(raw)}`);
}

function journalWriter(env: Env): "inline" | "worker" {
  const raw = env.JOURNAL_WRITER;
  if (raw === undefined || raw === "") {
    return JOURNAL_WRITER_DEFAULT;
  }
  if (raw !== "inline" && raw !== "worker") {
    throw new ConfigError(`JOURNAL_WRITER must be inline or worker, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function logLevel(env: Env): LogLevel {
  const raw = env.LOG_LEVEL;
  if (raw === undefined || raw === "") {
    return "info";
  }
  const level = LOG_LEVELS.find((candidate) => candidate === raw);
  if (level === undefined) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}, got ${JSON.stringify(raw)}`);
  }
  return level;
}

export function loadConfig(env: Env): Config {
  const adminToken = env.ADMIN_TOKEN;
  if (adminToken !== undefined && adminToken.length > 0 && !/^\S{8,256}$/.test(adminToken)) {
    throw new ConfigError("ADMIN_TOKEN must be 8..256 characters without spaces");
  }
  const host = env.HOST ?? "127.0.0.1";
  if (host.trim() === "") {
    throw new ConfigError("HOST must not be empty");
  }
  const databasePath = env.DATABASE_PATH ?? "./data/journal.db";
  if (databasePath.trim() === "") {
    throw new ConfigError("DATABASE_PATH must not be empty");
  }
  return {
    port: integer(env, "PORT"),
    host,
    databasePath,
    holdTtlMs: integer(env, "HOLD_TTL_MS"),
    waitingRoom: waitingRoomSettings(env),
    adminToken: adminToken === undefined || adminToken === "" ? undefined : adminToken,
    seedDemo: boolean(env, "SEED_DEMO", true),
    mailboxDepthMax: integer(env, "MAILBOX_DEPTH_MAX"),
    snapshotEveryEvents: integer(env, "SNAPSHOT_EVERY_EVENTS"),
    requestTimeoutMs: integer(env, "REQUEST_TIMEOUT_MS"),
    journalWriter: journalWriter(env),
    logLevel: logLevel(env),
    drainDelayMs: integer(env, "DRAIN_DELAY_MS"),
  };
}
