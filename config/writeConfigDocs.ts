// `npm run docs:config`: rewrites README.md's config-key table (between
// <!-- config-table:start --> and <!-- config-table:end -->) from config/schema.ts.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { configKeys, renderConfigBlock, replaceConfigBlock } from "./configDocs";

const readmePath = join(__dirname, "..", "README.md");
const readme = readFileSync(readmePath, "utf8");
const keys = configKeys();
const updated = replaceConfigBlock(readme, renderConfigBlock(keys));
if (updated === readme) {
  console.log(`README.md: config table already current (${keys.length} keys)`);
} else {
  writeFileSync(readmePath, updated);
  console.log(`README.md: config table rewritten (${keys.length} keys)`);
}
