/**
 * `npm run contract:generate` writes the API contract into contract/: the OpenAPI document the server
 * serves at /openapi.json (built from the app, no server started) and the TypeScript types
 * openapi-typescript generates from it, which examples/book-a-seat.ts uses through openapi-fetch.
 * `npm run contract:check` generates both into a temporary directory and fails on any difference from
 * the committed files, so that every change to the API shows in a diff.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import openapiTS, { astToString, type OpenAPI3 } from "openapi-typescript";
import { contractDocument } from "../src/http/contract.ts";
import { REPO_ROOT } from "../support/child-process.ts";
import { parseCommandLine } from "../support/cli.ts";

const CONTRACT_DIR = path.join(REPO_ROOT, "contract");
const DOCUMENT_FILE = "openapi.json";
const TYPES_FILE = "api.d.ts";

const cli = parseCommandLine({
  usage: `usage: npm run contract:generate | npm run contract:check
  generate   write contract/${DOCUMENT_FILE} and contract/${TYPES_FILE} from the app
  check      generate into a temporary directory; exit 1 if either differs from contract/`,
  options: {},
  allowPositionals: true,
});

/** The contract files by name, with their whole text. */
async function generateContract(): Promise<Map<string, string>> {
  const document = contractDocument();
  const types = astToString(await openapiTS(document as OpenAPI3, { silent: true }));
  return new Map([
    [DOCUMENT_FILE, `${JSON.stringify(document, null, 2)}\n`],
    [TYPES_FILE, types],
  ]);
}

function writeContract(dir: string, files: ReadonlyMap<string, string>): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) {
    fs.writeFileSync(path.join(dir, name), text);
  }
}

/** The first line where two texts differ, as a short report; undefined when they are equal. */
function firstDifference(committed: string, generated: string): string | undefined {
  if (committed === generated) {
    return undefined;
  }
  const before = committed.split("\n");
  const after = generated.split("\n");
  let line = 0;
  while (line < before.length && line < after.length && before[line] === after[line]) {
    line += 1;
  }
  return `line ${line + 1}:\n  committed: ${before[line] ?? "(end of file)"}\n  generated: ${after[line] ?? "(end of file)"}`;
}

async function main(): Promise<void> {
  const [command, ...rest] = cli.positionals;
  if (rest.length > 0 || (command !== "generate" && command !== "check")) {
    cli.fail("name one command: generate or check");
  }
  const files = await generateContract();
  if (command === "generate") {
    writeContract(CONTRACT_DIR, files);
    console.log(`wrote ${[...files.keys()].map((name) => `contract/${name}`).join(" and ")}`);
    return;
  }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "contract-check-"));
  try {
    writeContract(tempDir, files);
    let stale = false;
    for (const name of files.keys()) {
      const committedPath = path.join(CONTRACT_DIR, name);
      const generated = fs.readFileSync(path.join(tempDir, name), "utf8");
      const committed = fs.existsSync(committedPath) ? fs.readFileSync(committedPath, "utf8") : "";
      const difference = firstDifference(committed, generated);
      if (difference !== undefined) {
        stale = true;
        console.error(`contract/${name} differs from what the app generates, first at ${difference}`);
      }
    }
    if (stale) {
      console.error("the API changed: run `npm run contract:generate` and commit contract/");
      process.exitCode = 1;
    } else {
      console.log("contract/ matches the app");
    }
  } finally {
    fs.rmSync(tempDir, { recursive: true, force: true });
  }
}

await main();
