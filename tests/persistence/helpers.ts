import { fileURLToPath } from "node:url";
import { runToExit, spawnTsx, watchChild, type ChildResult } from "../../support/child-process.ts";

export const APPEND_LOOP_FIXTURE = fileURLToPath(new URL("./fixtures/append-loop.ts", import.meta.url));

/** The events the persistence tests journal: small, with the stream they belong to. */
export interface TestEvent {
  readonly type: "SeatsHeld" | "HoldExpired" | "Appended";
  readonly stream: string;
  readonly n: number;
  readonly note?: string;
}

export const streamOf = (event: TestEvent): string => event.stream;

export function held(n: number, stream = "schedule:a"): TestEvent {
  return { type: "SeatsHeld", stream, n };
}

/** Waits for one turn of the event loop, so appends after it land in a new batch. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface AppendLoopOptions {
  readonly path: string;
  readonly writer: "inline" | "worker";
  readonly appendsMax: number;
  readonly durationMs: number;
  /** Bytes of filler per event, so a size limit is reached sooner. */
  readonly padBytes: number;
  /** Runs the child under `ulimit -f` (in 512-byte blocks), so its writes fail like a full disk. */
  readonly fileSizeBlocksMax?: number;
  /** Kills the child with SIGKILL once `killAfterAcks` appends were acknowledged. */
  readonly killAfterAcks?: number;
  /** Hard bound on the whole child run. */
  readonly timeoutMs: number;
}

/**
 * Runs `fixtures/append-loop.ts` in a child process. The child prints one line per acknowledged
 * append ("ack <seq>"), and "failed <message>" if the journal became unavailable.
 */
export function runAppendLoop(options: AppendLoopOptions): Promise<ChildResult> {
  let acks = 0;
  const watched = watchChild(
    spawnTsx(APPEND_LOOP_FIXTURE, {
      args: [
        options.path,
        options.writer,
        String(options.appendsMax),
        String(options.durationMs),
        String(options.padBytes),
      ],
      fileSizeBlocksMax: options.fileSizeBlocksMax,
    }),
    {
      onLine: (line) => {
        acks += line.startsWith("ack ") ? 1 : 0;
        if (options.killAfterAcks !== undefined && acks >= options.killAfterAcks) {
          watched.child.kill("SIGKILL");
        }
      },
    },
  );
  return runToExit(watched, options.timeoutMs);
}

/** The seqs a child reported as acknowledged; a last line cut off by the kill is ignored. */
export function ackedSeqs(stdout: string): number[] {
  const complete = stdout.slice(0, stdout.lastIndexOf("\n") + 1);
  return complete
    .split("\n")
    .filter((line) => line.startsWith("ack "))
    .map((line) => Number(line.slice("ack ".length)));
}
