/**
 * The server's configuration: every environment variable it reads, parsed by one zod schema that
 * reports every invalid variable at once, and the README's configuration table, made from the same
 * definitions (`npm run config:table`).
 */
import { z } from "zod";
import { JOURNAL_WRITER_DEFAULT } from "./actors/start-engine.ts";
import { MAILBOX_DEPTH_MAX_DEFAULT } from "./actors/mailbox.ts";
import { SNAPSHOT_EVERY_EVENTS_DEFAULT } from "./actors/runtime.ts";
import { SHARDS_MAX } from "./cluster/ownership.ts";
import { HOLD_TTL_MS_DEFAULT } from "./engine/limits.ts";
import {
  buildIntegerSettings,
  WAITING_ROOM_INTEGER_SETTING_NAMES,
  WAITING_ROOM_SETTING_FIELDS,
  type WaitingRoomIntegerSettingName,
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
  /** Set when the server is one shard of a cluster (`npm run cluster`); undefined for a single node. */
  readonly shard: ShardConfig | undefined;
  /**
   * Tests only: the shard's clock starts at this time and moves only when the test says so (POST
   * /internal/v1/clock), as the in-process suite's simulated clock does. Undefined: the system clock.
   */
  readonly simulatedClockStartMs: number | undefined;
}

/** A shard's place in its cluster: SHARD_INDEX, SHARD_PEERS and SHARD_SECRET. */
export interface ShardConfig {
  /** This shard's number: it tags every id it mints `s<index>-`. */
  readonly index: number;
  /** The internal base URL of every shard of the cluster, in shard order (this one's included). */
  readonly peers: readonly string[];
  /** The secret shards present to each other's internal endpoints. */
  readonly secret: string;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The environment is invalid; `problems` has one line per invalid variable, in table order. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(
      problems.length === 1
        ? (problems[0] ?? "")
        : `${problems.length} environment variables are invalid:\n  ${problems.join("\n  ")}`,
    );
    this.problems = problems;
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * One environment variable: how it parses, and what the README's table and the error messages say
 * of it. Every variable is built by one of the helpers below, so its message, its table row and its
 * schema come from the same numbers.
 */
interface Variable<T> {
  readonly schema: z.ZodType<T>;
  /** What a valid value is, as the table shows it. */
  readonly valid: string;
  /** What an invalid value breaks, after the variable's name: "must be an integer from 1 to 10". */
  readonly requirement: string;
  /** The default as the table shows it. */
  readonly fallback: string;
  readonly meaning: string;
  /** The value is a secret: an error never repeats it. */
  readonly secret?: boolean;
  /** The bounds of a whole-number variable. */
  readonly bounds?: { readonly min: number; readonly max: number };
}

/** An empty variable (`PORT=`) counts as unset, for the variables that have a default. */
const unsetIfEmpty = (raw: unknown): unknown => (raw === "" ? undefined : raw);

/** A whole number within bounds: anything outside is a typo worth stopping for, not a value to clamp. */
function integer(spec: { fallback: number; min: number; max: number; meaning: string }): Variable<number> {
  const { fallback, min, max, meaning } = spec;
  return {
    schema: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .trim()
        .regex(/^\d+$/)
        .transform(Number)
        .pipe(z.number().int().min(min).max(max))
        .default(fallback),
    ),
    valid: `${min} to ${max}`,
    requirement: `must be an integer from ${min} to ${max}`,
    fallback: String(fallback),
    meaning,
    bounds: { min, max },
  };
}

const TRUE_WORDS = ["true", "1", "yes"];
const FALSE_WORDS = ["false", "0", "no"];

function boolean(spec: { fallback: boolean; meaning: string }): Variable<boolean> {
  return {
    // Case-insensitive, as before: TRUE and Yes are fine.
    schema: z.preprocess(
      unsetIfEmpty,
      z.stringbool({ truthy: TRUE_WORDS, falsy: FALSE_WORDS }).default(spec.fallback),
    ),
    valid: "`true` or `false` (or `1`/`0`, `yes`/`no`)",
    requirement: "must be true or false",
    fallback: String(spec.fallback),
    meaning: spec.meaning,
  };
}

