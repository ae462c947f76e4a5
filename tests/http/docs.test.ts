import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../support/child-process.ts";
import { expectStatus, useHarness } from "../support/app-harness.ts";

/**
 * /docs without internet: Swagger UI is served whole by the server, from the pinned swagger-ui-dist,
 * and the page names no other host. The harness answers without a socket, so nothing here can reach
 * the network anyway; what is checked is that the page would not try.
 */

const PAGE_ORIGIN = "http://docs.test";

/** Every URL the page makes the browser load: script and image sources, stylesheet and icon links. */
function loadedUrls(html: string): string[] {
  return [...html.matchAll(/\s(?:src|href)\s*=\s*"([^"]*)"/g)].map((match) => match[1] ?? "");
}

const CONTENT_TYPES: Record<string, RegExp> = {
  ".js": /^text\/javascript; charset=utf-8$/,
  ".css": /^text\/css; charset=utf-8$/,
  ".png": /^image\/png$/,
};

describe("GET /docs", () => {
  const harness = useHarness();

  it("loads every script, stylesheet and icon from this server, each answered with its content type", async () => {
    const h = harness();
    const page = await h.request("GET", "/docs");
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const urls = loadedUrls(page.text);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const url of urls) {
      const resolved = new URL(url, `${PAGE_ORIGIN}/docs`);
      expect(resolved.origin, url).toBe(PAGE_ORIGIN);
      const asset = await h.request("GET", resolved.pathname);
      expect(asset.status, url).toBe(200);
      expect(asset.headers.get("content-type"), url).toMatch(CONTENT_TYPES[path.extname(url)] ?? /^$/);
      expect(asset.text.length, url).toBeGreaterThan(0);
    }
    expect(urls).toEqual(
      expect.arrayContaining(["/docs/swagger-ui.css", "/docs/swagger-ui-bundle.js", "/docs/docs-init.js"]),
    );
  });

  it("names no other host, and runs no inline script, so its CSP can forbid both", async () => {
    const h = harness();
    const page = await h.request("GET", "/docs");
    expect(page.text).not.toMatch(/https?:\/\//i);
    expect(page.text).not.toMatch(/(^|[\s"'(=])\/\/[a-z0-9]/i);
    for (const script of page.text.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)) {
      expect(script[1], "every script has a src").toMatch(/\ssrc="/);
      expect(script[2]?.trim(), "and no inline code").toBe("");
    }
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:|unsafe-eval|script-src[^;]*unsafe-inline/);
  });

  it("starts Swagger UI on /openapi.json, with the online validator off", async () => {
    const h = harness();
    const page = await h.request("GET", "/docs");
    expect(page.text).toContain('data-openapi-url="/openapi.json"');
    const init = await h.request("GET", "/docs/docs-init.js");
    expect(init.text).toContain('getAttribute("data-openapi-url")');
    expect(init.text).toContain("validatorUrl: null");
    expect(init.text).not.toMatch(/https?:\/\//);
    expectStatus(await h.request("GET", "/openapi.json"), 200);
  });

  it("serves the swagger-ui-dist that package.json pins to one exact version", async () => {
    const h = harness();
    const manifest = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    const pinned = manifest.dependencies["swagger-ui-dist"] ?? "";
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    const installed = path.join(REPO_ROOT, "node_modules", "swagger-ui-dist");
    const version = (
      JSON.parse(fs.readFileSync(path.join(installed, "package.json"), "utf8")) as { version: string }
    ).version;
    expect(version).toBe(pinned);
    const bundle = await h.request("GET", "/docs/swagger-ui-bundle.js");
    expect(bundle.text).toBe(fs.readFileSync(path.join(installed, "swagger-ui-bundle.js"), "utf8"));
  });

  it("refuses a file the page does not load with 400, reading nothing else from disk", async () => {
    const h = harness();
    for (const url of ["/docs/index.html", "/docs/..%2Fpackage.json", "/docs/swagger-initializer.js"]) {
      const result = await h.request("GET", url);
      expect(result.status, url).toBe(400);
    }
  });
});
