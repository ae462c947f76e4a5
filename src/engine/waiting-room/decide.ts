/** Validates a waiting-room command against the state and answers with events or a rejection. */
import { accept, assert, refuse } from "../decider.ts";
import type { DecideContext, Decision } from "../decider.ts";
import { USER_ID_LENGTH_MAX, USER_ID_PATTERN } from "../limits.ts";
import { rejection, TOKEN_EXPIRED, TOKEN_INVALID, tokenNotActive } from "../rejection.ts";
import { waitingPosition } from "./line.ts";
import {
  QUEUE_EVENT_SEQS_MAX,
  QUEUE_RECLAIM_PER_TICK_MAX,
  QUEUE_TOKEN_RETENTION_MS,
  QUEUE_TOKEN_SECRET_LENGTH_MAX,
  QUEUE_TOKEN_SECRET_LENGTH_MIN,
  QUEUE_TOKENS_PER_CONCERT_MAX,
} from "./limits.ts";
import { mergeSettings, sameSettings, waitingRoomSettingsProblem } from "./settings.ts";
import { findSeq, formatToken, TOKEN_SEPARATOR_CODE } from "./token-format.ts";
import {
  isActivePastExpiry,
  LIST_ACTIVE,
  LIST_ENDED,
  LIST_WAITING,
  NONE,
  STATUS_ENDED,
  STATUS_WAITING,
} from "./token-table.ts";
import type {
  ConfigureWaitingRoom,
  IssueToken,
  WaitingRoomCommand,
  WaitingRoomEvent,
  WaitingRoomState,
} from "./types.ts";

/** The events that carry out `command`, or the rejection that refuses it. Changes nothing in `state`. */
export function decideWaitingRoom(
  state: WaitingRoomState,
  command: WaitingRoomCommand,
  ctx: DecideContext,
): Decision<WaitingRoomEvent> {
  if (command.concertId !== state.concertId) {
    return refuse(rejection("CONCERT_NOT_FOUND", `this waiting room belongs to concert ${state.concertId}`));
  }
  switch (command.type) {
    case "IssueToken":
      return decideIssue(state, command, ctx);
    case "LeaveQueue":
      return decideLeaveOrUse(state, command.token, ctx.nowMs, "TokenLeft");
    case "UseToken":
      return decideLeaveOrUse(state, command.token, ctx.nowMs, "TokenUsed");
    case "AdmitTick":
      return decideTick(state, ctx);
    case "ConfigureWaitingRoom":
      return decideConfigure(state, command, ctx.nowMs);
    default: {
      const unknown: never = command;
      return refuse(rejection("VALIDATION_FAILED", `unknown command ${String(unknown)}`));
    }
  }
}

function decideIssue(
  state: WaitingRoomState,
  command: IssueToken,
  ctx: DecideContext,
): Decision<WaitingRoomEvent> {
  const { userId } = command;
  if (typeof userId !== "string" || !USER_ID_PATTERN.test(userId)) {
    return refuse(
      rejection("VALIDATION_FAILED", `userId must be 1..${USER_ID_LENGTH_MAX} characters of A-Z a-z 0-9 _ -`),
    );
  }
  const nowMs = ctx.nowMs;
  const events: WaitingRoomEvent[] = [];
  let activeCount = state.activeCount;
  const existing = state.liveByUser.get(userId);
  if (existing !== undefined) {
    if (!isActivePastExpiry(state, existing, nowMs)) {
      // One live token per user and concert: the caller answers with it (see `liveTokenOfUser`).
      return accept([]);
    }
    // Its TTL has run out but no tick has expired it yet: expire it now so the user can start again.
    events.push({ type: "TokensExpired", concertId: state.concertId, seqs: [existing], atMs: nowMs });
    activeCount -= 1;
  }
  if (state.waitingCount + state.activeCount + state.endedCount >= QUEUE_TOKENS_PER_CONCERT_MAX) {
    return refuse(rejection("OVERLOADED", "the waiting room of this concert is full; try again later"));
  }
  const seq = state.freeHead !== NONE ? state.freeHead : state.seqCount;
  const secret = ctx.newId();
  assert(
    secret.length >= QUEUE_TOKEN_SECRET_LENGTH_MIN && secret.length <= QUEUE_TOKEN_SECRET_LENGTH_MAX,
    `newId must give ${QUEUE_TOKEN_SECRET_LENGTH_MIN}..${QUEUE_TOKEN_SECRET_LENGTH_MAX} characters`,
  );
  for (let i = 0; i < secret.length; i++) {
    const c = secret.charCodeAt(i);
    assert(
      c > 32 && c < 127 && c !== TOKEN_SEPARATOR_CODE,
      "newId must give printable ASCII without '.', the token separator",
    );
  }
  const token = formatToken(state.concertId, seq, secret);
  const activeAtOnce = state.opened && state.waitingCount === 0 && activeCount < state.settings.maxActive;
  events.push({
    type: "TokenIssued",
    concertId: state.concertId,
    token,
    seq,
    userId,
    expiresAtMs: activeAtOnce ? nowMs + state.settings.activeTtlMs : null,
    atMs: nowMs,
  });
  return accept(events);
}

