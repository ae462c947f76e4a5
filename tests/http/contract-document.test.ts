import fs from "node:fs";
import path from "node:path";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { contractDocument } from "../../src/http/contract.ts";
import {
  AUDIENCE_OF,
  DESCRIPTION_OF,
  ERROR_CODES,
  STATUS_OF,
  type ErrorCode,
} from "../../src/http/errors.ts";
import { REPO_ROOT } from "../../support/child-process.ts";
import type { HttpResult } from "../../support/http.ts";
import { contractProblems } from "../support/contract-conformance.ts";
import { expectStatus, startHarness, type InProcessHarness } from "../support/app-harness.ts";

/**
 * The OpenAPI document as the whole contract: what it must say about every operation, that its
 * examples are valid, that the committed copy is current, and that the conformance check every HTTP
 * suite runs on its answers does fail answers the document does not promise.
 */

const document = contractDocument();
const METHODS = ["get", "put", "post", "delete", "patch"] as const;

interface MediaType {
  schema?: unknown;
  example?: unknown;
  examples?: Record<string, { $ref?: string }>;
}

interface Operation {
  operationId?: string;
  security?: unknown[];
  requestBody?: unknown;
  parameters?: unknown[];
  responses: Record<string, { content?: Record<string, MediaType> }>;
}

const operations = Object.entries(document.paths ?? {}).flatMap(([template, item]) =>
  METHODS.flatMap((method) => {
    const operation = (item as Record<string, Operation | undefined>)[method];
    return operation === undefined
      ? []
      : [{ name: `${method.toUpperCase()} ${template}`, method, operation }];
  }),
);

/** The codes a documented error response may carry (its narrowed `code` enum). */
function codesOf(operation: Operation, status: string): ErrorCode[] {
  const schema = operation.responses[status]?.content?.["application/json"]?.schema as
    { allOf?: { properties?: { error?: { properties?: { code?: { enum?: ErrorCode[] } } } } }[] } | undefined;
  return schema?.allOf?.[1]?.properties?.error?.properties?.code?.enum ?? [];
}

function answer(status: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  const text = JSON.stringify(body);
  return {
    status,
    headers: new Headers({ "content-type": "application/json", "x-request-id": "req-1", ...headers }),
    body,
    text,
  };
}

const CONCERTS = { concerts: [{ concertId: "c1", title: "A Concert" }] };

