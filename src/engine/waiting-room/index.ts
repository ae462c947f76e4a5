/**
 * The waiting room of one concert, as a pure decider: `decideWaitingRoom` validates a command against the
 * state and answers with events or a rejection; `evolveWaitingRoom` applies an event and never fails on a
 * valid one; recovery is `events.reduce(evolveWaitingRoom, initialWaitingRoomState(concertId, settings))`
 * followed by `resumeWaitingRoom(state, nowMs)`.
 *
 * Scale is the point of this module: a million fans may wait for one concert and most requests are polls.
 * The state is therefore laid out as struct-of-arrays over a per-token index, the `seq`:
 *
 * - Per token (indexed by seq): the token's secret as bytes in a fixed-width typed array (not a string:
 *   that saves a heap object and half the bytes per token), the user id, a status byte, one time stamp
 *   whose meaning follows the status (last seen while waiting, expiry while active, end while expired), the token's slot
 *   in the line, and prev/next links that thread it into exactly one deadline-ordered list (waiting tokens
 *   by last poll, active tokens by expiry, expired tokens by end time). Seqs of tokens forgotten after the
 *   retention period go on a free list and are reused, so memory follows the peak of tokens retained,
 *   not the number ever issued.
 * - The line (indexed by slot, in queue order): the seq at each slot and a Fenwick tree counting waiting
 *   tokens per slot, so a position is a prefix sum and the head of the line a binary-lifting search, both
 *   O(log n). Departures leave holes (count 0); when the slot array fills up, the live slots are laid out
 *   densely again (amortised O(1) per issue).
 * - Tokens are self-describing: `<concertId>.<seq in base 36>.<secret>`, where the secret is `ctx.newId()`
 *   (nanoid, 21+ characters). The HTTP layer finds the concert with `tokenConcertId(token)` without any
 *   global index, and the room finds the token by its seq without a hash map; the concert part is then
 *   checked and the secret compared in constant time with the stored bytes, so a forged seq, concert or
 *   secret gives `TOKEN_INVALID`.
 *
 * Polls are the hot path and are not journaled: `recordPoll` moves the token to the tail of the waiting
 * list with a fresh "last seen" stamp, in place. Those stamps are volatile: after a restart they are lost,
 * and `resumeWaitingRoom` gives every waiting token a fresh idle grace period (last seen = the restart
 * time). Only the decision to drop idle tokens is journaled (`TokensAbandoned` with their seqs), so
 * replay never depends on polls. See `resumeWaitingRoom` for how this keeps replayed and live states equal.
 *
 * The folder splits the room by concern: limits.ts (the QUEUE_* limits), settings.ts (the one table of
 * settings fields and what derives from it), types.ts (commands, events, views, the state's layout),
 * token-table.ts and line.ts (the per-token arrays, deadline lists and the line), token-format.ts,
 * decide.ts, evolve.ts, views.ts (reads and the poll record) and verify.ts. Import from this file.
 */
export {
  QUEUE_ACTIVE_TTL_MS_DEFAULT,
  QUEUE_ACTIVE_TTL_MS_MAX,
  QUEUE_ACTIVE_TTL_MS_MIN,
  QUEUE_ADMIT_BATCH_DEFAULT,
  QUEUE_ADMIT_BATCH_MAX,
  QUEUE_ADMIT_BATCH_MIN,
  QUEUE_ADMIT_INTERVAL_MS_DEFAULT,
  QUEUE_ADMIT_INTERVAL_MS_MAX,
  QUEUE_ADMIT_INTERVAL_MS_MIN,
  QUEUE_CONCERT_ID_LENGTH_MAX,
  QUEUE_ETA_SAMPLES_MAX,
  QUEUE_ETA_WINDOW_MS,
  QUEUE_EVENT_SEQS_MAX,
  QUEUE_INITIAL_CAPACITY,
  QUEUE_MAX_ACTIVE_DEFAULT,
  QUEUE_MAX_ACTIVE_MAX,
  QUEUE_MAX_ACTIVE_MIN,
  QUEUE_ON_SALE_AT_MS_MAX,
  QUEUE_POLL_AFTER_SECONDS_MAX,
  QUEUE_POLL_AFTER_SECONDS_MIN,
  QUEUE_POLL_AFTER_WAIT_FRACTION,
  QUEUE_POLLS_PER_IDLE_TTL_MIN,
  QUEUE_RECLAIM_PER_TICK_MAX,
  QUEUE_TOKEN_LENGTH_MAX,
  QUEUE_TOKEN_RETENTION_MS,
  QUEUE_TOKEN_SECRET_LENGTH_MAX,
  QUEUE_TOKEN_SECRET_LENGTH_MIN,
  QUEUE_TOKEN_SEQ_DIGITS_MAX,
  QUEUE_TOKENS_PER_CONCERT_MAX,
  QUEUE_WAIT_IDLE_TTL_MS_DEFAULT,
  QUEUE_WAIT_IDLE_TTL_MS_MAX,
  QUEUE_WAIT_IDLE_TTL_MS_MIN,
} from "./limits.ts";
export {
  buildIntegerSettings,
  WAITING_ROOM_INTEGER_SETTING_NAMES,
  WAITING_ROOM_INTEGER_SETTINGS_DEFAULT,
  WAITING_ROOM_SETTING_FIELDS,
  WAITING_ROOM_SETTING_NAMES,
  WAITING_ROOM_SETTINGS_DEFAULT,
  waitingRoomSettingsProblem,
} from "./settings.ts";
export type {
  WaitingRoomEpochMsSettingField,
  WaitingRoomIntegerSettingField,
  WaitingRoomIntegerSettingName,
  WaitingRoomIntegerSettings,
  WaitingRoomSettingField,
  WaitingRoomSettingName,
  WaitingRoomSettings,
} from "./settings.ts";
export type {
  ActiveTokenGrant,
  AdmitTick,
  ConfigureWaitingRoom,
  IssueToken,
  LeaveQueue,
  QueueOpened,
  TokenIssued,
  TokenLeft,
  TokensAbandoned,
  TokensAdmitted,
  TokensExpired,
  TokensReclaimed,
  TokenStatus,
  TokenUsed,
  TokenView,
  UseToken,
  WaitingRoomCommand,
  WaitingRoomConfigured,
  WaitingRoomEvent,
  WaitingRoomState,
  WaitingRoomStats,
} from "./types.ts";
export { initialWaitingRoomState } from "./token-table.ts";
export { tokenConcertId } from "./token-format.ts";
export { decideWaitingRoom } from "./decide.ts";
export { evolveWaitingRoom, resumeWaitingRoom } from "./evolve.ts";
export {
  admissionRatePerSecond,
  authorizeToken,
  liveTokenOfUser,
  pollToken,
  recordPoll,
  tokenHolder,
  viewToken,
  waitingRoomStats,
} from "./views.ts";
export { verifyWaitingRoomState } from "./verify.ts";
