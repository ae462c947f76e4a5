import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { ERROR_CODES, type ErrorCode } from "./errors.ts";
import { documented, errorExample, RESPONSE_HEADERS } from "./openapi-helpers.ts";
import { ErrorSchema } from "./schemas.ts";

/**
 * The contract and its browsable form: GET /openapi.json, and Swagger UI at GET /docs, served whole
 * from the installed swagger-ui-dist (pinned in package.json), so the docs work on a machine without
 * internet and the page asks no other host for anything.
 */

type OpenApiDocument = ReturnType<OpenAPIHono["getOpenAPI31Document"]>;

/** Everything of the document that is not generated from the routes. */
export const OPENAPI_CONFIG: Parameters<OpenAPIHono["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Ticket on-sale engine",
    version: "1.0.0",
    description: [
      "Concert seat reservations: waiting room, seat holds, prepaid balance and payments.",
      "",
      'Every error answers `{"error":{"code","message","requestId",...}}` with the status the code',
      "has (see `ErrorCode`), and every answer carries an `X-Request-Id` header. Each operation lists",
      "the statuses and codes it can answer with. A request no operation serves answers 404",
      "`NOT_FOUND`, or 405 `METHOD_NOT_ALLOWED` with an `Allow` header when the path exists with other",
      "methods; under `/api/v1/admin/` the admin token is checked first (401 `ADMIN_UNAUTHORIZED`, 403",
      "`ADMIN_DISABLED`). Any body over the size limit answers 413 `PAYLOAD_TOO_LARGE`, and a body that",
      "is not JSON 400 `VALIDATION_FAILED`, before routing.",
    ].join("\n"),
    // The package is private and has no licence of its own; npm's word for that is UNLICENSED.
    license: { name: "UNLICENSED" },
  },
  // Relative: the server that serves the document (and /docs' "Try it out") is the one to call.
  servers: [{ url: "/", description: "The server that serves this document" }],
  tags: [
    { name: "Waiting room", description: "A queue token per user and concert; ACTIVE tokens may buy." },
    { name: "Concerts", description: "Concerts, their schedules and seat maps: no token needed." },
    { name: "Balance", description: "The prepaid balance payments are taken from, and its ledger." },
    { name: "Reservations", description: "Seat holds, made and released with an ACTIVE queue token." },
    { name: "Payments", description: "Paying a hold books its seats and ends the queue token." },
    { name: "Admin", description: "Concert set-up and waiting-room settings, with the admin token." },
    { name: "Operations", description: "Health, readiness and metrics, for balancers and monitoring." },
    { name: "Documentation", description: "This document, and Swagger UI over it." },
  ],
};

/** The document of an app whose routes are all registered. */
export function openApiDocument(app: OpenAPIHono): OpenApiDocument {
  const document = app.getOpenAPI31Document(OPENAPI_CONFIG);
  // The error responses refer to one example per code; the document holds those they name.
  const named = new Set<ErrorCode>();
  JSON.stringify(document.paths, (key, value: unknown) => {
    if (key === "$ref" && typeof value === "string" && value.startsWith(EXAMPLE_REF)) {
      named.add(value.slice(EXAMPLE_REF.length) as ErrorCode);
    }
    return value;
  });
  const examples = Object.fromEntries(
    ERROR_CODES.filter((code) => named.has(code)).map((code) => [code, errorExample(code)]),
  );
  return { ...document, components: { ...document.components, examples } };
}

const EXAMPLE_REF = "#/components/examples/";

/** Where the page finds the document; the page's own script reads it from the page. */
const DOCUMENT_PATH = "/openapi.json";

/**
 * Starts Swagger UI. A file rather than an inline script, so that the page's CSP needs no
 * 'unsafe-inline' for scripts. `validatorUrl: null` keeps Swagger UI from sending the document to
 * validator.swagger.io.
 */
const INITIALIZER = `window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
`;

const JAVASCRIPT = "text/javascript; charset=utf-8";

/** The files the page loads, each from swagger-ui-dist or given here, with its content type. */
const ASSETS = {
  "swagger-ui.css": { contentType: "text/css; charset=utf-8", file: "swagger-ui.css" },
  "swagger-ui-bundle.js": { contentType: JAVASCRIPT, file: "swagger-ui-bundle.js" },
  "favicon-32x32.png": { contentType: "image/png", file: "favicon-32x32.png" },
  "favicon-16x16.png": { contentType: "image/png", file: "favicon-16x16.png" },
  "docs-init.js": { contentType: JAVASCRIPT, text: INITIALIZER },
} as const satisfies Record<string, { contentType: string } & ({ file: string } | { text: string })>;
type AssetName = keyof typeof ASSETS;
const ASSET_NAMES = Object.keys(ASSETS) as [AssetName, ...AssetName[]];

