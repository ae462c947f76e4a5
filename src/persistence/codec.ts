import { FLOAT32_OPTIONS, Packr, type Options } from "msgpackr";
import { JOURNAL_EVENT_DEPTH_MAX, JOURNAL_EVENT_TYPE_LENGTH_MAX } from "./limits.ts";

/**
 * What both stored formats (snapshots and events) share. Every option is set, because the defaults
 * differ between `pack`, `Packr` and the streams, and a changed default would silently change what we
 * read back. The two formats differ only in how they write objects: see `statePackr` and `eventPackr`.
 */
function storedFormat(what: "stored" | "journaled"): Options {
  return {
    // `Set` and typed arrays come back as themselves instead of arrays or plain buffers.
    moreTypes: true,
    // Our data has no shared references or cycles, and reference tracking costs about a quarter.
    structuredClone: false,
    // Numbers beyond 32 bits are written as float64 and read back as the same number; a 64-bit
    // integer can only come from a bigint, and reading it back as a bigint keeps it exact.
    int64AsType: "bigint",
    largeBigIntToFloat: false,
    largeBigIntToString: false,
    useBigIntExtension: false,
    // Floats stay 64-bit: a price or a time must come back bit for bit.
    useFloat32: FLOAT32_OPTIONS.NEVER,
    // Every payload decodes on its own, so any row can be read without the ones before it.
    sequential: false,
    maxSharedStructures: 0,
    // Bundling only speeds up decoding where the native addon is missing, and costs space.
    bundleStrings: false,
    // Decoded binaries must not keep the whole payload buffer alive.
    copyBuffers: true,
    encodeUndefinedAsNil: false,
    useTimestamp32: false,
    coercibleKeyAsNumber: false,
    mapAsEmptyObject: false,
    setAsEmptyObject: false,
    allowArraysInMapKeys: false,
    // What is stored is the object's own fields, never a shape meant for an API response.
    useToJSON: false,
    writeFunction: () => {
      throw new TypeError(`a function is not data and cannot be ${what}`);
    },
    onInvalidDate: () => {
      throw new TypeError(`an invalid Date cannot be ${what}`);
    },
  };
}

/**
 * Snapshots. What round-trips exactly: plain objects (as plain objects), arrays, `Map`, `Set`,
 * strings, every number except -0 (stored as 0), booleans, `null`, `undefined` (also inside objects
 * and arrays), `Uint8Array` and the other typed arrays (as their own class), `Buffer`, `Date`, and
 * bigint within 64 bits. What does not: an own property named `__proto__` (msgpackr renames it, to
 * guard against prototype pollution; key users by `Map`), class instances (stored as plain objects),
 * shared references (stored twice) and cycles (which overflow the stack).
 */
const statePackr = new Packr({
  ...storedFormat("stored"),
  // Plain objects are written as records: a state holds many objects of one shape (seats, holds),
  // and a record writes each shape's keys once, which makes it compact and fast to decode.
  useRecords: true,
  // With records on, msgpack maps are free to mean `Map`, so a `Map` comes back as a `Map`.
  mapsAsObjects: false,
  // Only used without records; set so that the choice is visible.
  variableMapSize: false,
});

/**
 * Events. An event is small and alone in its row, so a record would carry its own definition every
 * time and decode at half the speed of a plain map; events are therefore written as msgpack maps and
 * read back as plain objects. That makes a `Map` inside an event indistinguishable from an object, so
 * `eventDefect` refuses anything but plain data first.
 */
const eventPackr = new Packr({
  ...storedFormat("journaled"),
  useRecords: false,
  mapsAsObjects: true,
  // Without it every object is written with a 16-bit key count, which breaks past 65,535 keys.
  variableMapSize: true,
});

/**
 * Encodes a snapshot state. The result is a view into a buffer msgpackr reuses for later values:
 * copy it before keeping it past the next call.
 */
export function encodeState(state: unknown): Uint8Array {
  return statePackr.pack(state);
}

