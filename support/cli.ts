/**
 * Command lines of the benchmarks, scripts and test fixtures: `node:util` `parseArgs` (strict), a
 * `--help` / `-h` that prints the usage, and readers for the numbers and seeds they take. A wrong
 * command line prints what is wrong and the usage, and exits with 2 (unless the command says otherwise).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

interface ParseConfig<O extends OptionsConfig> {
  args: string[];
  options: O & typeof HELP_OPTION;
  allowPositionals: boolean;
  strict: true;
}

type Parsed<O extends OptionsConfig> = ReturnType<typeof parseArgs<ParseConfig<O>>>;

export interface CommandLineSpec<O extends OptionsConfig> {
  /** What `--help` prints, and what follows any complaint about the command line. */
  readonly usage: string;
  readonly options: O;
  readonly allowPositionals?: boolean;
  /** The exit code of a wrong command line: 2 unless the command already gives 2 a meaning. */
  readonly usageExitCode?: number;
}

export interface CommandLine<O extends OptionsConfig> {
  /** The arguments as given, e.g. to print how a run was started. */
  readonly args: readonly string[];
  readonly values: Parsed<O>["values"];
  readonly positionals: string[];
  /** `--help` or `-h` was given. */
  readonly help: boolean;
  /** Rejects the command line with a message. */
  fail(message: string): never;
  /** A whole-number option within [min, max], or `fallback` when it is absent (and has one). */
  integer(name: keyof O & string, range: NumberRange): number;
  /** A number option within [min, max], or `fallback` when it is absent (and has one). */
  number(name: keyof O & string, range: NumberRange): number;
  /** A seed option (a whole number from 0), or a fresh random seed to print when it is absent. */
  seed(name?: keyof O & string): number;
}

export interface NumberRange {
  readonly min: number;
  readonly max: number;
  readonly fallback?: number;
}

/** Seeds drawn when none is given stay below this, so they are short to type back. */
const SEED_DRAWN_MAX = 2 ** 31;

/** Thrown by {@link readCommandLine} for a command line it rejects. */
export class UsageError extends Error {
  override name = "UsageError";
}

/**
 * A seed given as text (by an option or an environment variable, which `name` names in the error), or
 * a fresh random one to print when it is absent, so that every run can be repeated.
 */
export function seedFrom(text: string | undefined, name: string): number {
  if (text === undefined) {
    return Math.floor(Math.random() * SEED_DRAWN_MAX);
  }
  const seed = Number(text);
  if (text.trim() === "" || !Number.isSafeInteger(seed) || seed < 0) {
    throw new UsageError(`${name} takes a whole number from 0, not ${JSON.stringify(text)}`);
  }
  return seed;
}

/**
 * Parses `args` against `spec`; rejections go to `fail` (by default, a thrown {@link UsageError}).
 * {@link parseCommandLine} is the same on `process.argv`, printing and exiting.
 */
export function readCommandLine<const O extends OptionsConfig>(
  spec: CommandLineSpec<O>,
  args: readonly string[],
  fail: (message: string) => never = (message) => {
    throw new UsageError(message);
  },
): CommandLine<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs<ParseConfig<O>>({
      args: [...args],
      options: { ...spec.options, ...HELP_OPTION },
      allowPositionals: spec.allowPositionals ?? false,
      strict: true,
    });
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const values = parsed.values as Record<string, unknown>;
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value : undefined;
  };
  const read = (name: string, range: NumberRange, whole: boolean): number => {
    const given = text(name);
    if (given === undefined) {
      return range.fallback ?? fail(`--${name} is required`);
    }
    const value = Number(given);
    if (given.trim() === "" || !Number.isFinite(value) || (whole && !Number.isSafeInteger(value))) {
      return fail(`--${name} takes ${whole ? "a whole number" : "a number"}, not ${JSON.stringify(given)}`);
    }
    if (value < range.min || value > range.max) {
      return fail(`--${name} must be from ${range.min} to ${range.max}, not ${given}`);
    }
    return value;
  };
  return {
    args: [...args],
    values: parsed.values,
    positionals: parsed.positionals,
    help: values.help === true,
    fail,
    integer: (name, range) => read(name, range, true),
    number: (name, range) => read(name, range, false),
    seed: (name = "seed") => {
      try {
        return seedFrom(text(name), `--${name}`);
      } catch (error) {
        if (error instanceof UsageError) {
          return fail(error.message);
        }
        throw error;
      }
    },
  };
}

/**
 * Parses this process's command line against `spec`. `--help` prints the usage and exits 0; a wrong
 * command line prints the problem and the usage on stderr and exits with `spec.usageExitCode` (2).
 */
export function parseCommandLine<const O extends OptionsConfig>(spec: CommandLineSpec<O>): CommandLine<O> {
  const line = readCommandLine(spec, process.argv.slice(2), (message) => {
    console.error(`${message}\n\n${spec.usage}`);
    process.exit(spec.usageExitCode ?? 2);
  });
  if (line.help) {
    console.log(spec.usage);
    process.exit(0);
  }
  return line;
}
