import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { streamOf, type EngineEvent, type EngineState } from "../../src/engine/engine-state.ts";
import { reservationAt, type Reservation } from "../../src/engine/schedule.ts";
import type { WalletState } from "../../src/engine/wallet.ts";
import { openJournalReader } from "../../src/persistence/journal.ts";
import { recoverEngineState } from "../../src/persistence/recovery.ts";
import { seedFrom } from "../../support/cli.ts";
import { runClusterCrash } from "../../support/cluster-crash-harness.ts";
import { checkClusterJournals, type Acknowledged } from "../../support/cluster-journal-check.ts";
import { useTempDir } from "../support/temp-dir.ts";
import { appendEntry, rewriteJournal, writeChangedSnapshot } from "./journal-damage.ts";

/**
 * The journal check of the cluster crash test can fail. One short real cluster run, without kills (the
 * check is under test here, not the cluster), leaves real journals and the record of what its clients
 * were told. Each test damages a copy of those journals the way a bug would, through the journal's own
 * writer, and expects the check to name that violation. A failing run prints its seed;
 * `CLUSTER_CHECK_SEED=<seed> npx vitest run tests/cluster/cluster-crash-checker.test.ts` runs it again.
 */
const SEED = seedFrom(process.env.CLUSTER_CHECK_SEED, "CLUSTER_CHECK_SEED");
/** Long enough for every kind of write, sagas included, to be journaled on every shard. */
const LOAD_MS = 4_000;
/** Past the end of the load: no shard is killed. */
const NO_KILL_MS = 60 * 60_000;
/** Generous: the cluster starts and stops on a busy 2-core machine. */
const RUN_TIMEOUT_MS = 120_000;
/** A forged hold lasts as long as the run's holds. */
const HOLD_TTL_MS = 4_000;

/** A shard's journal as the run left it: what recovery makes of it, and its events. */
interface ShardView {
  readonly shard: number;
  readonly state: EngineState;
  readonly events: readonly EngineEvent[];
}

type EventOfType<T extends EngineEvent["type"]> = Extract<EngineEvent, { readonly type: T }>;

let runDir: string | undefined;
let journals: readonly string[] = [];
let acknowledged: Acknowledged;
let shards: ShardView[] = [];

beforeAll(async () => {
  console.log(
    `cluster check seed ${SEED} (re-run: CLUSTER_CHECK_SEED=${SEED} npx vitest run tests/cluster/cluster-crash-checker.test.ts)`,
  );
  const report = await runClusterCrash({
    seed: SEED,
    durationMs: LOAD_MS,
    killEveryMsMin: NO_KILL_MS,
    killEveryMsMax: NO_KILL_MS,
    keepDir: true,
  });
  runDir = report.dir;
  expect(report.violations).toEqual([]);
  ({ journals, acknowledged } = report);
  shards = journals.map((journal, shard) => {
    const { state } = recoverEngineState(journal, { resumeAtMs: Date.now() });
    const reader = openJournalReader<EngineEvent>(journal);
    try {
      return { shard, state, events: [...reader.events(0)].map((stored) => stored.event) };
    } finally {
      reader.close();
    }
  });
}, RUN_TIMEOUT_MS);

afterAll(() => {
  if (runDir !== undefined) {
    fs.rmSync(runDir, { recursive: true, force: true });
  }
});

const dir = useTempDir("cluster-check-");

/** A copy of the run's journals for one test to damage. */
function copyJournals(): string[] {
  return journals.map((journal, shard) => {
    const copy = path.join(dir(), `shard-${shard}.db`);
    fs.copyFileSync(journal, copy);
    if (fs.existsSync(`${journal}-wal`)) {
      fs.copyFileSync(`${journal}-wal`, `${copy}-wal`);
    }
    return copy;
  });
}

/** The first event of `type` the run journaled that `matches`, and its shard. */
function journaled<T extends EngineEvent["type"]>(
  type: T,
  matches: (event: EventOfType<T>) => boolean = () => true,
): { shard: number; event: EventOfType<T> } {
  for (const { shard, events } of shards) {
    for (const event of events) {
      if (event.type === type && matches(event as EventOfType<T>)) {
        return { shard, event: event as EventOfType<T> };
      }
    }
  }
  throw new Error(`the run (seed ${SEED}) journaled no ${type} to damage`);
}

/** The events that write a line in a wallet's ledger. */
type LedgerEvent = EventOfType<"BalanceCharged" | "PaymentDebited" | "FundsPosted">;

/**
 * The first event of `type` whose user has at least its amount left at the end of the run, and that
 * balance: a debit of that amount more still leaves the ledger above zero.
 */
