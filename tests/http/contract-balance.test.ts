import { describe, expect, it } from "vitest";
import {
  ISO_UTC,
  T0_MS,
  balanceOf,
  charge,
  expectError,
  expectStatus,
  iso,
  transactionsOf,
  useHarness,
  type TransactionBody,
} from "../support/app-harness.ts";
import { anyString } from "../support/matchers.ts";

/** Prepaid balances: reading, charging within bounds, and the ledger newest first. */

const BAD_USER_IDS = ["u".repeat(65), "%C3%A5lice", "al%20ice", "al.ice", "%F0%9F%8E%AB"];

describe("reading a balance", () => {
  const harness = useHarness();

  it("answers 0 for a user never seen before", async () => {
    const h = harness();
    expect(expectStatus(await h.request("GET", "/api/v1/users/new-user_1/balance"), 200)).toEqual({
      userId: "new-user_1",
      balance: 0,
    });
  });

  it("accepts a 64-character userId and refuses a malformed one with 400 VALIDATION_FAILED", async () => {
    const h = harness();
    const longest = "u".repeat(64);
    expect(expectStatus(await h.request("GET", `/api/v1/users/${longest}/balance`), 200)).toEqual({
      userId: longest,
      balance: 0,
    });
    for (const userId of BAD_USER_IDS) {
      for (const [method, path, body] of [
        ["GET", `/api/v1/users/${userId}/balance`, undefined],
        ["POST", `/api/v1/users/${userId}/balance/charge`, { amount: 10 }],
        ["GET", `/api/v1/users/${userId}/balance/transactions`, undefined],
        ["GET", `/api/v1/users/${userId}/reservations`, undefined],
      ] as const) {
        expectError(await h.request(method, path, { body }), 400, "VALIDATION_FAILED");
      }
    }
  });
});

describe("charging a balance", () => {
  const harness = useHarness();

  it("answers 200 with the new balance and the ledger transaction id", async () => {
    const h = harness();
    const result = await h.request("POST", "/api/v1/users/alice/balance/charge", {
      body: { amount: 30_000 },
    });
    const body = expectStatus<{ userId: string; balance: number; transactionId: string }>(result, 200);
    expect(body).toEqual({ userId: "alice", balance: 30_000, transactionId: anyString() });
    expect(body.transactionId.length).toBeGreaterThan(0);
    expect(await charge(h, "alice", 5)).toBe(30_005);
    expect(await balanceOf(h, "alice")).toBe(30_005);
  });

  it("accepts amounts of exactly 1 and 1,000,000 won", async () => {
    const h = harness();
    expect(await charge(h, "alice", 1)).toBe(1);
    expect(await charge(h, "alice", 1_000_000)).toBe(1_000_001);
  });

  it("refuses amounts that are not an integer 1..1,000,000 with 400 VALIDATION_FAILED, changing nothing", async () => {
    const h = harness();
    await charge(h, "alice", 100);
    for (const amount of [0, -1, 1_000_001, 1.5, "100", null, true, 1e21, [100], { value: 100 }]) {
      expectError(
        await h.request("POST", "/api/v1/users/alice/balance/charge", { body: { amount } }),
        400,
        "VALIDATION_FAILED",
      );
    }
    expectError(
      await h.request("POST", "/api/v1/users/alice/balance/charge", { body: {} }),
      400,
      "VALIDATION_FAILED",
    );
    expect(await balanceOf(h, "alice")).toBe(100);
    expect(await transactionsOf(h, "alice")).toHaveLength(1);
  });

  it("answers 422 BALANCE_LIMIT_EXCEEDED for a charge that would pass 100,000,000 won, changing nothing", async () => {
    const h = harness();
    for (let i = 0; i < 99; i += 1) {
      await charge(h, "rich", 1_000_000);
    }
    expect(await charge(h, "rich", 999_999)).toBe(99_999_999);
    const over = await h.request("POST", "/api/v1/users/rich/balance/charge", { body: { amount: 2 } });
    expectError(over, 422, "BALANCE_LIMIT_EXCEEDED");
    expect(await charge(h, "rich", 1)).toBe(100_000_000);
    expectError(
      await h.request("POST", "/api/v1/users/rich/balance/charge", { body: { amount: 1 } }),
      422,
      "BALANCE_LIMIT_EXCEEDED",
    );
    expect(await balanceOf(h, "rich")).toBe(100_000_000);
    expect(await transactionsOf(h, "rich")).toHaveLength(101);
  });
});

describe("the ledger", () => {
  const harness = useHarness();

  it("lists transactions newest first with type, positive amount, balanceAfter and an ISO time", async () => {
    const h = harness();
    await charge(h, "alice", 100);
    await h.advance(1_000);
    await charge(h, "alice", 250);
    const result = await h.request("GET", "/api/v1/users/alice/balance/transactions");
    const body = expectStatus<{ userId: string; transactions: TransactionBody[] }>(result, 200);
    expect(body).toEqual({
      userId: "alice",
      transactions: [
        {
          transactionId: anyString(),
          type: "CHARGE",
          amount: 250,
          balanceAfter: 350,
          createdAt: anyString(),
        },
        { transactionId: anyString(), type: "CHARGE", amount: 100, balanceAfter: 100, createdAt: iso(T0_MS) },
      ],
    });
    expect(body.transactions[0]?.createdAt).toMatch(ISO_UTC);
    expect(Date.parse(body.transactions[0]?.createdAt ?? "")).toBeGreaterThanOrEqual(T0_MS + 1_000);
  });

  it("answers an empty list for a user without transactions", async () => {
    const h = harness();
    expect(expectStatus(await h.request("GET", "/api/v1/users/nobody/balance/transactions"), 200)).toEqual({
      userId: "nobody",
      transactions: [],
    });
  });

  it("returns the newest `limit` transactions, 50 by default, and accepts 1..500", async () => {
    const h = harness();
    for (let i = 1; i <= 55; i += 1) {
      await charge(h, "alice", i);
    }
    const amounts = async (query: string) =>
      expectStatus<{ transactions: TransactionBody[] }>(
        await h.request("GET", `/api/v1/users/alice/balance/transactions${query}`),
        200,
      ).transactions.map((t) => t.amount);
    expect(await amounts("?limit=3")).toEqual([55, 54, 53]);
    expect(await amounts("?limit=1")).toEqual([55]);
    expect(await amounts("")).toHaveLength(50);
    expect(await amounts("?limit=500")).toHaveLength(55);
    for (const limit of ["0", "501", "-1", "2.5", "abc", ""]) {
      expectError(
        await h.request("GET", `/api/v1/users/alice/balance/transactions?limit=${limit}`),
        400,
        "VALIDATION_FAILED",
      );
    }
  });
});