/** How long a browser may keep an asset: they change only when swagger-ui-dist is upgraded. */
const ASSET_MAX_AGE_SECONDS = 3600;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Ticket on-sale engine: API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32" />
    <link rel="icon" type="image/png" href="/docs/favicon-16x16.png" sizes="16x16" />
  </head>
  <body>
    <div id="swagger-ui" data-openapi-url="${DOCUMENT_PATH}"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script src="/docs/docs-init.js"></script>
  </body>
</html>
`;

/**
 * The page may load only from this server. Swagger UI sets inline styles and draws its icons from
 * data: URLs, and "Try it out" shows images as blob: URLs; nothing else is let through.
 */
const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'self'",
].join("; ");

const getDocument = createRoute(
  documented(
    {
      method: "get",
      path: DOCUMENT_PATH,
      operationId: "getOpenApiDocument",
      tags: ["Documentation"],
      summary: "This OpenAPI 3.1 document",
      responses: {
        200: {
          description: "The document",
          content: { "application/json": { schema: z.object({}).passthrough() } },
        },
      },
    },
    { access: "public", viaActor: false },
  ),
);

const getDocsPage = createRoute(
  documented(
    {
      method: "get",
      path: "/docs",
      operationId: "getDocsPage",
      tags: ["Documentation"],
      summary: "Swagger UI over this document, for a browser",
      responses: { 200: { description: "The page", content: { "text/html": { schema: z.string() } } } },
    },
    { access: "public", viaActor: false },
  ),
);

const getDocsAsset = createRoute(
  documented(
    {
      method: "get",
      path: "/docs/{file}",
      operationId: "getDocsAsset",
      tags: ["Documentation"],
      summary: "A file the docs page loads",
      request: {
        params: z.object({ file: z.enum(ASSET_NAMES).openapi({ param: { name: "file", in: "path" } }) }),
      },
      responses: {
        200: {
          description: "The file",
          content: {
            "text/css": { schema: z.string() },
            "text/javascript": { schema: z.string() },
            "image/png": { schema: z.string().openapi({ format: "binary" }) },
          },
        },
      },
    },
    { access: "public", viaActor: false },
  ),
);

export function registerDocsRoutes(app: OpenAPIHono): void {
  app.openAPIRegistry.register("Error", ErrorSchema);
  for (const [name, header] of Object.entries(RESPONSE_HEADERS)) {
    app.openAPIRegistry.registerComponent("headers", name, header);
  }
  app.openAPIRegistry.registerComponent("securitySchemes", "queueToken", {
    type: "http",
    scheme: "bearer",
    description: "The token of POST /api/v1/queue/tokens.",
  });
  app.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
    type: "http",
    scheme: "bearer",
    description: "The server's ADMIN_TOKEN.",
  });

  // Built on first request, when every route is registered; the routes never change afterwards.
  let document: OpenApiDocument | undefined;
  app.openapi(getDocument, (c) => c.json((document ??= openApiDocument(app)), 200));

  app.openapi(getDocsPage, (c) => c.html(PAGE, 200, { "Content-Security-Policy": PAGE_CSP }));

  const assets = new Map<AssetName, Uint8Array<ArrayBuffer>>();
  app.openapi(getDocsAsset, (c) => {
    const name = c.req.valid("param").file;
    let body = assets.get(name);
    if (body === undefined) {
      body = readAsset(ASSETS[name]);
      assets.set(name, body);
    }
    return c.body(body, 200, {
      "Content-Type": ASSETS[name].contentType,
      "Cache-Control": `public, max-age=${ASSET_MAX_AGE_SECONDS}`,
    });
  });
}

function readAsset(asset: (typeof ASSETS)[AssetName]): Uint8Array<ArrayBuffer> {
  return "text" in asset
    ? new TextEncoder().encode(asset.text)
    : new Uint8Array(fs.readFileSync(path.join(swaggerUiDist(), asset.file)));
}

/** The installed swagger-ui-dist, found the way Node resolves it from here. */
function swaggerUiDist(): string {
  return path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
}