describe("the OpenAPI document", () => {
  it("is the one committed in contract/openapi.json", () => {
    const committed = fs.readFileSync(path.join(REPO_ROOT, "contract", "openapi.json"), "utf8");
    expect(committed, "run `npm run contract:generate`").toBe(`${JSON.stringify(document, null, 2)}\n`);
  });

  it("enumerates every public error code, each described, and names no internal one anywhere", () => {
    const schemas = document.components?.schemas as Record<
      string,
      { enum?: string[]; description?: string; "x-enumDescriptions"?: Record<string, string> }
    >;
    const publicCodes = ERROR_CODES.filter((code) => AUDIENCE_OF[code] === "public");
    const internalCodes = ERROR_CODES.filter((code) => AUDIENCE_OF[code] === "internal");
    // Pinned, because a public code marked internal by mistake would vanish from the document silently.
    expect(internalCodes).toEqual(["FUNDS_NOT_RESERVED"]);
    expect(schemas.ErrorCode?.enum).toEqual(publicCodes);
    expect(Object.keys(schemas.ErrorCode?.["x-enumDescriptions"] ?? {})).toEqual(publicCodes);
    for (const code of publicCodes) {
      expect(DESCRIPTION_OF[code].length, code).toBeGreaterThan(10);
      expect(schemas.ErrorCode?.description).toContain(
        `| \`${code}\` | ${STATUS_OF[code]} | ${DESCRIPTION_OF[code]} |`,
      );
    }
    const text = JSON.stringify(document);
    for (const code of internalCodes) {
      expect(text, code).not.toContain(code);
    }
    const error = schemas.Error as { properties: { error: { required: string[] } } };
    expect(error.properties.error.required).toEqual(["code", "message", "requestId"]);
  });

  it("gives every operation a unique id, a security entry and a 500 INTERNAL_ERROR", () => {
    const ids = operations.map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(operations.length);
    for (const { name, operation } of operations) {
      expect(operation.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      expect(operation.security, name).toBeDefined();
      expect(codesOf(operation, "500"), name).toEqual(["INTERNAL_ERROR"]);
    }
  });

  it("documents 400 and 413 wherever a body is read, 400 wherever there are parameters, and the token or admin codes on guarded operations", () => {
    for (const { name, method, operation } of operations) {
      if (method !== "get") {
        expect(codesOf(operation, "400"), name).toContain("VALIDATION_FAILED");
        expect(codesOf(operation, "413"), name).toEqual(["PAYLOAD_TOO_LARGE"]);
      }
      if ((operation.parameters ?? []).length > 0) {
        expect(codesOf(operation, "400"), name).toContain("VALIDATION_FAILED");
      }
      const schemes = (operation.security ?? []).flatMap((entry) => Object.keys(entry as object));
      if (schemes.includes("queueToken")) {
        expect(codesOf(operation, "401"), name).toContain("TOKEN_INVALID");
      }
      if (schemes.includes("adminToken")) {
        expect(codesOf(operation, "401"), name).toEqual(["ADMIN_UNAUTHORIZED"]);
        expect(codesOf(operation, "403"), name).toEqual(["ADMIN_DISABLED"]);
      }
    }
  });

  it("documents 503 OVERLOADED, JOURNAL_UNAVAILABLE and SHARD_UNAVAILABLE on every operation of the API", () => {
    for (const { name, operation } of operations.filter((entry) => entry.name.includes(" /api/"))) {
      expect(codesOf(operation, "503"), name).toEqual([
        "OVERLOADED",
        "JOURNAL_UNAVAILABLE",
        "SHARD_UNAVAILABLE",
      ]);
    }
  });

  it("documents /health, /health/ready, /metrics, /openapi.json and /docs", () => {
    const ids = new Set(operations.map(({ operation }) => operation.operationId));
    for (const id of ["getHealth", "getReadiness", "getMetrics", "getOpenApiDocument", "getDocsPage"]) {
      expect(ids.has(id), id).toBe(true);
    }
    expect(
      Object.keys(
        operations.find((entry) => entry.name === "GET /metrics")?.operation.responses[200]?.content ?? {},
      ),
    ).toEqual(["text/plain"]);
  });

  it("has only examples that its own schemas accept, a success and an error on every operation", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema(document, "openapi.json");
    const examples =
      (document.components as { examples?: Record<string, { value: unknown }> }).examples ?? {};
    let checked = 0;
    for (const { name, method, operation } of operations) {
      const template = name.slice(name.indexOf(" ") + 1);
      let successes = 0;
      let errors = 0;
      const media: [pointer: string, given: MediaType][] = [];
      const body = (operation.requestBody as { content?: Record<string, MediaType> } | undefined)?.content;
      for (const [type, given] of Object.entries(body ?? {})) {
        media.push([
          `/paths/${pointer(template)}/${method}/requestBody/content/${pointer(type)}/schema`,
          given,
        ]);
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        for (const [type, given] of Object.entries(response.content ?? {})) {
          media.push([
            `/paths/${pointer(template)}/${method}/responses/${status}/content/${pointer(type)}/schema`,
            given,
          ]);
          successes += status.startsWith("2") && given.example !== undefined ? 1 : 0;
          errors += Object.keys(given.examples ?? {}).length;
        }
      }
      for (const [where, given] of media) {
        const validate = ajv.compile({ $ref: `openapi.json#${where}` });
        const values = [
          ...(given.example === undefined ? [] : [given.example]),
          ...Object.values(given.examples ?? {}).map(
            (ref) => examples[ref.$ref?.split("/").pop() ?? ""]?.value,
          ),
        ];
        for (const value of values) {
          expect(validate(value), `${where}: ${ajv.errorsText(validate.errors)}`).toBe(true);
          checked += 1;
        }
      }
      const withBody = Object.entries(operation.responses).some(
        ([status, response]) => status.startsWith("2") && response.content !== undefined,
      );
      // The documentation serves files; an example of the document inside itself would say nothing.
      if (withBody && !template.startsWith("/docs") && template !== "/openapi.json") {
        expect(successes, `${name}: a success example`).toBeGreaterThan(0);
      }
      expect(errors, `${name}: error examples`).toBeGreaterThan(0);
    }
    expect(checked).toBeGreaterThan(100);
  });
});

