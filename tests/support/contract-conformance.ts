import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { contractDocument } from "../../src/http/contract.ts";
import { STATUS_OF, type ErrorCode } from "../../src/http/errors.ts";
import { call as uncheckedCall } from "../../support/server-process.ts";
import type { HttpResult, RequestOptions } from "../../support/http.ts";

/**
 * Checks an answer against the OpenAPI document the server serves: the operation the request
 * reached, the status (it must be one the operation documents), the required headers, the media
 * type and the body (with Ajv, on the document's JSON Schema 2020-12). The HTTP suites' harness and
 * the loopback suite check every answer they get, so an undocumented status or shape fails the test
 * that met it.
 */

type Document = ReturnType<typeof contractDocument>;

interface DocumentedResponse {
  readonly description?: string;
  readonly headers?: Record<string, { $ref?: string; required?: boolean }>;
  readonly content?: Record<string, unknown>;
}

interface Route {
  readonly template: string;
  readonly pattern: RegExp;
  /** Literal segments first: /queue/tokens/current wins over a template with a parameter there. */
  readonly parameters: number;
}

/** The answers a request gets when no operation serves it, by code (app.ts: middleware and notFound). */
const UNROUTED_CODES: readonly ErrorCode[] = ["NOT_FOUND", "METHOD_NOT_ALLOWED", "INTERNAL_ERROR"];
/** Before routing, every body but a GET's is read: too large, or not JSON. */
const BODY_CODES: readonly ErrorCode[] = ["PAYLOAD_TOO_LARGE", "VALIDATION_FAILED"];
/** Under /api/v1/admin/ the admin token is checked before routing. */
const ADMIN_PREFIX = "/api/v1/admin/";
const ADMIN_CODES: readonly ErrorCode[] = ["ADMIN_UNAUTHORIZED", "ADMIN_DISABLED"];

const DOCUMENT_ID = "openapi.json";

interface Checker {
  readonly document: Document;
  readonly routes: readonly Route[];
  readonly validator: (pointer: readonly string[]) => ValidateFunction;
}

let checker: Checker | undefined;

