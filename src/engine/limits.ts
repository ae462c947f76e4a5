/**
 * Every limit of the domain, named with its unit last. The HTTP layer validates against the same
 * constants, so a request that passes validation can only be refused for a business reason.
 */

export const SEATS_PER_SCHEDULE_MAX = 100_000;
export const SCHEDULES_PER_CONCERT_MAX = 100;
export const SEAT_PRICE_WON_MIN = 1;
export const SEAT_PRICE_WON_MAX = 10_000_000;
export const CONCERT_TITLE_LENGTH_MAX = 200;

/** Seats in one hold, and seats one user may hold or own (HELD + BOOKED) in one schedule. */
export const SEATS_PER_HOLD_MAX = 4;
export const SEATS_PER_USER_PER_SCHEDULE_MAX = 4;
export const HOLD_TTL_MS_DEFAULT = 5 * 60 * 1000;

export const CHARGE_WON_MIN = 1;
export const CHARGE_WON_MAX = 1_000_000;
export const BALANCE_WON_MAX = 100_000_000;

export const USER_ID_LENGTH_MAX = 64;
export const USER_ID_PATTERN = new RegExp(`^[A-Za-z0-9_-]{1,${USER_ID_LENGTH_MAX}}$`);
export const IDEMPOTENCY_KEY_LENGTH_MAX = 128;
/** Idempotency keys are remembered at least this long, across restarts. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

// The relations the rest of the code relies on.
if (SEATS_PER_HOLD_MAX > SEATS_PER_USER_PER_SCHEDULE_MAX) {
  throw new Error("a single hold may not exceed what one user may hold in a schedule");
}
// The largest possible hold must be payable within the balance limit, and sums stay exact integers.
if (SEATS_PER_HOLD_MAX * SEAT_PRICE_WON_MAX > BALANCE_WON_MAX) {
  throw new Error("the most expensive hold must fit in the largest balance");
}
if (!Number.isSafeInteger(BALANCE_WON_MAX + CHARGE_WON_MAX)) {
  throw new Error("balances must stay exact integers");
}
