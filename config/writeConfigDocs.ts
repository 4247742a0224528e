// `npm run docs:config`: rewrites README.md's config-key table (between
// <!-- config-table:start --> and <!-- config-table:end -->) from config/schema.ts and
// config/githubStackSchema.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { configKeys, renderConfigBlock, replaceConfigBlock } from "./configDocs";
import { githubStackSchema } from "./githubStackSchema";

const readmePath = join(__dirname, "..", "README.md");
const readme = readFileSync(readmePath, "utf8");
const keys = [...configKeys(), ...configKeys(githubStackSchema)];
const updated = replaceConfigBlock(readme, renderConfigBlock());
if (updated === readme) {
  console.log(`README.md: config table already current (${keys.length} keys)`);
} else {
  writeFileSync(readmePath, updated);
  console.log(`README.md: config table rewritten (${keys.length} keys)`);
}