function decideLeaveOrUse(
  state: WaitingRoomState,
  token: string,
  nowMs: number,
  type: "TokenLeft" | "TokenUsed",
): Decision<WaitingRoomEvent> {
  const seq = findSeq(state, token);
  if (seq === NONE) {
    return refuse(TOKEN_INVALID);
  }
  const status = state.status[seq]!;
  if (status === STATUS_ENDED || isActivePastExpiry(state, seq, nowMs)) {
    return refuse(TOKEN_EXPIRED);
  }
  if (type === "TokenUsed" && status === STATUS_WAITING) {
    return refuse(tokenNotActive(waitingPosition(state, seq)));
  }
  return accept([{ type, concertId: state.concertId, seq, atMs: nowMs }]);
}

function decideTick(state: WaitingRoomState, ctx: DecideContext): Decision<WaitingRoomEvent> {
  const nowMs = ctx.nowMs;
  const settings = state.settings;
  const concertId = state.concertId;
  const events: WaitingRoomEvent[] = [];

  // The ended list is ordered by end time, so the tokens past retention are a prefix of it.
  let reclaim = 0;
  for (
    let seq = state.listHead[LIST_ENDED]!;
    seq !== NONE &&
    reclaim < QUEUE_RECLAIM_PER_TICK_MAX &&
    state.stampMs[seq]! + QUEUE_TOKEN_RETENTION_MS <= nowMs;
    seq = state.next[seq]!
  ) {
    reclaim += 1;
  }
  if (reclaim > 0) {
    events.push({ type: "TokensReclaimed", concertId, count: reclaim, atMs: nowMs });
  }

  // The active list is ordered by expiry: the expired tokens are a prefix of it.
  const expired: number[] = [];
  for (
    let seq = state.listHead[LIST_ACTIVE]!;
    seq !== NONE && state.stampMs[seq]! <= nowMs;
    seq = state.next[seq]!
  ) {
    expired.push(seq);
  }
  pushChunked(events, expired, (seqs) => ({ type: "TokensExpired", concertId, seqs, atMs: nowMs }));

  // The waiting list is ordered by last poll: the idle tokens are a prefix of it.
  const abandoned: number[] = [];
  for (
    let seq = state.listHead[LIST_WAITING]!;
    seq !== NONE && state.stampMs[seq]! + settings.waitIdleTtlMs <= nowMs;
    seq = state.next[seq]!
  ) {
    abandoned.push(seq);
  }
  pushChunked(events, abandoned, (seqs) => ({ type: "TokensAbandoned", concertId, seqs, atMs: nowMs }));

  let opened = state.opened;
  if (!opened && (settings.onSaleAtMs === null || nowMs >= settings.onSaleAtMs)) {
    // The seed is drawn now, after everyone in the pre-queue is known, and journaled for replay.
    events.push({ type: "QueueOpened", concertId, seed: ctx.newId(), atMs: nowMs });
    opened = true;
  }

  if (opened) {
    const room = settings.maxActive - (state.activeCount - expired.length);
    const count = Math.min(settings.admitBatch, room, state.waitingCount - abandoned.length);
    if (count > 0) {
      events.push({
        type: "TokensAdmitted",
        concertId,
        count,
        expiresAtMs: nowMs + settings.activeTtlMs,
        atMs: nowMs,
      });
    }
  }
  return accept(events);
}

function pushChunked(
  events: WaitingRoomEvent[],
  seqs: number[],
  make: (seqs: number[]) => WaitingRoomEvent,
): void {
  for (let start = 0; start < seqs.length; start += QUEUE_EVENT_SEQS_MAX) {
    events.push(make(seqs.slice(start, start + QUEUE_EVENT_SEQS_MAX)));
  }
}

function decideConfigure(
  state: WaitingRoomState,
  command: ConfigureWaitingRoom,
  nowMs: number,
): Decision<WaitingRoomEvent> {
  const patch = command.settings;
  const problem = waitingRoomSettingsProblem(patch);
  if (problem !== undefined) {
    return refuse(rejection("VALIDATION_FAILED", problem));
  }
  const current = state.settings;
  const merged = mergeSettings(current, patch);
  if (sameSettings(merged, current)) {
    return accept([]);
  }
  if (merged.onSaleAtMs !== current.onSaleAtMs && state.opened && state.issuedTotal > 0) {
    return refuse(
      rejection("VALIDATION_FAILED", "the queue has already opened; onSaleAt can no longer change"),
    );
  }
  return accept([{ type: "WaitingRoomConfigured", concertId: state.concertId, ...merged, atMs: nowMs }]);
}
