import type { Random } from "../src/engine/seeded-random.ts";
import { field, requestInit } from "./http.ts";

/**
 * The clients of the crash tests: what they send (`send`), and the virtual user that sends it. The
 * single-node crash loop (crash-harness.ts) and the cluster crash test (cluster-crash-harness.ts) both
 * drive their load with `VirtualUser`, each with its own `LoadMix`, and each records the answers in its
 * own way (the `Client` it passes in).
 */

/** A bound on one request, so a wedged server fails the run instead of hanging it. */
const REQUEST_TIMEOUT_MS = 15_000;
/** Answered keyed requests a user keeps to send again, so that a repeat may come long after the first. */
const ANSWERED_KEPT_MAX = 50;
/** A user is replaced by a fresh one after this many payments, so one user's ledger stays short. */
const PAYMENTS_PER_USER_MAX = 6;
/** ... and after this many charges (a user whose holds keep failing would otherwise charge on). */
const CHARGES_PER_USER_MAX = 100;

export type Kind = "concert" | "issue" | "poll" | "charge" | "hold" | "pay" | "cancel";

export interface Request {
  readonly kind: Kind;
  readonly userId: string;
  readonly method: string;
  readonly path: string;
  readonly body?: unknown;
  readonly token?: string;
  readonly key?: string;
  readonly bearer?: string;
}

/** An answer, or why none came (the connection failed or timed out). */
export type Answer = { readonly status: number; readonly body: unknown } | { readonly error: string };

