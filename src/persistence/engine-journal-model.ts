/**
 * The engine as the journal tool sees it: its recovery, invariants, streams, snapshots, and which
 * event fields hold secrets. `journal-cli.ts` runs the tool with it; tests use it too.
 */
import { checkEngineInvariants } from "../engine/engine-invariants.ts";
import type { EngineEvent, EngineState } from "../engine/engine-state.ts";
import { snapshotOf, streamOf } from "../engine/engine-state.ts";
import type { ReplayModel, SecretFields } from "./journal-tool.ts";
import { recoverEngineState } from "./recovery.ts";

/**
 * Every engine event type with the fields that hold a secret. A queue token (`<concertId>.<seq>.<secret>`)
 * is what a fan holds and pays with, so whoever reads it can buy in the fan's place; it is journaled
 * only in `TokenIssued` (every later token event names the token by its seq). The type makes the list
 * exhaustive: a new event type does not compile until it has an entry here.
 */
export const ENGINE_SECRET_FIELDS = {
  ConcertCreated: [],
  SeatsHeld: [],
  HoldExpired: [],
  HoldCancelled: [],
  ReservationConfirmed: [],
  BalanceCharged: [],
  PaymentDebited: [],
  IdempotencyKeyRecorded: [],
  WaitingRoomConfigured: [],
  WaitingRoomSettingsOverridden: [],
  TokenIssued: ["token"],
  QueueOpened: [],
  TokensAdmitted: [],
  TokenLeft: [],
  TokenUsed: [],
  TokensExpired: [],
  TokensAbandoned: [],
  TokensReclaimed: [],
  // A cross-shard payment names the token it will spend, so its start holds the secret too.
  PaymentStarted: ["token"],
  PaymentCompleted: [],
  PaymentAborted: [],
  PaymentSettled: [],
  FundsReserved: [],
  FundsReserveRefused: [],
  FundsPosted: [],
  FundsVoided: [],
} as const satisfies SecretFields<EngineEvent>;

/** Field names that say they hold a secret; the check below makes every such field listed above. */
type SecretLooking<K> =
  K extends `${string}${"token" | "Token" | "secret" | "Secret" | "password" | "Password"}${string}`
    ? K
    : never;

/** The secret-looking fields of engine events that `ENGINE_SECRET_FIELDS` does not list (none). */
type UnlistedSecretFields = {
  [T in EngineEvent["type"]]: Exclude<
    SecretLooking<keyof Extract<EngineEvent, { readonly type: T }>>,
    (typeof ENGINE_SECRET_FIELDS)[T][number]
  >;
}[EngineEvent["type"]];

// Fails to compile, naming the field, when an event gains a field like `token` that is not listed.
const EVERY_SECRET_FIELD_LISTED: [UnlistedSecretFields] extends [never] ? true : UnlistedSecretFields = true;
void EVERY_SECRET_FIELD_LISTED;

/**
 * The engine's replay model. `resumedAtMs` is the instant every recovery of one run resumes at: polls
 * are not journaled, so recovery restarts each fan's idle period at the instant it goes live, and two
 * recoveries compared must agree on it.
 */
export function engineReplayModel(resumedAtMs: number): ReplayModel<EngineEvent, EngineState> {
  return {
    // The engine's own start-up recovery, so that `verify` checks the code that will run.
    recover: (path, options) => recoverEngineState(path, { ...options, resumeAtMs: resumedAtMs }),
    checkInvariants: checkEngineInvariants,
    streamOf,
    snapshotOf,
    secretFields: ENGINE_SECRET_FIELDS,
  };
}
