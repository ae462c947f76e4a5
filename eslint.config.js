import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "data/", "coverage/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      curly: ["error", "all"],
      eqeqeq: ["error", "always"],
      "no-console": "off",
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // The domain is pure: no I/O, no clock, no storage, no transport.
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*"], message: "src/engine is pure: no Node APIs." },
            {
              group: ["better-sqlite3", "msgpackr", "hono", "hono/*", "@hono/*", "nanoid"],
              message: "src/engine is pure: no I/O libraries.",
            },
            {
              // Both depths: src/engine/*.ts and the folders inside it (src/engine/waiting-room/).
              group: [
                "../actors/*",
                "../persistence/*",
                "../http/*",
                "../../actors/*",
                "../../persistence/*",
                "../../http/*",
              ],
              message: "src/engine depends on nothing outside itself.",
            },
          ],
        },
      ],
      "no-restricted-globals": [
        "error",
        { name: "Date", message: "Time comes in through ctx.nowMs." },
        { name: "setTimeout", message: "Timers live in src/actors." },
        { name: "setInterval", message: "Timers live in src/actors." },
      ],
      "no-restricted-properties": [
        "error",
        { object: "Math", property: "random", message: "Randomness comes in through ctx." },
      ],
    },
  },
  {
    files: ["eslint.config.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
  },
);
