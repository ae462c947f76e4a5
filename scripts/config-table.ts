/**
 * `npm run config:table`: prints the README's configuration table (markdown), generated from the
 * schema that parses the environment (src/config.ts). `--write` puts it into README.md instead;
 * tests/config.test.ts fails while the README's table differs from it.
 */
import fs from "node:fs";
import path from "node:path";
import { configTableMarkdown } from "../src/config.ts";
import { parseCommandLine } from "../support/cli.ts";
import { REPO_ROOT } from "../support/child-process.ts";
import { withConfigTable } from "../support/config-table.ts";

const cli = parseCommandLine({
  usage: `usage: npm run config:table [-- --write]
  prints the configuration table of README.md, generated from the configuration schema (src/config.ts)
  --write   replace the table in README.md with it`,
  options: { write: { type: "boolean" } },
});

const table = configTableMarkdown();
if (cli.values.write === true) {
  const readmePath = path.join(REPO_ROOT, "README.md");
  const readme = fs.readFileSync(readmePath, "utf8");
  const updated = withConfigTable(readme, table);
  if (updated !== readme) {
    fs.writeFileSync(readmePath, updated);
  }
  console.log(updated === readme ? "README.md's table is up to date" : "README.md's table updated");
} else {
  console.log(table);
}