function contractChecker(): Checker {
  if (checker !== undefined) {
    return checker;
  }
  const document = contractDocument();
  // strict: false lets Ajv pass over the document's own keywords (`example`, `x-enumDescriptions`).
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  // ajv-formats is CommonJS: its default export is the plugin, also named `default` on it.
  addFormats.default(ajv);
  ajv.addSchema(document, DOCUMENT_ID);
  const validators = new Map<string, ValidateFunction>();
  const routes = Object.keys(document.paths ?? {})
    .map((template) => ({
      template,
      pattern: new RegExp(
        `^${template
          .split("/")
          .map((part) => (/^{.+}$/.test(part) ? "[^/]+" : part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")))
          .join("/")}$`,
      ),
      parameters: (template.match(/{/g) ?? []).length,
    }))
    .sort((a, b) => a.parameters - b.parameters);
  checker = {
    document,
    routes,
    validator: (pointer) => {
      const ref = `${DOCUMENT_ID}#/${pointer.map((part) => part.replaceAll("~", "~0").replaceAll("/", "~1")).join("/")}`;
      let validate = validators.get(ref);
      if (validate === undefined) {
        validate = ajv.compile({ $ref: ref });
        validators.set(ref, validate);
      }
      return validate;
    },
  };
  return checker;
}

export interface ObservedAnswer {
  readonly method: string;
  /** The request's path and query, e.g. /api/v1/concerts?x=1. */
  readonly url: string;
  readonly result: HttpResult;
}

/** What is wrong with an answer by the document; empty when it conforms. */
export function contractProblems({ method, url, result }: ObservedAnswer): string[] {
  const { document, routes, validator } = contractChecker();
  const path = new URL(url, "http://contract.invalid").pathname;
  const verb = method.toLowerCase() === "head" ? "get" : method.toLowerCase();
  const route = routes.find((candidate) => candidate.pattern.test(path));
  const operation = route === undefined ? undefined : document.paths?.[route.template]?.[verb as "get"];
  if (route === undefined || operation === undefined) {
    const allowed = [
      ...UNROUTED_CODES,
      ...(verb === "get" ? [] : BODY_CODES),
      ...(path.startsWith(ADMIN_PREFIX) ? ADMIN_CODES : []),
    ].filter((code) => code !== (route === undefined ? "METHOD_NOT_ALLOWED" : "NOT_FOUND"));
    return unroutedProblems(method, result, allowed, validator(["components", "schemas", "Error"]));
  }
  const where = ["paths", route.template, verb, "responses", String(result.status)];
  const response = operation.responses?.[String(result.status)] as DocumentedResponse | undefined;
  if (response === undefined) {
    const documented = Object.keys(operation.responses ?? {}).join(", ");
    return [`${operation.operationId} does not document status ${result.status} (only ${documented})`];
  }
  const problems = headerProblems(document, response, result);
  if (response.content === undefined) {
    if (result.text.length > 0) {
      problems.push(`status ${result.status} documents no body, but one came`);
    }
    return problems;
  }
  const contentType = result.headers.get("content-type");
  const mediaType = contentType?.split(";")[0]?.trim().toLowerCase();
  if (mediaType === undefined || !(mediaType in response.content)) {
    const documented = Object.keys(response.content).join(", ");
    problems.push(`content type ${contentType ?? "(none)"} is not documented (only ${documented})`);
    return problems;
  }
  if (method.toLowerCase() === "head" || mediaType === "image/png") {
    return problems;
  }
  const body = mediaType.endsWith("json") ? result.body : result.text;
  const validate = validator([...where, "content", mediaType, "schema"]);
  if (!validate(body)) {
    problems.push(`the body breaks the schema: ${ajvErrors(validate)}`);
  }
  return problems;
}

function unroutedProblems(
  method: string,
  result: HttpResult,
  allowed: readonly ErrorCode[],
  validate: ValidateFunction,
): string[] {
  if (method.toLowerCase() === "head") {
    // No body to read the code from: the status must be one of those codes'.
    const statuses: number[] = allowed.map((code) => STATUS_OF[code]);
    return statuses.includes(result.status)
      ? []
      : [`no operation serves this request; it may answer ${statuses.join(", ")}, not ${result.status}`];
  }
  if (!validate(result.body)) {
    return [`no operation serves this request, and the answer is not an Error: ${ajvErrors(validate)}`];
  }
  const code = (result.body as { error: { code: ErrorCode } }).error.code;
  if (!allowed.includes(code) || STATUS_OF[code] !== result.status) {
    return [
      `no operation serves this request; it may answer ${allowed.join(", ")}, not ${result.status} ${code}`,
    ];
  }
  if (code === "METHOD_NOT_ALLOWED" && result.headers.get("allow") === null) {
    return ["a 405 must name the allowed methods in Allow"];
  }
  return [];
}

function headerProblems(document: Document, response: DocumentedResponse, result: HttpResult): string[] {
  const problems: string[] = [];
  for (const [name, given] of Object.entries(response.headers ?? {})) {
    const header =
      given.$ref === undefined
        ? given
        : (document.components?.headers?.[given.$ref.split("/").pop() ?? ""] as { required?: boolean });
    if (header.required === true && result.headers.get(name) === null) {
      problems.push(`the required header ${name} is missing`);
    }
  }
  return problems;
}

function ajvErrors(validate: ValidateFunction): string {
  return (validate.errors ?? [])
    .slice(0, 5)
    .map(
      (error) => `${error.instancePath || "(body)"} ${error.message ?? ""} ${JSON.stringify(error.params)}`,
    )
    .join("; ");
}

/** Throws, failing the test that got the answer, when the answer breaks the contract. */
export function expectConforms(observed: ObservedAnswer): void {
  const problems = contractProblems(observed);
  if (problems.length > 0) {
    const { method, url, result } = observed;
    throw new Error(
      `${method} ${url} answered ${result.status} outside the contract (contract/openapi.json):\n` +
        `- ${problems.join("\n- ")}\n${result.text.slice(0, 500)}`,
    );
  }
}

/** `call` of support/server-process.ts, with the answer checked against the contract. */
export async function call(
  baseUrl: string,
  method: string,
  url: string,
  options?: RequestOptions,
): Promise<HttpResult> {
  const result = await uncheckedCall(baseUrl, method, url, options);
  expectConforms({ method, url, result });
  return result;
}
