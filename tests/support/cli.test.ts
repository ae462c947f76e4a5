import { describe, expect, it } from "vitest";
import { readCommandLine, seedFrom, UsageError } from "../../support/cli.ts";

const SPEC = {
  usage: "usage: example [--quick] [--seed <n>] [--duration <s>] [--connections <n>] [<name>…]",
  allowPositionals: true,
  options: {
    quick: { type: "boolean", default: false },
    seed: { type: "string" },
    duration: { type: "string" },
    connections: { type: "string" },
  },
} as const;

describe("A command line", () => {
  it("reads flags, options and positionals with node:util parseArgs", () => {
    const line = readCommandLine(SPEC, ["hold-hot", "--quick", "--duration", "2.5", "latency"]);
    expect(line.values.quick).toBe(true);
    expect(line.positionals).toEqual(["hold-hot", "latency"]);
    expect(line.number("duration", { min: 0.1, max: 300 })).toBe(2.5);
    expect(line.integer("connections", { min: 1, max: 1_000, fallback: 50 })).toBe(50);
    expect(line.help).toBe(false);
    expect(line.args).toEqual(["hold-hot", "--quick", "--duration", "2.5", "latency"]);
  });

  it("knows --help and -h", () => {
    expect(readCommandLine(SPEC, ["--help"]).help).toBe(true);
    expect(readCommandLine(SPEC, ["-h"]).help).toBe(true);
  });

  it("rejects an unknown option, and positionals where none are allowed", () => {
    expect(() => readCommandLine(SPEC, ["--fast"])).toThrow(UsageError);
    expect(() => readCommandLine({ ...SPEC, allowPositionals: false }, ["hold-hot"])).toThrow(UsageError);
  });

  it("rejects numbers that are not numbers, not whole, or out of range", () => {
    const bad = (
      args: string[],
      read: (line: ReturnType<typeof readCommandLine<typeof SPEC.options>>) => number,
    ) => expect(() => read(readCommandLine(SPEC, args))).toThrow(UsageError);
    bad(["--duration", "soon"], (line) => line.number("duration", { min: 0.1, max: 300 }));
    bad(["--duration", ""], (line) => line.number("duration", { min: 0.1, max: 300 }));
    bad(["--duration", "301"], (line) => line.number("duration", { min: 0.1, max: 300 }));
    bad(["--connections", "2.5"], (line) => line.integer("connections", { min: 1, max: 1_000 }));
    bad(["--connections", "0"], (line) => line.integer("connections", { min: 1, max: 1_000 }));
    bad([], (line) => line.integer("connections", { min: 1, max: 1_000 }));
    bad(["--seed", "-1"], (line) => line.seed());
  });

  it("hands rejections to the caller's handler, which parseCommandLine makes print and exit", () => {
    const messages: string[] = [];
    const fail = (message: string): never => {
      messages.push(message);
      throw new Error("stopped");
    };
    expect(() => readCommandLine(SPEC, ["--nope"], fail)).toThrow("stopped");
    expect(messages).toHaveLength(1);
  });

  it("takes a given seed, and draws a fresh one to print when none is given", () => {
    expect(readCommandLine(SPEC, ["--seed", "42"]).seed()).toBe(42);
    const drawn = readCommandLine(SPEC, []).seed();
    expect(Number.isSafeInteger(drawn) && drawn >= 0).toBe(true);
  });
});

describe("A seed from the environment", () => {
  it("is the number given, or a fresh one, and never anything else", () => {
    expect(seedFrom("7", "CRASH_SEED")).toBe(7);
    expect(Number.isSafeInteger(seedFrom(undefined, "CRASH_SEED"))).toBe(true);
    expect(() => seedFrom("seven", "CRASH_SEED")).toThrow(/CRASH_SEED/);
  });
});
