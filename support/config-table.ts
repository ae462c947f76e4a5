/**
 * The README's configuration table, which `npm run config:table` generates from the configuration
 * schema (src/config.ts): where it sits in the README, and the README with it replaced.
 */

/** The heading of the README section whose first table is the configuration table. */
export const CONFIG_SECTION_HEADING = "## Configuration";

/** Where the configuration table is in `readme`: the character range of its lines, and the table. */
export function findConfigTable(readme: string): { start: number; end: number; table: string } {
  const section = readme.indexOf(`\n${CONFIG_SECTION_HEADING}\n`);
  if (section === -1) {
    throw new Error(`the README has no "${CONFIG_SECTION_HEADING}" section`);
  }
  const start = readme.indexOf("\n|", section) + 1;
  const nextSection = readme.indexOf("\n## ", section + 1);
  if (start === 0 || (nextSection !== -1 && start > nextSection)) {
    throw new Error(`the README's "${CONFIG_SECTION_HEADING}" section has no table`);
  }
  // The table runs while lines start with "|".
  let end = start;
  while (readme.startsWith("|", end)) {
    const lineEnd = readme.indexOf("\n", end);
    end = lineEnd === -1 ? readme.length : lineEnd + 1;
  }
  return { start, end, table: readme.slice(start, end).trimEnd() };
}

/** `readme` with its configuration table replaced by `table`. */
export function withConfigTable(readme: string, table: string): string {
  const { start, end } = findConfigTable(readme);
  return `${readme.slice(0, start)}${table}\n${readme.slice(end)}`;
}
