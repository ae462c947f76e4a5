import fs from "node:fs";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import type { EngineEvent } from "../../src/engine/engine-state.ts";
import { engineReplayModel } from "../../src/persistence/engine-journal-model.ts";
import { openJournalReader, type StoredEvent } from "../../src/persistence/journal.ts";
import { REDACTED, runJournalTool } from "../../src/persistence/journal-tool.ts";
import { runToExit, spawnTsx, watchChild, type ChildResult } from "../../support/child-process.ts";
import { call, killAllServers, pollUntil, startServer } from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

/**
 * `npm run journal -- backup` against the server as users run it (a child process on 127.0.0.1),
 * while a load of token issues, charges and holds keeps writing to its journal.
 */

const CLI_ENTRY = "src/persistence/journal-cli.ts";
const WORKERS = 6;
/** Each worker's bound, so the load always ends even if the test's own stop never comes. */
const ROUNDS_PER_WORKER_MAX = 400;
/** Writes acknowledged before the backup starts, and after it ends (so the live journal outgrows the copy). */
const ACKS_BEFORE_BACKUP = 120;
const ACKS_AFTER_BACKUP = 30;
const CLI_TIMEOUT_MS = 30_000;
const SEATS_PER_SCHEDULE = 50;

/** A write the server acknowledged, named by what the journal will hold of it. */
interface Ack {
  readonly kind: "token" | "charge" | "hold";
  readonly id: string;
}

function runCli(...args: string[]): Promise<ChildResult> {
  return runToExit(watchChild(spawnTsx(CLI_ENTRY, { args })), CLI_TIMEOUT_MS);
}

function readEvents(file: string): StoredEvent<EngineEvent>[] {
  const reader = openJournalReader<EngineEvent>(file);
  try {
    return [...reader.events(0)];
  } finally {
    reader.close();
  }
}

/** The ids the journal holds for each kind of acknowledged write. */
function journaledIds(events: readonly StoredEvent<EngineEvent>[]): Record<Ack["kind"], Set<string>> {
  const ids = { token: new Set<string>(), charge: new Set<string>(), hold: new Set<string>() };
  for (const { event } of events) {
    if (event.type === "TokenIssued") {
      ids.token.add(event.token);
    } else if (event.type === "BalanceCharged") {
      ids.charge.add(event.transactionId);
    } else if (event.type === "SeatsHeld") {
      ids.hold.add(event.reservationId);
    }
  }
  return ids;
}

afterAll(async () => {
  await killAllServers();
});