function pointer(part: string): string {
  return part.replaceAll("~", "~0").replaceAll("/", "~1");
}

describe("the conformance check of every answer", () => {
  it("accepts an answer the document promises", () => {
    expect(
      contractProblems({ method: "GET", url: "/api/v1/concerts", result: answer(200, CONCERTS) }),
    ).toEqual([]);
  });

  it("fails a status the operation does not document", () => {
    const problems = contractProblems({ method: "GET", url: "/api/v1/concerts", result: answer(404, {}) });
    expect(problems.join("\n")).toMatch(/listConcerts does not document status 404/);
  });

  it("fails a body with a missing, mistyped or undocumented field", () => {
    for (const body of [
      { concerts: [{ concertId: "c1" }] },
      { concerts: [{ concertId: 1, title: "A Concert" }] },
      { concerts: [{ concertId: "c1", title: "A Concert", extra: true }] },
    ]) {
      const problems = contractProblems({
        method: "GET",
        url: "/api/v1/concerts?x=1",
        result: answer(200, body),
      });
      expect(problems.join("\n"), JSON.stringify(body)).toMatch(/breaks the schema/);
    }
  });

  it("fails an error code that the operation does not answer with that status", () => {
    const body = { error: { code: "SEAT_UNAVAILABLE", message: "no", requestId: "r" } };
    const problems = contractProblems({ method: "GET", url: "/api/v1/concerts", result: answer(503, body) });
    expect(problems.join("\n")).toMatch(/breaks the schema/);
  });

  it("fails an answer without its required headers, or of an undocumented media type", () => {
    const noId = answer(200, CONCERTS);
    noId.headers.delete("x-request-id");
    expect(contractProblems({ method: "GET", url: "/api/v1/concerts", result: noId }).join("\n")).toMatch(
      /X-Request-Id is missing/,
    );
    const text = {
      ...answer(200, CONCERTS),
      headers: new Headers({ "content-type": "text/plain", "x-request-id": "r" }),
    };
    expect(contractProblems({ method: "GET", url: "/api/v1/concerts", result: text }).join("\n")).toMatch(
      /content type text\/plain is not documented/,
    );
  });

  it("holds a request no operation serves to 404 NOT_FOUND or 405 METHOD_NOT_ALLOWED with Allow", () => {
    const notFound = { error: { code: "NOT_FOUND", message: "no route", requestId: "r" } };
    const notAllowed = { error: { code: "METHOD_NOT_ALLOWED", message: "no", requestId: "r" } };
    expect(contractProblems({ method: "GET", url: "/nope", result: answer(404, notFound) })).toEqual([]);
    expect(
      contractProblems({
        method: "PUT",
        url: "/api/v1/concerts",
        result: answer(405, notAllowed, { allow: "GET" }),
      }),
    ).toEqual([]);
    expect(
      contractProblems({ method: "PUT", url: "/api/v1/concerts", result: answer(405, notAllowed) }),
    ).not.toEqual([]);
    expect(contractProblems({ method: "GET", url: "/nope", result: answer(200, CONCERTS) })).not.toEqual([]);
  });

  // The in-process harness on either target: the check is the same code, and only this app can grow a route.
  describe("in the harness", () => {
    let h: InProcessHarness;
    beforeEach(async () => {
      h = await startHarness();
    });
    afterEach(() => h.close());

    it("fails the test that gets an answer outside the contract", async () => {
      h.app.get("/teapot", (c) => c.json({ brewing: true }, 418));
      await expect(h.request("GET", "/teapot")).rejects.toThrow(
        /GET \/teapot answered 418 outside the contract/,
      );
      expectStatus(await h.request("GET", "/api/v1/concerts"), 200);
    });
  });
});
