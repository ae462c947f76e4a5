/** Cancels a timer; calling it after the timer fired does nothing. */
export type CancelTimer = () => void;

/**
 * Where actors get the time and set timers. Turns read `nowMs()` once and pass it to `decide`;
 * timers only ever post a message to an actor's own mailbox, never touch state themselves.
 */
export interface Clock {
  nowMs(): number;
  setTimer(atMs: number, callback: () => void): CancelTimer;
}

/** setTimeout cannot wait longer than 2^31 - 1 ms; longer waits are re-armed in steps. */
const TIMER_DELAY_MS_MAX = 2 ** 31 - 1;

export class SystemClock implements Clock {
  nowMs(): number {
    return Date.now();
  }

  setTimer(atMs: number, callback: () => void): CancelTimer {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const delayMs = atMs - Date.now();
      if (delayMs <= 0) {
        handle = setTimeout(callback, 0);
      } else {
        handle = setTimeout(
          delayMs > TIMER_DELAY_MS_MAX ? arm : callback,
          Math.min(delayMs, TIMER_DELAY_MS_MAX),
        );
      }
    };
    arm();
    return () => clearTimeout(handle);
  }
}

interface SimulatedTimer {
  readonly atMs: number;
  readonly order: number;
  readonly callback: () => void;
  cancelled: boolean;
}

/**
 * A clock that moves only when a test says so. `advanceBy` fires every due timer in time order,
 * with the clock set to each timer's own time, so tests of expiry never sleep.
 */
export class SimulatedClock implements Clock {
  private currentMs: number;
  private timers: SimulatedTimer[] = [];
  private nextOrder = 0;

  constructor(startMs: number) {
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  setTimer(atMs: number, callback: () => void): CancelTimer {
    const timer: SimulatedTimer = { atMs, order: this.nextOrder++, callback, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.currentMs + ms);
  }

  advanceTo(targetMs: number): void {
    for (;;) {
      this.timers = this.timers.filter((timer) => !timer.cancelled);
      const due = this.timers
        .filter((timer) => timer.atMs <= targetMs)
        .sort((a, b) => a.atMs - b.atMs || a.order - b.order)[0];
      if (due === undefined) {
        break;
      }
      due.cancelled = true;
      this.currentMs = Math.max(this.currentMs, due.atMs);
      due.callback();
    }
    this.currentMs = Math.max(this.currentMs, targetMs);
  }
}
