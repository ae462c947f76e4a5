/**
 * The settings of a waiting room, listed once. Everything else that names the settings fields derives
 * from `WAITING_ROOM_SETTING_FIELDS`: the `WaitingRoomSettings` type, the defaults, the range check, the
 * copy, compare and merge below, the `WaitingRoomConfigured` event, the environment variables read by
 * src/config.ts, and the bounds of the admin API's request body (src/http/schemas.ts).
 */
import { assert } from "../decider.ts";
import {
  QUEUE_ACTIVE_TTL_MS_DEFAULT,
  QUEUE_ACTIVE_TTL_MS_MAX,
  QUEUE_ACTIVE_TTL_MS_MIN,
  QUEUE_ADMIT_BATCH_DEFAULT,
  QUEUE_ADMIT_BATCH_MAX,
  QUEUE_ADMIT_BATCH_MIN,
  QUEUE_ADMIT_INTERVAL_MS_DEFAULT,
  QUEUE_ADMIT_INTERVAL_MS_MAX,
  QUEUE_ADMIT_INTERVAL_MS_MIN,
  QUEUE_MAX_ACTIVE_DEFAULT,
  QUEUE_MAX_ACTIVE_MAX,
  QUEUE_MAX_ACTIVE_MIN,
  QUEUE_ON_SALE_AT_MS_MAX,
  QUEUE_WAIT_IDLE_TTL_MS_DEFAULT,
  QUEUE_WAIT_IDLE_TTL_MS_MAX,
  QUEUE_WAIT_IDLE_TTL_MS_MIN,
} from "./limits.ts";

/** A whole-number setting whose default for every room comes from an environment variable. */
export interface WaitingRoomIntegerSettingField {
  readonly kind: "integer";
  /** The environment variable that sets the default of every room (read by src/config.ts). */
  readonly env: string;
  readonly default: number;
  readonly min: number;
  readonly max: number;
}

/** A time in epoch ms from `min` to `max`, or null when unset. Set per concert, not by the environment. */
export interface WaitingRoomEpochMsSettingField {
  readonly kind: "epochMsOrNull";
  /**
   * The field's name in the admin API, which carries it as an ISO time without the unit suffix
   * (src/http/catalog-routes.ts maps it); messages use it, since that is the name a client sent.
   */
  readonly apiName: string;
  readonly default: null;
  readonly min: number;
  readonly max: number;
}

export type WaitingRoomSettingField = WaitingRoomIntegerSettingField | WaitingRoomEpochMsSettingField;

/**
 * Every setting of a waiting room, with its bounds and default. The order is the order of the fields in
 * settings objects and in `WaitingRoomConfigured` events, and the order in which problems are reported.
 */
export const WAITING_ROOM_SETTING_FIELDS = {
  /** Most tokens ACTIVE at once. Lowering it below the current count revokes nobody; admission waits. */
  maxActive: {
    kind: "integer",
    env: "QUEUE_MAX_ACTIVE",
    default: QUEUE_MAX_ACTIVE_DEFAULT,
    min: QUEUE_MAX_ACTIVE_MIN,
    max: QUEUE_MAX_ACTIVE_MAX,
  },
  /** Most tokens admitted per tick. */
  admitBatch: {
    kind: "integer",
    env: "QUEUE_ADMIT_BATCH",
    default: QUEUE_ADMIT_BATCH_DEFAULT,
    min: QUEUE_ADMIT_BATCH_MIN,
    max: QUEUE_ADMIT_BATCH_MAX,
  },
  /** How often the actor sends `AdmitTick`. The engine uses it only to judge the measured rate. */
  admitIntervalMs: {
    kind: "integer",
    env: "QUEUE_ADMIT_INTERVAL_MS",
    default: QUEUE_ADMIT_INTERVAL_MS_DEFAULT,
    min: QUEUE_ADMIT_INTERVAL_MS_MIN,
    max: QUEUE_ADMIT_INTERVAL_MS_MAX,
  },
  /** How long an admitted token stays ACTIVE; fixed for a token when it is admitted. */
  activeTtlMs: {
    kind: "integer",
    env: "QUEUE_ACTIVE_TTL_MS",
    default: QUEUE_ACTIVE_TTL_MS_DEFAULT,
    min: QUEUE_ACTIVE_TTL_MS_MIN,
    max: QUEUE_ACTIVE_TTL_MS_MAX,
  },
  /** A WAITING token not polled for this long is dropped at the next tick. */
  waitIdleTtlMs: {
    kind: "integer",
    env: "QUEUE_WAIT_IDLE_TTL_MS",
    default: QUEUE_WAIT_IDLE_TTL_MS_DEFAULT,
    min: QUEUE_WAIT_IDLE_TTL_MS_MIN,
    max: QUEUE_WAIT_IDLE_TTL_MS_MAX,
  },
  /** On-sale time (epoch ms); tokens issued before the queue opens wait in the pre-queue. */
  onSaleAtMs: {
    kind: "epochMsOrNull",
    apiName: "onSaleAt",
    default: null,
    min: 0,
    max: QUEUE_ON_SALE_AT_MS_MAX,
  },
} as const satisfies Record<string, WaitingRoomSettingField>;

