/**
 * The journal's threads (the writer thread, the snapshot thread) run TypeScript source. On Node 20 a
 * worker does not get the loader hooks of its parent, and an `--import tsx` in its execArgv is not
 * applied to its entry module (nodejs/node#47747), so a thread starts from a small ES module that
 * registers tsx's hooks and then imports the real entry. This works the same under `tsx` and vitest.
 */
export function typeScriptThreadEntry(entry: URL): URL {
  const tsxApi = import.meta.resolve("tsx/esm/api");
  const source = `import { register } from ${JSON.stringify(tsxApi)};\nregister();\nawait import(${JSON.stringify(entry.href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(source)}`);
}