function oneOf<const T extends readonly [string, ...string[]]>(spec: {
  values: T;
  fallback: T[number];
  meaning: string;
}): Variable<T[number]> {
  const { values } = spec;
  return {
    schema: z.preprocess(unsetIfEmpty, z.enum(values).default(spec.fallback)),
    valid: values.map((value) => `\`${value}\``).join(", "),
    requirement:
      values.length === 2 ? `must be ${values[0]} or ${values[1]}` : `must be one of ${values.join(", ")}`,
    fallback: spec.fallback,
    meaning: spec.meaning,
  };
}

/** Text that must not be blank when given (an empty HOST is a mistake, not a request for the default). */
function text(spec: { fallback: string; valid: string; meaning: string }): Variable<string> {
  return {
    schema: z
      .string()
      .refine((value) => value.trim() !== "")
      .default(spec.fallback),
    valid: spec.valid,
    requirement: "must not be empty",
    fallback: spec.fallback,
    meaning: spec.meaning,
  };
}

/** The admin API's bearer token: optional, and never repeated in an error. */
const ADMIN_TOKEN_LENGTH_MIN = 8;
const ADMIN_TOKEN_LENGTH_MAX = 256;

function adminToken(meaning: string): Variable<string | undefined> {
  const min = ADMIN_TOKEN_LENGTH_MIN;
  const max = ADMIN_TOKEN_LENGTH_MAX;
  return {
    schema: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .regex(new RegExp(`^\\S{${min},${max}}$`))
        .optional(),
    ),
    valid: `${min} to ${max} characters, no spaces`,
    requirement: `must be ${min}..${max} characters without spaces`,
    fallback: "unset",
    meaning,
    secret: true,
  };
}

/** An optional whole number within bounds: unset means the feature it configures is off. */
function optionalInteger(spec: { min: number; max: number; meaning: string }): Variable<number | undefined> {
  const { min, max, meaning } = spec;
  return {
    schema: z.preprocess(
      unsetIfEmpty,
      z.string().trim().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max)).optional(),
    ),
    valid: `${min} to ${max}`,
    requirement: `must be an integer from ${min} to ${max}`,
    fallback: "unset",
    meaning,
    bounds: { min, max },
  };
}

/** A comma-separated list of http:// base URLs, at most `SHARDS_MAX` of them. */
function urlList(meaning: string): Variable<string[] | undefined> {
  const url = z
    .string()
    .trim()
    .regex(/^http:\/\/[^\s/,]+$/);
  return {
    schema: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .transform((raw) => raw.split(","))
        .pipe(z.array(url).min(1).max(SHARDS_MAX))
        .transform((urls) => urls.map((entry) => entry.trim()))
        .optional(),
    ),
    valid: `1 to ${SHARDS_MAX} \`http://host:port\`, comma-separated`,
    requirement: `must be 1..${SHARDS_MAX} comma-separated http://host:port URLs`,
    fallback: "unset",
    meaning,
  };
}

/** What each waiting-room variable means; its name, default and bounds come from `WAITING_ROOM_SETTING_FIELDS`. */
const WAITING_ROOM_MEANINGS: Readonly<Record<WaitingRoomIntegerSettingName, string>> = {
  maxActive: "most ACTIVE tokens per concert",
  admitBatch: "most tokens admitted per tick",
  admitIntervalMs: "admission tick",
  activeTtlMs: "how long an ACTIVE token lasts",
  waitIdleTtlMs: "a WAITING token not polled this long is dropped",
};

type WaitingRoomEnvName = (typeof WAITING_ROOM_SETTING_FIELDS)[WaitingRoomIntegerSettingName]["env"];

