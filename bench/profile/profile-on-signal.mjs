/**
 * Preloaded into the server by `npm run bench:profile`: the first SIGUSR2 starts V8's CPU profiler,
 * the second stops it and writes the profile to `HOLD_PROFILE_PATH`. The server itself has no
 * profiling code; this file is loaded only by the profiling run. It is plain JavaScript because a
 * worker thread (the journal's writer) loads preloads before tsx can compile TypeScript for it; it
 * profiles the main thread only, where requests are served.
 */
import { writeFileSync } from "node:fs";
import process from "node:process";
import { Session } from "node:inspector";
import { isMainThread } from "node:worker_threads";

/** One sample every 100 µs: fine enough to split a request of a hundred-odd µs into stages. */
const SAMPLING_INTERVAL_US = 100;

const path = process.env["HOLD_PROFILE_PATH"];
if (path === undefined) {
  throw new Error("HOLD_PROFILE_PATH is not set");
}
if (isMainThread) {
  profileOnSignal(path);
}

function profileOnSignal(path) {
  const session = new Session();
  session.connect();
  let profiling = false;
  process.on("SIGUSR2", () => {
    if (!profiling) {
      profiling = true;
      session.post("Profiler.enable", () =>
        session.post("Profiler.setSamplingInterval", { interval: SAMPLING_INTERVAL_US }, () =>
          session.post("Profiler.start"),
        ),
      );
      return;
    }
    profiling = false;
    session.post("Profiler.stop", (error, result) => {
      if (error === null) {
        writeFileSync(path, JSON.stringify(result.profile));
      }
    });
  });
}