/** Decodes what `encodeState` wrote. Throws on malformed or truncated input. */
export function decodeState(bytes: Uint8Array): unknown {
  return statePackr.unpack(bytes);
}

/**
 * Encodes an event that `eventDefect` accepted. The result is a view into a buffer msgpackr reuses:
 * copy it before keeping it past the next call.
 */
export function encodeEvent(event: unknown): Uint8Array {
  return eventPackr.pack(event);
}

/**
 * Checks an event before it is encoded: a plain object whose `type` is a non-empty string within
 * the limit, holding only plain data (see `dataDefect`). Returns what is wrong, or undefined.
 */
export function eventDefect(event: unknown): string | undefined {
  if (!isPlainObject(event)) {
    return "an event must be a plain object";
  }
  const type = event["type"];
  if (typeof type !== "string" || type.length === 0) {
    return "an event must have a non-empty string `type`";
  }
  if (type.length > JOURNAL_EVENT_TYPE_LENGTH_MAX) {
    return `an event type is at most ${JOURNAL_EVENT_TYPE_LENGTH_MAX} characters`;
  }
  return dataDefect(event, JOURNAL_EVENT_DEPTH_MAX);
}

/**
 * Decodes an event payload and checks it against the type stored beside it, so a damaged or
 * misplaced payload is caught here rather than by whatever folds it. Throws on any mismatch.
 */
export function decodeEvent(payload: Uint8Array, storedType: string): unknown {
  const event: unknown = eventPackr.unpack(payload);
  if (!isPlainObject(event)) {
    throw new Error("the decoded payload is not an object");
  }
  const type = event["type"];
  if (type !== storedType) {
    throw new Error(
      `the decoded event type ${JSON.stringify(type)} differs from the stored type ${JSON.stringify(storedType)}`,
    );
  }
  return event;
}

/**
 * Decodes a run of event payloads stored back to back (as replay reads them, one blob per page), pushing
 * each onto `events`. Each must be a plain object with a non-empty string `type`; unlike `decodeEvent`,
 * the type is not compared with the stored one: replay reads no type column, and the fold dispatches on
 * the event's own type. Throws on the first value that does not decode or is not an event.
 */
export function decodeEventRun(bytes: Uint8Array, events: unknown[]): void {
  eventPackr.unpackMultiple(bytes, (event: unknown) => {
    if (!isPlainObject(event)) {
      throw new Error("the decoded payload is not an object");
    }
    const type = event["type"];
    if (typeof type !== "string" || type.length === 0) {
      throw new Error("the decoded event has no string `type`");
    }
    events.push(event);
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * What keeps `value` from being plain data that round-trips exactly through the event codec, or
 * undefined: JSON-like values plus `undefined` and typed arrays. Refused: Map, Set, Date, class
 * instances, functions, symbols, bigints, an own `__proto__` key, and nesting deeper than `depth`
 * (which also stops a cycle). -0 is accepted and comes back as 0.
 */
function dataDefect(value: unknown, depth: number): string | undefined {
  switch (typeof value) {
    case "string":
    case "number":
    case "boolean":
    case "undefined":
      return undefined;
    case "object": {
      if (value === null) {
        return undefined;
      }
      if (depth === 0) {
        return `an event nests deeper than ${JOURNAL_EVENT_DEPTH_MAX} levels (or has a cycle)`;
      }
      if (Array.isArray(value)) {
        for (const item of value as unknown[]) {
          const defect = dataDefect(item, depth - 1);
          if (defect !== undefined) {
            return defect;
          }
        }
        return undefined;
      }
      if (isPlainObject(value)) {
        for (const key in value) {
          if (key === "__proto__") {
            return "an event may not have a `__proto__` key";
          }
          const defect = dataDefect(value[key], depth - 1);
          if (defect !== undefined) {
            return defect;
          }
        }
        return undefined;
      }
      if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
        return undefined;
      }
      const kind = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return `an event holds plain data only, not a ${typeof kind === "string" ? kind : "class instance"}`;
    }
    case "bigint":
    case "function":
    case "symbol":
      return `an event holds plain data only, not a ${typeof value}`;
  }
}