/** Sends one request over HTTP (bounded by a timeout); never throws. */
export async function send(baseUrl: string, request: Request): Promise<Answer> {
  const init = requestInit(request.method, {
    body: request.body,
    token: request.bearer ?? request.token,
    idempotencyKey: request.key,
  });
  try {
    const response = await fetch(baseUrl + request.path, {
      ...init,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    return { status: response.status, body: text.length > 0 ? (JSON.parse(text) as unknown) : undefined };
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    return { error: `${error instanceof Error ? error.message : String(error)}${cause}` };
  }
}

export const is2xx = (status: number | undefined): boolean =>
  status !== undefined && status >= 200 && status < 300;

export function errorCode(body: unknown): string | undefined {
  if (typeof body === "object" && body !== null && "error" in body) {
    const error = body.error;
    if (typeof error === "object" && error !== null && "code" in error) {
      return typeof error.code === "string" ? error.code : undefined;
    }
  }
  return undefined;
}

/** How a virtual user's requests reach the server: the harness records every exchange on the way. */
export type Client = (request: Request) => Promise<Answer>;

export interface Concert {
  readonly concertId: string;
  /** In the order of `LoadMix.scheduleSeats`. */
  readonly scheduleIds: readonly string[];
}

/** The concerts the users buy from: one on a single node, one per shard in a cluster. */
export interface World {
  readonly concerts: readonly Concert[];
}

type Step = "poll" | "charge" | "hold" | "pay" | "cancel" | "repeat";

/** What a harness's users send, and how often. */
export interface LoadMix {
  /** The seats of each schedule of a concert, in order; the first schedule is the small hot one. */
  readonly scheduleSeats: readonly number[];
  readonly seatPriceWon: number;
  /** A charge is worth 1 to this many seats. */
  readonly chargeSeatsMax: number;
  /** The share of steps that poll, charge, hold, pay and cancel; the rest send an answered request again. */
  readonly shares: Readonly<Record<Exclude<Step, "repeat">, number>>;
  /** How often a hold goes to the hot schedule rather than to one of the others. */
  readonly hotHoldChance: number;
  /** How often a new charge is sent twice at once: the second attempt must get the first one's answer. */
  readonly twinChargeChance: number;
  /** How often a buyer leaves after a payment, and a new one takes their place. */
  readonly leaveAfterPaymentChance: number;
}

/**
 * The server settings the load is made for: everyone is admitted at once (the waiting room is not what
 * the crash tests are about), and a snapshot is taken now and then, so some kills land while one is
 * written.
 */
export const LOAD_SERVER_ENV: Readonly<Record<string, string>> = {
  QUEUE_MAX_ACTIVE: "100000",
  QUEUE_ADMIT_BATCH: "10000",
  QUEUE_ADMIT_INTERVAL_MS: "100",
  QUEUE_ACTIVE_TTL_MS: "600000",
  QUEUE_WAIT_IDLE_TTL_MS: "600000",
  SNAPSHOT_EVERY_EVENTS: "400",
};

/** The admin's request that creates a concert with the mix's schedules, every seat at the mix's price. */
export function createConcertRequest(title: string, mix: LoadMix, adminToken: string): Request {
  return {
    kind: "concert",
    userId: "admin",
    method: "POST",
    path: "/api/v1/admin/concerts",
    bearer: adminToken,
    body: {
      title,
      schedules: mix.scheduleSeats.map((seatCount, i) => ({
        startsAt: new Date(Date.UTC(2031, 0, 1 + i, 19)).toISOString(),
        seatCount,
        price: mix.seatPriceWon,
      })),
    },
  };
}

/** The concert an answer to `createConcertRequest` says was created; undefined when none was. */
export function createdConcert(answer: Answer): Concert | undefined {
  if (!("status" in answer) || answer.status !== 201) {
    return undefined;
  }
  const concertId = field<string>(answer.body, "concertId");
  const schedules = field<{ scheduleId: string }[]>(answer.body, "schedules");
  return concertId === undefined || schedules === undefined
    ? undefined
    : { concertId, scheduleIds: schedules.map((schedule) => schedule.scheduleId) };
}

/** The step a roll in [0, 1) falls on, the shares laid end to end in this order. */
function stepOf(roll: number, shares: LoadMix["shares"]): Step {
  let bound = 0;
  for (const step of ["poll", "charge", "hold", "pay", "cancel"] as const) {
    bound += shares[step];
    if (roll < bound) {
      return step;
    }
  }
  return "repeat";
}

/**
 * One client: takes a token for one of the concerts, charges, holds, pays and cancels; sends again
 * with the same key whatever got no answer, a 503 or PAYMENT_IN_PROGRESS; and now and then repeats an
 * answered request, as a client does that lost the answer, to see that the answer does not change.
 * One seed drives all of its choices.
 */
export class VirtualUser {
  /** Requests sent again with the same key. */
  retries = 0;
  private generation = 0;
  private payments = 0;
  private charges = 0;
  private token: string | undefined;
  private concert: Concert | undefined;
  private held: string[] = [];
  /** Keyed requests that got no answer (yet): a careful client sends them again, same key, same body. */
  private readonly pending: Request[] = [];
  private readonly answered: Request[] = [];
  private keys = 0;

  constructor(
    private readonly name: string,
    private readonly random: Random,
    private readonly world: World,
    private readonly mix: LoadMix,
  ) {
    const shared = Object.values(mix.shares).reduce((sum, share) => sum + share, 0);
    if (shared > 1) {
      throw new RangeError(`the shares of a load mix add up to ${shared}, more than all steps`);
    }
  }

  get userId(): string {
    return `${this.name}g${this.generation}`;
  }

  /** Sends requests one after another until `stopped()` says to stop. */
  async run(client: Client, stopped: () => boolean): Promise<void> {
    while (!stopped()) {
      await this.step(client);
    }
  }

  private newKey(): string {
    this.keys += 1;
    return `${this.userId}-k${this.keys}`;
  }

  private async step(client: Client): Promise<void> {
    const r = this.random;
    const retry = this.pending.length > 0 && r.chance(0.5) ? this.pending.shift() : undefined;
    if (retry !== undefined) {
      this.retries += 1;
      await this.sendKeyed(client, retry);
      return;
    }
    if (this.token === undefined || this.concert === undefined) {
      await this.issueToken(client);
      return;
    }
    let step = stepOf(r.next(), this.mix.shares);
    if ((step === "pay" || step === "cancel") && this.held.length === 0) {
      step = "repeat";
    }
    if (step === "repeat" && this.answered.length === 0) {
      step = "poll";
    }
    switch (step) {
      case "poll": {
        const answer = await client({
          kind: "poll",
          userId: this.userId,
          method: "GET",
          path: "/api/v1/queue/tokens/current",
          token: this.token,
        });
        this.onRefused(answer);
        break;
      }
      case "charge": {
        const request = this.charge(r.int(1, this.mix.chargeSeatsMax) * this.mix.seatPriceWon);
        if (r.chance(this.mix.twinChargeChance)) {
          await Promise.all([this.sendKeyed(client, request), client(request)]);
        } else {
          await this.sendKeyed(client, request);
        }
        break;
      }
      case "hold":
        await this.sendKeyed(client, this.hold(this.concert, this.token));
        break;
      case "pay":
        await this.sendKeyed(client, {
          kind: "pay",
          userId: this.userId,
          method: "POST",
          path: "/api/v1/payments",
          body: { reservationId: r.pick(this.held) },
          token: this.token,
          key: this.newKey(),
        });
        break;
      case "cancel": {
        const reservationId = r.pick(this.held);
        const answer = await client({
          kind: "cancel",
          userId: this.userId,
          method: "DELETE",
          path: `/api/v1/reservations/${reservationId}`,
          token: this.token,
        });
        const code = "status" in answer ? errorCode(answer.body) : undefined;
        if (("status" in answer && answer.status === 200) || code === "RESERVATION_NOT_HELD") {
          this.held = this.held.filter((id) => id !== reservationId);
        }
        this.onRefused(answer);
        break;
      }
      case "repeat":
        this.retries += 1;
        await this.sendKeyed(client, r.pick(this.answered));
        break;
    }
  }

  private async issueToken(client: Client): Promise<void> {
    const concert = this.random.pick(this.world.concerts);
    const answer = await client({
      kind: "issue",
      userId: this.userId,
      method: "POST",
      path: "/api/v1/queue/tokens",
      body: { userId: this.userId, concertId: concert.concertId },
    });
    // 201 for a new token, 200 for the one this user already holds for the concert.
    if ("status" in answer && is2xx(answer.status)) {
      this.token = field<string>(answer.body, "token");
      // A token pays only for its own concert's reservations (another shard's are refused 503).
      if (concert !== this.concert) {
        this.held = [];
      }
      this.concert = concert;
    }
  }

  private charge(amount: number): Request {
    return {
      kind: "charge",
      userId: this.userId,
      method: "POST",
      path: `/api/v1/users/${this.userId}/balance/charge`,
      body: { amount },
      key: this.newKey(),
    };
  }

  private hold(concert: Concert, token: string): Request {
    const r = this.random;
    const scheduleIndex = r.chance(this.mix.hotHoldChance) ? 0 : r.int(1, concert.scheduleIds.length - 1);
    const seatsMax = this.mix.scheduleSeats[scheduleIndex] ?? 1;
    const count = r.int(1, 2);
    const seats = new Set<number>();
    while (seats.size < count) {
      seats.add(r.int(1, seatsMax));
    }
    return {
      kind: "hold",
      userId: this.userId,
      method: "POST",
      path: "/api/v1/reservations",
      body: { scheduleId: concert.scheduleIds[scheduleIndex], seatNumbers: [...seats] },
      token,
      key: this.newKey(),
    };
  }

  private async sendKeyed(client: Client, request: Request): Promise<void> {
    const answer = await client(request);
    const code = "status" in answer ? errorCode(answer.body) : undefined;
    if ("error" in answer || answer.status === 503 || code === "PAYMENT_IN_PROGRESS") {
      this.pending.push(request);
      return;
    }
    if (this.answered.length < ANSWERED_KEPT_MAX) {
      this.answered.push(request);
    } else {
      this.answered[this.random.int(0, ANSWERED_KEPT_MAX - 1)] = request;
    }
    // The rest only applies to what this user still acts as.
    if (request.userId !== this.userId) {
      return;
    }
    if (request.kind === "charge" && answer.status === 200) {
      this.charges += 1;
      if (this.charges >= CHARGES_PER_USER_MAX) {
        this.nextUser();
        return;
      }
    }
    // A late answer to a hold made with an earlier token: that token's reservations are not payable now.
    if (request.kind === "hold" && answer.status === 201 && request.token === this.token) {
      const reservationId = field<string>(answer.body, "reservationId");
      if (reservationId !== undefined && !this.held.includes(reservationId)) {
        this.held.push(reservationId);
      }
    }
    if (request.kind === "pay") {
      const reservationId = field<string>(request.body, "reservationId");
      if (answer.status === 201 || code === "HOLD_EXPIRED" || code === "ALREADY_PAID") {
        this.held = this.held.filter((id) => id !== reservationId);
      }
      if (answer.status === 201) {
        // A payment spends the token; after a few, or now and then, the buyer leaves and a new one comes.
        this.token = undefined;
        this.payments += 1;
        if (this.payments >= PAYMENTS_PER_USER_MAX || this.random.chance(this.mix.leaveAfterPaymentChance)) {
          this.nextUser();
        }
        return;
      }
    }
    this.onRefused(answer);
  }

  /** A new buyer takes this one's place: a fresh user id, wallet, token and holds. */
  private nextUser(): void {
    this.generation += 1;
    this.payments = 0;
    this.charges = 0;
    this.held = [];
    this.token = undefined;
  }

  private onRefused(answer: Answer): void {
    const code = "status" in answer ? errorCode(answer.body) : undefined;
    if (code === "TOKEN_EXPIRED" || code === "TOKEN_INVALID") {
      this.token = undefined;
    }
  }
}
