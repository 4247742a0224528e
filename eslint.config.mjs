// The linter: ESLint's and typescript-eslint's recommended rules (without type
// information, so it stays fast), imports sorted, and CommonJS for the plain-Node
// programs and the modules they share with the program. Formatting is Prettier's.
import js from "@eslint/js";
import simpleImportSort from "eslint-plugin-simple-import-sort";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "bench/results/", "conformance/fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "simple-import-sort": simpleImportSort },
    rules: {
      "simple-import-sort/imports": "error",
      "simple-import-sort/exports": "error",
      // Prettier wraps code at 140; what it cannot wrap (comments, long lines it was told to
      // leave) is held here. Long strings and patterns stay whole: they are greppable that way.
      "max-len": ["error", { code: 140, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true, ignoreUrls: true }],
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    files: ["**/*.ts", "**/*.mts"],
    languageOptions: { globals: globals.node },
  },
  {
    // The rehearsal engine and the tests handle Pulumi's untyped wire data (gRPC requests,
    // provider inputs and state, mocks) as it comes; the program itself stays typed.
    files: ["rehearsal/**", "tests/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: globals.node },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    files: ["**/*.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
);
