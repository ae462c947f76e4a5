/**
 * In-engine waiting-room benchmark: one concert, 1,000,000 WAITING tokens, no actors, no HTTP.
 *
 *   node --expose-gc --import tsx bench/queue-engine.ts      (memory figures need --expose-gc)
 *   npx tsx bench/queue-engine.ts                             (timings only)
 *
 * Prints issue cost, poll latency (p50/p99, single polls and batches of 1,000) beside a bare `Map.get`
 * baseline measured in the same process, leave / admit / abandon / expire / reclaim costs, the opening
 * shuffle of a 1,000,000-token pre-queue, and heap bytes per waiting token. Every scenario checks its
 * answers before it is timed and fails loudly on a wrong one: a fast wrong answer is not a result.
 * Targets (issue 4): poll p99 < 5 µs with 1,000,000 waiting; ≤ 200 bytes of heap per waiting token.
 */
import os from "node:os";
import { nanoid } from "nanoid";
import type { DecideContext } from "../src/engine/decider.ts";
import {
  QUEUE_MAX_ACTIVE_DEFAULT,
  QUEUE_TOKEN_RETENTION_MS,
  WAITING_ROOM_SETTINGS_DEFAULT,
  decideWaitingRoom,
  evolveWaitingRoom,
  initialWaitingRoomState,
  liveTokenOfUser,
  pollToken,
  resumeWaitingRoom,
  viewToken,
  waitingRoomStats,
  type WaitingRoomCommand,
  type WaitingRoomSettings,
  type WaitingRoomState,
} from "../src/engine/waiting-room/index.ts";
import { seededRandom } from "../src/engine/seeded-random.ts";
import { parseCommandLine } from "../support/cli.ts";
import { formatBytes, formatDuration, formatNumber, formatRatio } from "../support/format.ts";
import { summarize } from "../support/stats.ts";

const USAGE = `usage: node --expose-gc --import tsx bench/queue-engine.ts   (npm run bench:queue runs it)
  takes no options; without --expose-gc the memory figures are skipped`;

const WAITING_TARGET = 1_000_000;
const POLL_SAMPLES = 200_000;
const POLL_BATCH_SIZE = 1_000;
const POLL_BATCHES = 2_000;
const LEAVE_SAMPLES = 20_000;
const T0_MS = 1_767_225_600_000;

const gc = (globalThis as { gc?: () => void }).gc;

function collect(): void {
  if (gc !== undefined) {
    gc();
    gc();
  }
}

/** Heap plus typed-array backing stores (which live outside the V8 heap but are ours all the same). */
function retainedBytes(): { heap: number; buffers: number } {
  collect();
  const usage = process.memoryUsage();
  return { heap: usage.heapUsed, buffers: usage.arrayBuffers };
}

function fail(message: string): never {
  console.error(`FAILED: ${message}`);
  process.exit(1);
}

function ctxAt(nowMs: number): DecideContext {
  return { nowMs, newId: () => nanoid() };
}

/** Decides and applies one command; an unexpected rejection fails the run. */
function run(state: WaitingRoomState, command: WaitingRoomCommand, nowMs: number): number {
  const decision = decideWaitingRoom(state, command, ctxAt(nowMs));
  if (!decision.ok) {
    fail(`${command.type} rejected: ${decision.rejection.code} ${decision.rejection.message}`);
  }
  for (const event of decision.events) {
    evolveWaitingRoom(state, event);
  }
  return decision.events.length;
}

/** A duration measured in nanoseconds, printed in the unit that suits it. */
function ns(value: number): string {
  return formatDuration(value / 1e6);
}

function line(label: string, value: string): void {
  console.log(`  ${label.padEnd(46)} ${value}`);
}

/** Indices drawn from a seed, so the benchmark polls the same tokens every run. */
function randomIndices(count: number, bound: number, seed: number): Int32Array {
  const random = seededRandom(seed);
  return Int32Array.from({ length: count }, () => random.int(0, bound - 1));
}

function timeEach(count: number, op: (i: number) => void): Float64Array {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint();
    op(i);
    samples[i] = Number(process.hrtime.bigint() - start);
  }
  return samples;
}

function timeBatches(batches: number, size: number, op: (i: number) => void): Float64Array {
  const samples = new Float64Array(batches);
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    for (let i = b * size, end = i + size; i < end; i++) {
      op(i);
    }
    samples[b] = Number(process.hrtime.bigint() - start) / size;
  }
  return samples;
}