function affordable<T extends LedgerEvent["type"]>(
  type: T,
): { shard: number; event: EventOfType<T>; balanceWon: number } {
  const balanceOf = (userId: string): number =>
    shards.find((view) => view.state.wallets.has(userId))?.state.wallets.get(userId)?.balance ?? 0;
  const canPay = ({ userId, amount }: LedgerEvent): boolean => balanceOf(userId) >= amount;
  const { shard, event } = journaled(type, (candidate) => canPay(candidate as LedgerEvent));
  return { shard, event, balanceWon: balanceOf((event as LedgerEvent).userId) };
}

/** Journals the debit of the first affordable `type` a second time, on a copy; returns the copy. */
async function debitAgain(
  type: "PaymentDebited" | "FundsPosted",
): Promise<{ copies: string[]; shard: number; paymentId: string }> {
  const { shard, event, balanceWon } = affordable(type);
  const copies = copyJournals();
  await appendEntry(copies[shard] as string, [
    { ...event, transactionId: `${event.transactionId}-again`, balanceAfter: balanceWon - event.amount },
  ]);
  return { copies, shard, paymentId: event.paymentId };
}

/** A confirmed reservation, and the shard that sold it. */
function soldReservation(): { shard: number; reservation: Reservation } {
  for (const { shard, state } of shards) {
    for (const schedule of state.schedules.values()) {
      for (let slot = 0; slot < schedule.holds.count; slot += 1) {
        const reservation = reservationAt(schedule, slot);
        if (reservation.status === "CONFIRMED") {
          return { shard, reservation };
        }
      }
    }
  }
  throw new Error(`the run (seed ${SEED}) sold no seat`);
}

const SECOND_BUYER = "second-buyer";

/** A second sale of a sold seat: the hold and the sale of it to a buyer who never held it. */
interface Resale {
  readonly reservationId: string;
  readonly paymentId: string;
  readonly priceWon: number;
  readonly events: readonly EngineEvent[];
}

function resaleOf(sold: Reservation, seat: number): Resale {
  const reservationId = `${sold.reservationId}-resold`;
  const paymentId = `${sold.paymentId}-resold`;
  const priceWon = sold.amount / sold.seatNumbers.length;
  const atMs = Date.now();
  const events: EngineEvent[] = [
    {
      type: "SeatsHeld",
      scheduleId: sold.scheduleId,
      reservationId,
      userId: SECOND_BUYER,
      seatNumbers: [seat],
      amount: priceWon,
      atMs,
      expiresAtMs: atMs + HOLD_TTL_MS,
    },
    { type: "ReservationConfirmed", scheduleId: sold.scheduleId, reservationId, paymentId, atMs },
  ];
  return { reservationId, paymentId, priceWon, events };
}