describe("a backup of a live journal", () => {
  it("is consistent, verifies, and holds every write acknowledged before it started", async () => {
    const dir = tempDir("journal-backup-");
    const live = path.join(dir, "live.db");
    const copy = path.join(dir, "copy.db");
    const server = await startServer({ env: { DATABASE_PATH: live, SEED_DEMO: "true" } });
    try {
      const api = (method: string, url: string, options?: Parameters<typeof call>[3]) =>
        call(server.baseUrl, method, url, options);
      const concerts = (await api("GET", "/api/v1/concerts")).body as { concerts: { concertId: string }[] };
      const concertId = concerts.concerts[0]?.concertId ?? "";
      const listed = (await api("GET", `/api/v1/concerts/${concertId}/schedules`)).body as {
        schedules: { scheduleId: string }[];
      };
      const scheduleIds = listed.schedules.map((schedule) => schedule.scheduleId);
      expect(scheduleIds).toHaveLength(3);

      const acks: Ack[] = [];
      const unexpected: string[] = [];
      let stop = false;
      const worker = async (w: number): Promise<void> => {
        for (let round = 0; !stop && round < ROUNDS_PER_WORKER_MAX; round++) {
          const userId = `fan-${w}-${round}`;
          const issued = await api("POST", "/api/v1/queue/tokens", { body: { userId, concertId } });
          const token = (issued.body as { token?: string }).token ?? "";
          if (issued.status !== 201) {
            unexpected.push(`token ${issued.status} ${issued.text}`);
            return;
          }
          acks.push({ kind: "token", id: token });
          const charged = await api("POST", `/api/v1/users/${userId}/balance/charge`, {
            body: { amount: 100_000 },
            idempotencyKey: `charge-${userId}`,
          });
          if (charged.status !== 200) {
            unexpected.push(`charge ${charged.status} ${charged.text}`);
            return;
          }
          acks.push({ kind: "charge", id: (charged.body as { transactionId: string }).transactionId });
          const seat = ((w * ROUNDS_PER_WORKER_MAX + round) % SEATS_PER_SCHEDULE) + 1;
          const held = await api("POST", "/api/v1/reservations", {
            token,
            body: { scheduleId: scheduleIds[round % scheduleIds.length], seatNumbers: [seat] },
          });
          if (held.status === 201) {
            acks.push({ kind: "hold", id: (held.body as { reservationId: string }).reservationId });
          } else if (held.status !== 409) {
            unexpected.push(`hold ${held.status} ${held.text}`);
            return;
          }
        }
      };
      const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));

      let backup: ChildResult;
      let ackedBefore: number;
      try {
        await pollUntil("writes before the backup", () =>
          Promise.resolve(acks.length >= ACKS_BEFORE_BACKUP || unexpected.length > 0 ? true : undefined),
        );
        // One page per step, so the copy takes many steps while the server goes on committing.
        ackedBefore = acks.length;
        backup = await runCli("backup", "--db", live, "--to", copy, "--step-pages", "1");
        const ackedAtEnd = acks.length;
        await pollUntil("writes after the backup", () =>
          Promise.resolve(
            acks.length >= ackedAtEnd + ACKS_AFTER_BACKUP || unexpected.length > 0 ? true : undefined,
          ),
        );
      } finally {
        stop = true;
        await load;
      }
      expect(unexpected).toEqual([]);
      expect(backup.code, backup.stderr).toBe(0);
      expect(backup.stdout).toMatch(
        new RegExp(`^copied ${live} through seq \\d+ \\(\\d+ pages\\) to ${copy}`),
      );

      const verified = await runCli("verify", "--db", copy);
      expect(verified.code, verified.stderr).toBe(0);
      expect(verified.stderr).toBe("");
      expect(verified.stdout).toContain("every invariant holds");
      expect(verified.stdout.trimEnd().split("\n").at(-1)).toBe(`OK: ${copy} verified`);

      const copied = readEvents(copy);
      const inCopy = journaledIds(copied);
      const missing = acks.slice(0, ackedBefore).filter((ack) => !inCopy[ack.kind].has(ack.id));
      expect(missing).toEqual([]);

      // The copy is the live journal as of one instant: a gapless prefix of it, which it outgrew since.
      expect(await server.stop()).toEqual({ code: 0, signal: null });
      const journaled = readEvents(live);
      expect(copied.map((stored) => stored.seq)).toEqual(copied.map((_, i) => i + 1));
      expect(journaled.length).toBeGreaterThan(copied.length);
      expect(isDeepStrictEqual(copied, journaled.slice(0, copied.length))).toBe(true);

      // `inspect` of the copy hides every queue token, unless asked to show them.
      const inspect = async (...argv: string[]): Promise<string[]> => {
        const lines: string[] = [];
        const errors: string[] = [];
        const code = await runJournalTool(
          ["inspect", "--db", copy, ...argv],
          engineReplayModel(Date.now()),
          copy,
          (line) => lines.push(line),
          (line) => errors.push(line),
        );
        expect([code, errors]).toEqual([0, []]);
        return lines;
      };
      const tokens = [...inCopy.token];
      expect(tokens.length).toBeGreaterThan(0);
      const redacted = (await inspect()).join("\n");
      for (const token of tokens) {
        expect(redacted).not.toContain(token.slice(token.lastIndexOf(".") + 1));
      }
      const issued = (await inspect("--type", "TokenIssued")).map(
        (line) => (JSON.parse(line) as { event: { token: string } }).event.token,
      );
      expect(new Set(issued)).toEqual(new Set([REDACTED]));
      const shown = (await inspect("--type", "TokenIssued", "--show-secrets")).map(
        (line) => (JSON.parse(line) as { event: { token: string } }).event.token,
      );
      expect(shown.sort()).toEqual(tokens.sort());
    } finally {
      await server.stop("SIGKILL");
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