/** User ids are made inside the measured region: the room keeps them, so they count as its memory. */
function userIdOf(i: number): string {
  return `user_${String(i).padStart(7, "0")}`;
}

function main(): void {
  parseCommandLine({ usage: USAGE, options: {} });
  console.log("Waiting room, in-engine (bench/queue-engine.ts)");
  console.log(
    `  machine: ${os.cpus()[0]?.model ?? "unknown CPU"}, ${os.cpus().length} cores, Node ${process.version}`,
  );
  if (gc === undefined) {
    console.log("  (no --expose-gc: memory figures are skipped; run with node --expose-gc --import tsx)");
  }

  // ---- Issue 1,000,000 waiting tokens (plus the first maxActive, which are ACTIVE at once). ----
  const concertId = nanoid();
  const settings: WaitingRoomSettings = { ...WAITING_ROOM_SETTINGS_DEFAULT };
  const total = WAITING_TARGET + QUEUE_MAX_ACTIVE_DEFAULT;
  const before = retainedBytes();
  let state = initialWaitingRoomState(concertId, settings);
  const issueStart = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    run(state, { type: "IssueToken", concertId, userId: userIdOf(i) }, T0_MS);
  }
  const issueNs = Number(process.hrtime.bigint() - issueStart);
  const after = retainedBytes();
  const stats = waitingRoomStats(state, T0_MS);
  if (stats.waiting !== WAITING_TARGET || stats.active !== QUEUE_MAX_ACTIVE_DEFAULT) {
    fail(
      `expected ${WAITING_TARGET} waiting and ${QUEUE_MAX_ACTIVE_DEFAULT} active, got ${JSON.stringify(stats)}`,
    );
  }
  console.log(`\nIssue ${formatNumber(total)} tokens (${formatNumber(stats.waiting)} waiting)`);
  line("issue (decide + evolve), mean", ns(issueNs / total));
  if (gc !== undefined) {
    const heapPerToken = (after.heap - before.heap) / total;
    const buffersPerToken = (after.buffers - before.buffers) / total;
    line("heap per token (V8 heap: strings, Map, arrays)", formatBytes(heapPerToken, "B"));
    line("typed-array buffers per token (off-heap)", formatBytes(buffersPerToken, "B"));
    line("total per waiting token (target ≤ 200 B)", formatBytes(heapPerToken + buffersPerToken, "B"));
    line("  of which the user id string (12 chars)", `${16 + Math.ceil(userIdOf(0).length / 8) * 8} B`);
  }

  // ---- Poll latency, checked first. ----
  const tokens: string[] = [];
  const pick = randomIndices(POLL_SAMPLES, WAITING_TARGET, 0x5eed);
  for (let i = 0; i < POLL_SAMPLES; i++) {
    const index = QUEUE_MAX_ACTIVE_DEFAULT + pick[i]!;
    const token = liveTokenOfUser(state, userIdOf(index), T0_MS) ?? fail(`no token for ${userIdOf(index)}`);
    const view = viewToken(state, token, T0_MS);
    if (view?.status !== "WAITING" || view.position !== pick[i]! + 1) {
      fail(`token ${i} should wait at ${pick[i]! + 1}, got ${JSON.stringify(view)}`);
    }
    tokens.push(token);
  }
  // The baseline indexes every waiting token, as a token → state hash map would.
  const baselineMap = new Map<string, number>();
  for (let i = QUEUE_MAX_ACTIVE_DEFAULT; i < total; i++) {
    baselineMap.set(liveTokenOfUser(state, userIdOf(i), T0_MS)!, i);
  }
  let sink = 0;
  const pollNow = T0_MS + 1000;
  const poll = (i: number): void => {
    const view = pollToken(state, tokens[i % POLL_SAMPLES]!, pollNow);
    sink += view === undefined ? 1 : (view.position ?? 0);
  };
  const baseline = (i: number): void => {
    // The floor of any poll: one hash lookup and one small answer object.
    const found = baselineMap.get(tokens[i % POLL_SAMPLES]!);
    const view = { position: found ?? 0, status: "WAITING" };
    sink += view.position;
  };
  const empty = (): void => {};
  // Warm up every path so that the JIT has settled before timing.
  for (let i = 0; i < POLL_SAMPLES; i++) {
    poll(i);
    baseline(i);
  }
  const timerOverhead = summarize(timeEach(POLL_SAMPLES, empty));
  const pollEach = summarize(timeEach(POLL_SAMPLES, poll));
  const baselineEach = summarize(timeEach(POLL_SAMPLES, baseline));
  const pollBatches = summarize(timeBatches(POLL_BATCHES, POLL_BATCH_SIZE, poll));
  const baselineBatches = summarize(timeBatches(POLL_BATCHES, POLL_BATCH_SIZE, baseline));
  console.log(`\nPoll (pollToken = record lastSeen + view) with ${formatNumber(WAITING_TARGET)} waiting`);
  line(
    "single polls: p50 / p99 / p99.9",
    `${ns(pollEach.p50)} / ${ns(pollEach.p99)} / ${ns(pollEach.p99_9)}`,
  );
  line(
    "  baseline Map.get: p50 / p99 / p99.9",
    `${ns(baselineEach.p50)} / ${ns(baselineEach.p99)} / ${ns(baselineEach.p99_9)}`,
  );
  line("  timer overhead included above: p50 / p99", `${ns(timerOverhead.p50)} / ${ns(timerOverhead.p99)}`);
  line(
    `batches of ${POLL_BATCH_SIZE}, per poll: p50 / p99 (target p99 < 5 µs)`,
    `${ns(pollBatches.p50)} / ${ns(pollBatches.p99)}`,
  );
  line("  baseline Map.get batches: p50 / p99", `${ns(baselineBatches.p50)} / ${ns(baselineBatches.p99)}`);
  line("  poll / baseline (batch p50)", formatRatio(pollBatches.p50 / baselineBatches.p50));

  // ---- Leave: the token leaves, everyone behind moves up. ----
  const leavers = new Set<number>();
  const leaverPick = randomIndices(LEAVE_SAMPLES * 2, WAITING_TARGET, 0xbeef);
  for (let i = 0; i < leaverPick.length && leavers.size < LEAVE_SAMPLES; i++) {
    leavers.add(QUEUE_MAX_ACTIVE_DEFAULT + leaverPick[i]!);
  }
  const leaving = [...leavers].map((index) => liveTokenOfUser(state, userIdOf(index), T0_MS)!);
  const lastToken = liveTokenOfUser(state, userIdOf(total - 1), T0_MS)!;
  const leaveEach = summarize(
    timeEach(leaving.length, (i) => {
      run(state, { type: "LeaveQueue", concertId, token: leaving[i]! }, pollNow);
    }),
  );
  const lastPosition = viewToken(state, lastToken, pollNow)?.position;
  if (lastPosition !== WAITING_TARGET - LEAVE_SAMPLES) {
    fail(`the last token should be at ${WAITING_TARGET - LEAVE_SAMPLES}, is at ${lastPosition}`);
  }
  baselineMap.clear();
  console.log(`\nLeave (decide + evolve), ${formatNumber(LEAVE_SAMPLES)} random waiting tokens`);
  line("p50 / p99 / p99.9", `${ns(leaveEach.p50)} / ${ns(leaveEach.p99)} / ${ns(leaveEach.p99_9)}`);

  // ---- Admit: raise the cap and admit in big batches. ----
  run(
    state,
    { type: "ConfigureWaitingRoom", concertId, settings: { maxActive: 100_000, admitBatch: 10_000 } },
    pollNow,
  );
  const tickSamples: number[] = [];
  let admitted = 0;
  for (let k = 1; k <= 9; k++) {
    const before = waitingRoomStats(state, pollNow).admittedTotal;
    const start = process.hrtime.bigint();
    run(state, { type: "AdmitTick", concertId }, pollNow + k * 1000);
    tickSamples.push(Number(process.hrtime.bigint() - start));
    admitted += waitingRoomStats(state, pollNow).admittedTotal - before;
  }
  const admitNs = tickSamples.reduce((a, b) => a + b, 0);
  const afterAdmit = waitingRoomStats(state, pollNow + 9000);
  if (admitted !== 90_000 || afterAdmit.active !== 91_000) {
    fail(`expected 90,000 admitted and 91,000 active, got ${admitted} and ${afterAdmit.active}`);
  }
  const eta = viewToken(state, lastToken, pollNow + 9000);
  console.log(`\nAdmit: 9 ticks of 10,000 (AdmitTick decide + evolve)`);
  line("per admitted token, mean", ns(admitNs / admitted));
  line("per tick, max", ns(Math.max(...tickSamples)));
  line("last in line: position / ETA", `${eta?.position} / ${eta?.estimatedWaitSeconds} s`);

  // ---- Restart grace: every waiting token gets a fresh idle period. ----
  const resumeStart = process.hrtime.bigint();
  resumeWaitingRoom(state, pollNow + 10_000);
  const resumeNs = Number(process.hrtime.bigint() - resumeStart);
  console.log(`\nResume after recovery (fresh idle grace for ${formatNumber(afterAdmit.waiting)} waiting)`);
  line("resumeWaitingRoom", ns(resumeNs));

  // ---- Abandon everyone, expire the actives, then forget them all after retention. ----
  const abandonAt = pollNow + 10_000 + settings.waitIdleTtlMs;
  let start = process.hrtime.bigint();
  run(state, { type: "AdmitTick", concertId }, abandonAt);
  const abandonNs = Number(process.hrtime.bigint() - start);
  const afterAbandon = waitingRoomStats(state, abandonAt);
  const expireAt = pollNow + 9000 + settings.activeTtlMs;
  start = process.hrtime.bigint();
  run(state, { type: "AdmitTick", concertId }, expireAt);
  const expireNs = Number(process.hrtime.bigint() - start);
  const afterExpire = waitingRoomStats(state, expireAt);
  start = process.hrtime.bigint();
  for (let k = 0; waitingRoomStats(state, 0).retainedExpired > 0; k++) {
    run(state, { type: "AdmitTick", concertId }, expireAt + QUEUE_TOKEN_RETENTION_MS + k * 1000);
  }
  const reclaimNs = Number(process.hrtime.bigint() - start);
  console.log(`\nOne tick that drops every idle waiting token, then expiry and reclamation`);
  line(
    `abandon ${formatNumber(afterAbandon.abandonedTotal)} idle tokens, per token`,
    ns(abandonNs / afterAbandon.abandonedTotal),
  );
  line(
    `expire ${formatNumber(afterExpire.expiredTotal)} active tokens, per token`,
    ns(expireNs / afterExpire.expiredTotal),
  );
  line(`forget ${formatNumber(total)} tokens after retention, per token`, ns(reclaimNs / total));
  if (afterAbandon.waiting !== 0 || afterExpire.active !== 0) {
    fail("every token should have been dropped or expired");
  }
  const drained = retainedBytes();
  // Reusing every freed seq must not grow the per-token arrays.
  const lengthBefore = state.status.length;
  for (let i = 0; i < 1000; i++) {
    run(
      state,
      { type: "IssueToken", concertId, userId: `again_${i}` },
      expireAt + 2 * QUEUE_TOKEN_RETENTION_MS,
    );
  }
  if (state.status.length !== lengthBefore) {
    fail("reissuing after reclamation grew the per-token arrays");
  }
  if (gc !== undefined) {
    line(
      "retained after draining, per token once held",
      formatBytes((drained.heap + drained.buffers - before.heap - before.buffers) / total, "B"),
    );
  }

  // ---- Pre-queue: 1,000,000 tokens before the on-sale time, then the opening shuffle. ----
  state = undefined as unknown as WaitingRoomState;
  collect();
  const onSaleAtMs = T0_MS + 3_600_000;
  const preState = initialWaitingRoomState(concertId, { ...settings, onSaleAtMs });
  for (let i = 0; i < WAITING_TARGET; i++) {
    run(preState, { type: "IssueToken", concertId, userId: userIdOf(i) }, onSaleAtMs - 60_000);
  }
  const someone = liveTokenOfUser(preState, userIdOf(12_345), T0_MS)!;
  const preView = viewToken(preState, someone, onSaleAtMs - 30_000);
  if (preView?.position !== null || preView.opensAtMs !== onSaleAtMs) {
    fail(`a pre-queue token should have no position yet, got ${JSON.stringify(preView)}`);
  }
  start = process.hrtime.bigint();
  run(preState, { type: "AdmitTick", concertId }, onSaleAtMs);
  const openNs = Number(process.hrtime.bigint() - start);
  const opened = waitingRoomStats(preState, onSaleAtMs);
  const openedView = viewToken(preState, someone, onSaleAtMs);
  if (!opened.opened || opened.active !== settings.admitBatch || typeof openedView?.position !== "number") {
    fail(`the opening tick should shuffle and admit a batch, got ${JSON.stringify(opened)}`);
  }
  console.log(`\nOpening: shuffle a pre-queue of ${formatNumber(WAITING_TARGET)} and admit the first batch`);
  line("opening AdmitTick (decide + evolve)", ns(openNs));
  line("user_0012345 drew position", String(openedView.position));
  console.log(`\n(sink ${sink > 0 ? "ok" : "?"})`);
}

main();
