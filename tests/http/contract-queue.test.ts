import { describe, expect, it } from "vitest";
import {
  ISO_UTC,
  T0_MS,
  charge,
  createConcert,
  expectError,
  expectStatus,
  firstSchedule,
  hold,
  iso,
  issueToken,
  useHarness,
  type Harness,
  type TokenBody,
} from "../support/app-harness.ts";
import { anyString, anyNumber } from "../support/matchers.ts";

/** The waiting room over HTTP: issue, poll, leave, admission and token expiry. */

async function current(h: Harness, token: string): Promise<TokenBody> {
  return expectStatus<TokenBody>(await h.request("GET", "/api/v1/queue/tokens/current", { token }), 200);
}

describe("issuing a queue token", () => {
  const harness = useHarness({ maxActive: 2 });

  it("answers 201 with an ACTIVE token at once while the concert has room and nobody waits", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const result = await h.request("POST", "/api/v1/queue/tokens", { body: { userId: "alice", concertId } });
    const body = expectStatus<TokenBody>(result, 201);
    expect(body).toMatchObject({
      token: anyString(),
      userId: "alice",
      concertId,
      status: "ACTIVE",
      position: 0,
      expiresAt: iso(T0_MS + h.options.activeTtlMs),
    });
    expect(body).toHaveProperty("estimatedWaitSeconds");
    expect(body.expiresAt).toMatch(ISO_UTC);
  });

  it("makes tokens of the form <concertId>.<seq>.<secret> with an unguessable secret of 21+ characters", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const tokens = await Promise.all(["u1", "u2", "u3"].map((u) => issueToken(h, u, concertId)));
    for (const { token } of tokens) {
      expect(token.startsWith(`${concertId}.`)).toBe(true);
      const secret = token.slice(token.lastIndexOf(".") + 1);
      expect(secret.length).toBeGreaterThanOrEqual(21);
      expect(secret).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    expect(new Set(tokens.map((t) => t.token)).size).toBe(3);
  });

  it("answers 200 with the same token when the user already has a live one for the concert", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const first = expectStatus<TokenBody>(
      await h.request("POST", "/api/v1/queue/tokens", { body: { userId: "alice", concertId } }),
      201,
    );
    const again = await h.request("POST", "/api/v1/queue/tokens", { body: { userId: "alice", concertId } });
    expect(expectStatus<TokenBody>(again, 200)).toMatchObject({ token: first.token, status: "ACTIVE" });
  });

  it("answers 200 with the same WAITING token and its place when a waiting user asks again", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    await issueToken(h, "u1", concertId);
    await issueToken(h, "u2", concertId);
    const waiting = await issueToken(h, "u3", concertId);
    const again = await h.request("POST", "/api/v1/queue/tokens", { body: { userId: "u3", concertId } });
    expect(expectStatus<TokenBody>(again, 200)).toMatchObject({
      token: waiting.token,
      status: "WAITING",
      position: 1,
    });
  });

  it("issues a new token (201) once the user's previous one has ended", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const first = await issueToken(h, "alice", concertId);
    expect((await h.request("DELETE", "/api/v1/queue/tokens/current", { token: first.token })).status).toBe(
      204,
    );
    const second = await h.request("POST", "/api/v1/queue/tokens", { body: { userId: "alice", concertId } });
    expect(expectStatus<TokenBody>(second, 201).token).not.toBe(first.token);
  });

  it("answers 404 CONCERT_NOT_FOUND for an unknown concert", async () => {
    const h = harness();
    const result = await h.request("POST", "/api/v1/queue/tokens", {
      body: { userId: "alice", concertId: "no-such-concert" },
    });
    expectError(result, 404, "CONCERT_NOT_FOUND");
  });

  it("answers 400 VALIDATION_FAILED for a bad userId or a missing field", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    for (const body of [
      { userId: "a".repeat(65), concertId },
      { userId: "", concertId },
      { userId: "al ice", concertId },
      { userId: "ålice", concertId },
      { userId: 42, concertId },
      { concertId },
      { userId: "alice" },
      { userId: "alice", concertId: "bad id!" },
    ]) {
      expectError(await h.request("POST", "/api/v1/queue/tokens", { body }), 400, "VALIDATION_FAILED");
    }
  });
});

