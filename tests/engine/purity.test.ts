import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { actionArb, BookingSystem } from "./booking-harness.ts";

describe("deciding is pure", () => {
  it("leaves the state it decides on untouched, for random commands on random states", () => {
    // BookingSystem deep-clones the state before every decide and compares it after.
    fc.assert(
      fc.property(fc.array(actionArb, { minLength: 1, maxLength: 60, size: "max" }), (actions) => {
        const system = new BookingSystem({ checkPurity: true });
        for (const action of actions) {
          system.run(action);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("decides the same way twice on the same state, given the same time and ids", () => {
    fc.assert(
      fc.property(
        fc.array(actionArb, { maxLength: 40, size: "max" }),
        actionArb.filter((action) => action.kind !== "restart"),
        (setup, action) => {
          // Two systems built by the same actions: same state, same clock, same next id.
          const [first, second] = [0, 1].map(() => {
            const system = new BookingSystem({ checkPurity: false });
            for (const earlier of setup) {
              system.run(earlier);
            }
            return system;
          });
          expect(first?.run(action)).toStrictEqual(second?.run(action));
          expect(first?.state).toStrictEqual(second?.state);
        },
      ),
      { numRuns: 100 },
    );
  });
});