/** The QUEUE_* variables, in the order of `WAITING_ROOM_SETTING_FIELDS`. */
function waitingRoomVariables(): Record<WaitingRoomEnvName, Variable<number>> {
  const variables: Partial<Record<WaitingRoomEnvName, Variable<number>>> = {};
  for (const name of WAITING_ROOM_INTEGER_SETTING_NAMES) {
    const field = WAITING_ROOM_SETTING_FIELDS[name];
    variables[field.env] = integer({
      fallback: field.default,
      min: field.min,
      max: field.max,
      meaning: WAITING_ROOM_MEANINGS[name],
    });
  }
  return variables as Record<WaitingRoomEnvName, Variable<number>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Every variable the server reads, in the order of the README's table and of the error lines. */
const VARIABLES = {
  PORT: integer({
    fallback: 3000,
    min: 0,
    max: 65_535,
    meaning: "port to listen on (0 picks a free one and prints it)",
  }),
  HOST: text({ fallback: "127.0.0.1", valid: "an address", meaning: "address to bind" }),
  DATABASE_PATH: text({ fallback: "./data/journal.db", valid: "a file path", meaning: "the SQLite journal" }),
  HOLD_TTL_MS: integer({
    fallback: HOLD_TTL_MS_DEFAULT,
    min: 1,
    max: DAY_MS,
    meaning: "how long a hold lasts",
  }),
  ...waitingRoomVariables(),
  ADMIN_TOKEN: adminToken("bearer token of the admin API; unset disables it (403 `ADMIN_DISABLED`)"),
  SEED_DEMO: boolean({ fallback: true, meaning: "create the demo concert on an empty journal" }),
  MAILBOX_DEPTH_MAX: integer({
    fallback: MAILBOX_DEPTH_MAX_DEFAULT,
    min: 1,
    max: 10_000_000,
    meaning: "messages an actor accepts before answering 503 `OVERLOADED`",
  }),
  SNAPSHOT_EVERY_EVENTS: integer({
    fallback: SNAPSHOT_EVERY_EVENTS_DEFAULT,
    min: 1,
    max: 1_000_000_000,
    meaning: "journal events between snapshots",
  }),
  REQUEST_TIMEOUT_MS: integer({
    fallback: 30_000,
    min: 1_000,
    max: 600_000,
    meaning: "a client must send its whole request within this (headers within 10 s)",
  }),
  JOURNAL_WRITER: oneOf({
    values: ["inline", "worker"],
    fallback: JOURNAL_WRITER_DEFAULT,
    meaning: "`inline` commits on the main thread; `worker` on a worker thread (see the figures)",
  }),
  LOG_LEVEL: oneOf({
    values: LOG_LEVELS,
    fallback: "info",
    meaning: "the least severe log level written to stdout",
  }),
  DRAIN_DELAY_MS: integer({
    fallback: 2_000,
    min: 0,
    max: 120_000,
    meaning: "after SIGTERM, how long `/health/ready` answers 503 before connections close",
  }),
  SHARD_INDEX: optionalInteger({
    min: 0,
    max: SHARDS_MAX - 1,
    meaning: "this server is shard N of a cluster (`npm run cluster` sets it); unset: a single node",
  }),
  SHARD_PEERS: urlList("every shard's internal URL, in shard order; needed with `SHARD_INDEX`"),
  SHARD_SECRET: adminToken(
    "secret the shards show each other's internal endpoints; needed with `SHARD_INDEX`",
  ),
  SIMULATED_CLOCK_START_MS: optionalInteger({
    min: 0,
    max: 8_640_000_000_000_000,
    meaning:
      "tests only, with `SHARD_INDEX`: the clock starts at this Unix time and moves only by `POST /internal/v1/clock`; unset: the system clock",
  }),
};

type Variables = typeof VARIABLES;
type VariableName = keyof Variables;

const ENV_SCHEMA = z.object(
  Object.fromEntries(Object.entries(VARIABLES).map(([name, variable]) => [name, variable.schema])) as {
    [K in VariableName]: Variables[K]["schema"];
  },
);

/** One line for an invalid variable: its name, what it must be, and (unless secret) what it was. */
function problemOf(name: VariableName, env: Env): string {
  const variable: Variable<unknown> = VARIABLES[name];
  const given = variable.secret === true ? "" : `, got ${JSON.stringify(env[name])}`;
  return `${name} ${variable.requirement}${given}`;
}

/**
 * Reads the configuration from `env`. Throws a ConfigError naming every invalid variable, one line
 * each, so an operator fixes them all in one go.
 */
export function loadConfig(env: Env): Config {
  const parsed = ENV_SCHEMA.safeParse(env);
  if (!parsed.success) {
    const invalid = new Set(parsed.error.issues.map((issue) => issue.path[0]));
    const names = (Object.keys(VARIABLES) as VariableName[]).filter((name) => invalid.has(name));
    throw new ConfigError(names.map((name) => problemOf(name, env)));
  }
  const vars = parsed.data;
  const shard = shardConfig(vars.SHARD_INDEX, vars.SHARD_PEERS, vars.SHARD_SECRET);
  if (vars.SIMULATED_CLOCK_START_MS !== undefined && shard === undefined) {
    // Only a shard has the internal endpoint that moves the clock: a single node's would never move.
    throw new ConfigError(["SIMULATED_CLOCK_START_MS needs SHARD_INDEX"]);
  }
  return {
    port: vars.PORT,
    host: vars.HOST,
    databasePath: vars.DATABASE_PATH,
    holdTtlMs: vars.HOLD_TTL_MS,
    waitingRoom: buildIntegerSettings((name) => vars[WAITING_ROOM_SETTING_FIELDS[name].env]),
    adminToken: vars.ADMIN_TOKEN,
    seedDemo: vars.SEED_DEMO,
    mailboxDepthMax: vars.MAILBOX_DEPTH_MAX,
    snapshotEveryEvents: vars.SNAPSHOT_EVERY_EVENTS,
    requestTimeoutMs: vars.REQUEST_TIMEOUT_MS,
    journalWriter: vars.JOURNAL_WRITER,
    logLevel: vars.LOG_LEVEL,
    drainDelayMs: vars.DRAIN_DELAY_MS,
    shard,
    simulatedClockStartMs: vars.SIMULATED_CLOCK_START_MS,
  };
}

/** The shard settings, which go together: all three or none. */
function shardConfig(
  index: number | undefined,
  peers: readonly string[] | undefined,
  secret: string | undefined,
): ShardConfig | undefined {
  if (index === undefined) {
    if (peers !== undefined || secret !== undefined) {
      throw new ConfigError(["SHARD_PEERS and SHARD_SECRET need SHARD_INDEX"]);
    }
    return undefined;
  }
  const problems = [
    ...(peers === undefined ? ["SHARD_INDEX needs SHARD_PEERS"] : []),
    ...(secret === undefined ? ["SHARD_INDEX needs SHARD_SECRET"] : []),
    ...(peers !== undefined && index >= peers.length
      ? [`SHARD_INDEX must be below the ${peers.length} shards SHARD_PEERS lists, got ${index}`]
      : []),
  ];
  if (problems.length > 0 || peers === undefined || secret === undefined) {
    throw new ConfigError(problems);
  }
  return { index, peers, secret };
}

/** One variable as the README's table describes it. */
export interface ConfigVariable {
  readonly name: VariableName;
  readonly valid: string;
  readonly fallback: string;
  readonly meaning: string;
  /** The bounds of a whole-number variable; undefined for the others. */
  readonly bounds: { readonly min: number; readonly max: number } | undefined;
}

/** Every variable the server reads, in table order. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze(
  (Object.keys(VARIABLES) as VariableName[]).map((name) => {
    const variable: Variable<unknown> = VARIABLES[name];
    const { valid, fallback, meaning, bounds } = variable;
    return { name, valid, fallback, meaning, bounds };
  }),
);

const TABLE_HEADER = ["variable", "valid values", "default", "meaning"] as const;

/**
 * The README's configuration table, as markdown laid out the way prettier lays out a table (columns
 * padded to their widest cell), so the README passes `prettier --check` and a test can compare it.
 */
export function configTableMarkdown(): string {
  const rows = CONFIG_VARIABLES.map((variable) => [
    `\`${variable.name}\``,
    variable.valid,
    variable.fallback,
    variable.meaning,
  ]);
  const widths = TABLE_HEADER.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: readonly string[]): string =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(" | ")} |`;
  return [line(TABLE_HEADER), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}