describe("waiting in line", () => {
  const harness = useHarness({ maxActive: 1, admitBatch: 1 });

  it("puts later arrivals in line: WAITING, 1-based positions, expiresAt null, no ETA before a rate is known", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    expect((await issueToken(h, "u1", concertId)).status).toBe("ACTIVE");
    const second = await h.request("POST", "/api/v1/queue/tokens", { body: { userId: "u2", concertId } });
    expect(expectStatus<TokenBody>(second, 201)).toMatchObject({
      userId: "u2",
      concertId,
      status: "WAITING",
      position: 1,
      estimatedWaitSeconds: null,
      expiresAt: null,
    });
    expect(await issueToken(h, "u3", concertId)).toMatchObject({ status: "WAITING", position: 2 });
  });

  it("reports the same status and place on GET /queue/tokens/current, with a Retry-After to pace polls", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    await issueToken(h, "u1", concertId);
    const waiting = await issueToken(h, "u2", concertId);
    const result = await h.request("GET", "/api/v1/queue/tokens/current", { token: waiting.token });
    expect(expectStatus<TokenBody>(result, 200)).toMatchObject({
      token: waiting.token,
      userId: "u2",
      concertId,
      status: "WAITING",
      position: 1,
      estimatedWaitSeconds: null,
      expiresAt: null,
    });
    expect(Number(result.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
  });

  it("admits the oldest waiting token at the next admission tick once a place frees up", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const first = await issueToken(h, "u1", concertId);
    const second = await issueToken(h, "u2", concertId);
    const third = await issueToken(h, "u3", concertId);

    await h.admissionTick();
    expect(await current(h, second.token)).toMatchObject({ status: "WAITING", position: 1 });

    expect((await h.request("DELETE", "/api/v1/queue/tokens/current", { token: first.token })).status).toBe(
      204,
    );
    await h.admissionTick();
    const admitted = await current(h, second.token);
    expect(admitted).toMatchObject({ status: "ACTIVE", position: 0 });
    expect(admitted.expiresAt).toMatch(ISO_UTC);
    expect(Date.parse(admitted.expiresAt ?? "")).toBe(h.clock.nowMs() + h.options.activeTtlMs);
    expect(await current(h, third.token)).toMatchObject({ status: "WAITING", position: 1 });
  });

  it("moves everyone behind up by one when a waiting token leaves (204)", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    await issueToken(h, "u1", concertId);
    const waiting = await Promise.all(["u2", "u3", "u4"].map((u) => issueToken(h, u, concertId)));
    expect(waiting.map((t) => t.position)).toEqual([1, 2, 3]);

    const left = await h.request("DELETE", "/api/v1/queue/tokens/current", { token: waiting[0]?.token });
    expect(left.status).toBe(204);
    expect(left.text).toBe("");
    expect(await current(h, waiting[1]?.token ?? "")).toMatchObject({ position: 1 });
    expect(await current(h, waiting[2]?.token ?? "")).toMatchObject({ position: 2 });
  });

  it("estimates the wait from the measured admission rate once admissions have happened", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const tokens = [await issueToken(h, "u0", concertId)];
    for (let i = 1; i <= 4; i += 1) {
      tokens.push(await issueToken(h, `u${i}`, concertId));
    }
    // Three admissions, one per tick, each after the active holder leaves.
    for (let i = 0; i < 3; i += 1) {
      const holder = tokens[i]?.token ?? "";
      expect((await h.request("DELETE", "/api/v1/queue/tokens/current", { token: holder })).status).toBe(204);
      await h.admissionTick();
    }
    const last = await current(h, tokens[4]?.token ?? "");
    expect(last).toMatchObject({ status: "WAITING", position: 1 });
    expect(last.estimatedWaitSeconds).toEqual(anyNumber());
    expect(last.estimatedWaitSeconds).toBeGreaterThan(0);
  });
});

