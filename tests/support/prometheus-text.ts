import { spawnSync } from "node:child_process";

/** Reading /metrics in tests: the Prometheus text format, and promtool to judge it. */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** Metric family name → its `# TYPE` (counter, gauge, histogram...). */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE_LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the text format (as prom-client writes it: one sample per line, no timestamps). */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice("# TYPE ".length).split(" ");
      if (name !== undefined && type !== undefined) {
        types.set(name, type);
      }
      continue;
    }
    if (line === "" || line.startsWith("#")) {
      continue;
    }
    const match = SAMPLE_LINE.exec(line);
    if (match === null) {
      throw new Error(`not a sample line: ${line}`);
    }
    const labels: Record<string, string> = {};
    for (const [, label, value] of (match[2] ?? "").matchAll(LABEL)) {
      labels[label as string] = value as string;
    }
    samples.push({ name: match[1] as string, labels, value: Number(match[3]) });
  }
  return { samples, types };
}

/** The samples of one series name, e.g. `app_queue_waiting` or `app_holds_total`. */
export function samplesOf(exposition: Exposition, name: string): Sample[] {
  return exposition.samples.filter((sample) => sample.name === name);
}

/** The value of the one sample of `name` whose labels include `labels`; undefined when none. */
export function valueOf(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const matching = samplesOf(exposition, name).filter((sample) =>
    Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
  if (matching.length > 1) {
    throw new Error(`${matching.length} samples of ${name} match ${JSON.stringify(labels)}`);
  }
  return matching[0]?.value;
}

export interface PromtoolResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs promtool, from Debian's `prometheus` package (which .ci/run installs). Its absence is a
 * failure, never a skip: CI has it, so a missing promtool means the machine is not set up.
 */
export function promtool(args: readonly string[], input?: string): PromtoolResult {
  const result = spawnSync("promtool", args, { input, encoding: "utf8", timeout: 30_000 });
  if (result.error !== undefined && "code" in result.error && result.error.code === "ENOENT") {
    throw new Error(
      "promtool is not installed: install Debian's `prometheus` package " +
        "(apt-get install --no-install-recommends prometheus), as .ci/run does",
    );
  }
  if (result.error !== undefined) {
    throw result.error;
  }
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
