import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAllServers, startServer, type ServerProcess } from "../../support/server-process.ts";
import { tempDir } from "../../support/temp-dir.ts";

/**
 * /docs in a real browser with no way out: headless Chromium (Debian's package, which `npm test` and
 * .ci/run install) may resolve no host but the server's loopback address, so the page renders only if
 * every file it needs comes from this server. Chromium prints the DOM after its scripts ran; Swagger UI
 * draws one block per operation, which a blank or half-loaded page would not have.
 */

const BROWSER_TIMEOUT_MS = 45_000;
/** Virtual time the page gets to fetch its files and /openapi.json and draw. */
const PAGE_BUDGET_MS = 10_000;

function renderedDom(url: string, profileDir: string): Promise<{ dom: string; log: string }> {
  const browser = spawn(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      // No internet: every host but the server's fails to resolve, so a file from a CDN could never load.
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      `--user-data-dir=${profileDir}`,
      `--virtual-time-budget=${PAGE_BUDGET_MS}`,
      "--dump-dom",
      url,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let dom = "";
  let log = "";
  browser.stdout.on("data", (chunk: Buffer) => (dom += chunk.toString("utf8")));
  browser.stderr.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      browser.kill("SIGKILL");
      reject(new Error(`chromium did not finish within ${BROWSER_TIMEOUT_MS} ms:\n${log}`));
    }, BROWSER_TIMEOUT_MS);
    browser.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run chromium (apt-get install chromium): ${error.message}`));
    });
    browser.once("exit", () => {
      clearTimeout(timer);
      resolve({ dom, log });
    });
  });
}

describe("/docs in headless Chromium without internet", () => {
  let server: ServerProcess;
  const dir = tempDir("docs-browser-");

  beforeAll(async () => {
    server = await startServer({ env: { DATABASE_PATH: path.join(dir, "journal.db") } });
  });

  afterAll(killAllServers);

  it("renders Swagger UI with every operation of the document", async () => {
    const document = (await (await fetch(`${server.baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const { dom, log } = await renderedDom(`${server.baseUrl}/docs`, path.join(dir, "profile"));
    expect(dom, log).toContain("swagger-ui");
    expect(dom, log).toContain("Ticket on-sale engine");
    for (const [route, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        expect(dom, `${method.toUpperCase()} ${route}`).toMatch(
          new RegExp(`opblock-${method}[\\s\\S]*?data-path="${route.replace(/[{}]/g, "\\$&")}"`),
        );
      }
    }
    expect(log).not.toMatch(/Refused to (load|execute|apply)/);
  });
});