describe("admission by batch and cap", () => {
  const harness = useHarness({ maxActive: 3, admitBatch: 1 });

  it("admits at most QUEUE_ADMIT_BATCH per tick and never more than QUEUE_MAX_ACTIVE at once", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const tokens: TokenBody[] = [];
    for (let i = 0; i < 6; i += 1) {
      tokens.push(await issueToken(h, `u${i}`, concertId));
    }
    expect(tokens.map((t) => t.status)).toEqual([
      "ACTIVE",
      "ACTIVE",
      "ACTIVE",
      "WAITING",
      "WAITING",
      "WAITING",
    ]);

    // The room is full: a tick admits nobody.
    await h.admissionTick();
    expect(await current(h, tokens[3]?.token ?? "")).toMatchObject({ status: "WAITING", position: 1 });

    for (const t of tokens.slice(0, 3)) {
      expect((await h.request("DELETE", "/api/v1/queue/tokens/current", { token: t.token })).status).toBe(
        204,
      );
    }
    await h.admissionTick();
    const statuses = async () =>
      Promise.all(tokens.slice(3).map(async (t) => (await current(h, t.token)).status));
    expect(await statuses()).toEqual(["ACTIVE", "WAITING", "WAITING"]);
    await h.admissionTick();
    expect(await statuses()).toEqual(["ACTIVE", "ACTIVE", "WAITING"]);
  });
});

describe("ended and unknown tokens", () => {
  const harness = useHarness({ maxActive: 5, activeTtlMs: 60_000 });

  it("answers 401 TOKEN_INVALID without a token, with an unknown token and with a malformed one", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const { token } = await issueToken(h, "alice", concertId);
    const forged = token.slice(0, token.lastIndexOf(".") + 1) + "x".repeat(21);
    for (const method of ["GET", "DELETE"]) {
      expectError(await h.request(method, "/api/v1/queue/tokens/current"), 401, "TOKEN_INVALID");
      expectError(
        await h.request(method, "/api/v1/queue/tokens/current", { token: forged }),
        401,
        "TOKEN_INVALID",
      );
      expectError(
        await h.request(method, "/api/v1/queue/tokens/current", { token: "not-a-token" }),
        401,
        "TOKEN_INVALID",
      );
      expectError(
        await h.request(method, "/api/v1/queue/tokens/current", {
          headers: { authorization: `Basic ${token}` },
        }),
        401,
        "TOKEN_INVALID",
      );
    }
    // The forged attempts did not end the real token.
    expect(await current(h, token)).toMatchObject({ status: "ACTIVE" });
  });

  it("answers 401 TOKEN_EXPIRED once an ACTIVE token's time has run out", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const { token } = await issueToken(h, "alice", concertId);
    await h.advance(h.options.activeTtlMs - 1);
    expect(await current(h, token)).toMatchObject({ status: "ACTIVE" });
    await h.advance(1);
    expectError(await h.request("GET", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");
    expectError(await h.request("DELETE", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");
  });

  it("answers 401 TOKEN_EXPIRED for a token its holder has left", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    const { token } = await issueToken(h, "alice", concertId);
    expect((await h.request("DELETE", "/api/v1/queue/tokens/current", { token })).status).toBe(204);
    expectError(await h.request("GET", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");
    expectError(await h.request("DELETE", "/api/v1/queue/tokens/current", { token }), 401, "TOKEN_EXPIRED");
  });

  it("refills a place freed by an expired token at the next admission", async () => {
    const h = harness();
    const { concertId } = await createConcert(h);
    for (let i = 0; i < 5; i += 1) {
      await issueToken(h, `u${i}`, concertId);
    }
    const waiting = await issueToken(h, "late", concertId);
    expect(waiting).toMatchObject({ status: "WAITING", position: 1 });
    await h.advance(h.options.activeTtlMs);
    await h.admissionTick();
    expect(await current(h, waiting.token)).toMatchObject({ status: "ACTIVE" });
  });
});

describe("a place freed by a payment", () => {
  const harness = useHarness({ maxActive: 1, admitBatch: 1 });

  it("is refilled at the next admission: the payer's token ends and the next in line becomes ACTIVE", async () => {
    const h = harness();
    const concert = await createConcert(h);
    const { scheduleId } = firstSchedule(concert);
    const payer = await issueToken(h, "payer", concert.concertId);
    const next = await issueToken(h, "next", concert.concertId);
    expect(next).toMatchObject({ status: "WAITING", position: 1 });

    await charge(h, "payer", 50_000);
    const held = await hold(h, payer.token, scheduleId, [1]);
    const paid = await h.request("POST", "/api/v1/payments", {
      token: payer.token,
      body: { reservationId: held.reservationId },
    });
    expectStatus(paid, 201);
    expectError(
      await h.request("GET", "/api/v1/queue/tokens/current", { token: payer.token }),
      401,
      "TOKEN_EXPIRED",
    );

    await h.admissionTick();
    expect(await current(h, next.token)).toMatchObject({ status: "ACTIVE", position: 0 });
  });
});