type Fields = typeof WAITING_ROOM_SETTING_FIELDS;

export type WaitingRoomSettingName = keyof Fields;

/** The names of the settings of kind "integer", the ones the environment sets defaults for. */
export type WaitingRoomIntegerSettingName = {
  [K in keyof Fields]: Fields[K] extends WaitingRoomIntegerSettingField ? K : never;
}[keyof Fields];

/** The policy one concert's waiting room runs with; changed at run time by `ConfigureWaitingRoom`. */
export type WaitingRoomSettings = {
  readonly [K in keyof Fields]: Fields[K] extends WaitingRoomEpochMsSettingField ? number | null : number;
};

/** The settings the environment gives every room (all but the per-concert `onSaleAtMs`). */
export type WaitingRoomIntegerSettings = Pick<WaitingRoomSettings, WaitingRoomIntegerSettingName>;

/** Every setting name, in table order. */
export const WAITING_ROOM_SETTING_NAMES: readonly WaitingRoomSettingName[] = Object.freeze(
  Object.keys(WAITING_ROOM_SETTING_FIELDS) as WaitingRoomSettingName[],
);

/** The names of the integer settings, in table order. */
export const WAITING_ROOM_INTEGER_SETTING_NAMES: readonly WaitingRoomIntegerSettingName[] = Object.freeze(
  WAITING_ROOM_SETTING_NAMES.filter(
    (name): name is WaitingRoomIntegerSettingName => WAITING_ROOM_SETTING_FIELDS[name].kind === "integer",
  ),
);

/** Builds settings field by field in table order, so every settings object has the same field order. */
function buildSettings(valueOf: (name: WaitingRoomSettingName) => number | null): WaitingRoomSettings {
  const settings: Partial<Record<WaitingRoomSettingName, number | null>> = {};
  for (const name of WAITING_ROOM_SETTING_NAMES) {
    settings[name] = valueOf(name);
  }
  return settings as WaitingRoomSettings;
}

/** The integer settings, each given by `valueOf`, in table order. */
export function buildIntegerSettings(
  valueOf: (name: WaitingRoomIntegerSettingName) => number,
): WaitingRoomIntegerSettings {
  const settings: Partial<Record<WaitingRoomIntegerSettingName, number>> = {};
  for (const name of WAITING_ROOM_INTEGER_SETTING_NAMES) {
    settings[name] = valueOf(name);
  }
  return settings as WaitingRoomIntegerSettings;
}

export const WAITING_ROOM_SETTINGS_DEFAULT: WaitingRoomSettings = Object.freeze(
  buildSettings((name) => WAITING_ROOM_SETTING_FIELDS[name].default),
);

/** The defaults of the integer settings: what a server starts every room with when the environment is silent. */
export const WAITING_ROOM_INTEGER_SETTINGS_DEFAULT: WaitingRoomIntegerSettings = Object.freeze(
  buildIntegerSettings((name) => WAITING_ROOM_SETTING_FIELDS[name].default),
);

/** Why these (possibly partial) settings are invalid, or undefined when every given field is in range. */
export function waitingRoomSettingsProblem(settings: Partial<WaitingRoomSettings>): string | undefined {
  for (const name of WAITING_ROOM_SETTING_NAMES) {
    const value: unknown = settings[name];
    if (value === undefined) {
      continue;
    }
    const field: WaitingRoomSettingField = WAITING_ROOM_SETTING_FIELDS[name];
    const inRange =
      Number.isSafeInteger(value) && (value as number) >= field.min && (value as number) <= field.max;
    switch (field.kind) {
      case "integer":
        if (!inRange) {
          return `${name} must be an integer from ${field.min} to ${field.max}`;
        }
        break;
      case "epochMsOrNull":
        if (value !== null && !inRange) {
          return `${field.apiName} must be null or epoch milliseconds`;
        }
        break;
      default: {
        const unknown: never = field;
        assert(false, `unknown setting kind ${String(unknown)}`);
      }
    }
  }
  return undefined;
}

/** A copy holding exactly the settings fields of `settings` (which may be a larger object, like an event). */
export function copySettings(settings: WaitingRoomSettings): WaitingRoomSettings {
  return buildSettings((name) => settings[name]);
}

export function sameSettings(a: WaitingRoomSettings, b: WaitingRoomSettings): boolean {
  return WAITING_ROOM_SETTING_NAMES.every((name) => a[name] === b[name]);
}

/** `current` with the fields `patch` gives; a field the patch leaves undefined keeps its value. */
export function mergeSettings(
  current: WaitingRoomSettings,
  patch: Partial<WaitingRoomSettings>,
): WaitingRoomSettings {
  return buildSettings((name) => {
    const value = patch[name];
    return value === undefined ? current[name] : value;
  });
}