describe("the cluster crash test's journal check", () => {
  it("finds nothing wrong with an undamaged copy of a run's journals", async () => {
    expect(await checkClusterJournals(copyJournals(), acknowledged)).toEqual([]);
  });

  describe("notices a lost write", () => {
    it("reports an acknowledged charge that a shard's journal does not hold", async () => {
      const transactionIds = new Set([...acknowledged.charges.values()].map((c) => c.transactionId));
      const lastOfWallet = new Map<string, EngineEvent>();
      for (const { events } of shards) {
        for (const event of events) {
          if (streamOf(event).startsWith("wallet:") && "userId" in event) {
            lastOfWallet.set(event.userId, event);
          }
        }
      }
      // The wallet's last event, so that the ledger still adds up without it: only the loss shows.
      const { shard, event: lost } = journaled(
        "BalanceCharged",
        (event) => transactionIds.has(event.transactionId) && lastOfWallet.get(event.userId) === event,
      );
      const copies = copyJournals();
      await rewriteJournal(copies[shard] as string, (event) => {
        const isTheCharge = event.type === "BalanceCharged" && event.transactionId === lost.transactionId;
        const isItsKey =
          event.type === "IdempotencyKeyRecorded" &&
          event.result.kind === "charge" &&
          event.result.receipt.transactionId === lost.transactionId;
        return isTheCharge || isItsKey ? undefined : event;
      });

      expect(await checkClusterJournals(copies, acknowledged)).toEqual([
        `acknowledged charge ${lost.transactionId} of ${lost.userId} is not journaled`,
      ]);
    });
  });

  describe("notices a seat sold twice", () => {
    it("reports a second sale of a sold seat in its own shard's journal", async () => {
      const { shard, reservation } = soldReservation();
      const seat = reservation.seatNumbers[0] as number;
      const copies = copyJournals();
      await appendEntry(copies[shard] as string, resaleOf(reservation, seat).events);

      expect(await checkClusterJournals(copies, acknowledged)).toContain(
        `shard ${shard}: the journal does not recover: seat ${seat} held twice`,
      );
    });

    it("reports a seat sold again by a second shard that takes its schedule for its own", async () => {
      const { shard, reservation } = soldReservation();
      const seat = reservation.seatNumbers[0] as number;
      const other = (shard + 1) % journals.length;
      const resale = resaleOf(reservation, seat);
      const { concertId } = reservation;
      const atMs = Date.now();
      const copies = copyJournals();
      // All the second shard needs to make the sale by itself: the concert, and a buyer who pays.
      await appendEntry(copies[other] as string, [
        journaled("ConcertCreated", (event) => event.concertId === concertId).event,
        journaled("WaitingRoomConfigured", (event) => event.concertId === concertId).event,
        {
          type: "BalanceCharged",
          userId: SECOND_BUYER,
          transactionId: "second-buyer-charge",
          amount: resale.priceWon,
          balanceAfter: resale.priceWon,
          atMs,
        },
        ...resale.events,
        {
          type: "PaymentDebited",
          userId: SECOND_BUYER,
          transactionId: "second-buyer-debit",
          paymentId: resale.paymentId,
          reservationId: resale.reservationId,
          amount: resale.priceWon,
          balanceAfter: 0,
          atMs,
        },
      ]);

      // The check reads the shards in order, so it names the lower shard's sale first.
      const sales = [
        { shard, reservationId: reservation.reservationId },
        { shard: other, reservationId: resale.reservationId },
      ]
        .sort((a, b) => a.shard - b.shard)
        .map((sale) => `${sale.reservationId} on shard ${sale.shard}`);
      expect(await checkClusterJournals(copies, acknowledged)).toEqual([
        `seat ${seat} of ${reservation.scheduleId} sold twice: ${sales.join(" and ")}`,
      ]);
    });
  });

  describe("notices a payment debited twice", () => {
    it("reports a one-shard payment debited a second time", async () => {
      const { copies, shard, paymentId } = await debitAgain("PaymentDebited");

      expect(await checkClusterJournals(copies, acknowledged)).toContain(
        `payment ${paymentId} debited 2 times (shard ${shard}, shard ${shard})`,
      );
    });

    it("reports a saga's reserved funds posted a second time", async () => {
      const { copies, shard, paymentId } = await debitAgain("FundsPosted");

      expect(await checkClusterJournals(copies, acknowledged)).toContain(
        `shard ${shard}: the journal does not recover: payment ${paymentId} posted without a pending reservation`,
      );
    });
  });

  describe("notices a wallet whose ledger does not add up", () => {
    it("reports a journaled charge whose amount was changed", async () => {
      const transactionIds = new Set([...acknowledged.charges.values()].map((c) => c.transactionId));
      const { shard, event: charge } = journaled("BalanceCharged", (event) =>
        transactionIds.has(event.transactionId),
      );
      const copies = copyJournals();
      await rewriteJournal(copies[shard] as string, (event) =>
        event.type === "BalanceCharged" && event.transactionId === charge.transactionId
          ? { ...event, amount: event.amount + 1 }
          : event,
      );

      expect(await checkClusterJournals(copies, acknowledged)).toContain(
        `shard ${shard}: the journal does not recover: ledger of ${charge.userId} does not add up`,
      );
    });

    it("reports a wallet whose snapshot balance is not its charges less its payments", async () => {
      const { shard, state } = shards.find((view) => view.state.wallets.size > 0) as ShardView;
      const wallet = state.wallets.values().next().value as WalletState;
      const charged = wallet.transactions
        .filter((t) => t.type === "CHARGE")
        .reduce((s, t) => s + t.amount, 0);
      const paid = wallet.transactions.filter((t) => t.type === "PAYMENT").reduce((s, t) => s + t.amount, 0);
      const copies = copyJournals();
      await writeChangedSnapshot(copies[shard] as string, (changed) => {
        const changedWallet = changed.wallets.get(wallet.userId) as WalletState;
        changedWallet.balance += 1;
      });

      expect(await checkClusterJournals(copies, acknowledged)).toContain(
        `wallet ${wallet.userId} on shard ${shard}: charges ${charged} != balance ${wallet.balance + 1} + payments ${paid}`,
      );
    });
  });

  describe("notices a cross-shard payment left unresolved", () => {
    it("reports funds reserved for a payment that was never posted or voided", async () => {
      const { shard, event: charge, balanceWon } = affordable("BalanceCharged");
      const paymentId = "s0-payment-never-resolved";
      const copies = copyJournals();
      await appendEntry(copies[shard] as string, [
        {
          type: "FundsReserved",
          userId: charge.userId,
          paymentId,
          reservationId: "s0-reservation-never-paid",
          amount: charge.amount,
          spendableAfter: balanceWon - charge.amount,
          atMs: Date.now(),
        },
      ]);

      expect(await checkClusterJournals(copies, acknowledged)).toEqual([
        `wallet ${charge.userId} on shard ${shard} has funds reserved and never posted or voided: ${paymentId}`,
      ]);
    });
  });
});
