#!/usr/bin/env node
// Reads or writes taskflow:image in Pulumi.<stack>.yaml without the Pulumi CLI,
// keeping the file's comments and layout.
//   node scripts/stack-image.mjs STACK             prints the image reference
//   node scripts/stack-image.mjs STACK --version   prints its tag (what /api/v1/status reports)
//   node scripts/stack-image.mjs STACK --set REF   writes REF
// --set needs Node.js only (no npm packages): the deploy bot's commit job runs without
// `npm ci`, so that no package's install script runs beside its token. It edits the one
// `  taskflow:image:` line and nothing else (scripts/check-bot-commits.mjs refuses any
// bot commit that changes more).
import { readFileSync, writeFileSync } from "node:fs";

import imageRef from "../config/imageRef.js";

const [stack, flag, value] = process.argv.slice(2);
if (!stack || !/^[a-z0-9-]+$/.test(stack) || (flag && !["--version", "--set"].includes(flag)) || (flag === "--set" && !value)) {
  console.error("usage: stack-image.mjs STACK [--version | --set IMAGE_REF]");
  process.exit(64);
}
// STACK_FILE reads another copy (rollback.sh reads old versions from git).
const file = process.env.STACK_FILE ?? `Pulumi.${stack}.yaml`;
const text = readFileSync(file, "utf8");
if (flag === "--set") {
  if (/[\s"'#]/.test(value) || !imageRef.parseImageRef(value)) {
    console.error(`stack-image: ${JSON.stringify(value)} is not an image reference (repository[:tag][@sha256:<64 hex>])`);
    process.exit(64);
  }
  const line = /^ {2}taskflow:image: *\S.*$/gm;
  const found = text.match(line) ?? [];
  if (found.length !== 1) {
    console.error(`${file}: expected one "  taskflow:image: ..." line under config:, found ${found.length}`);
    process.exit(1);
  }
  writeFileSync(file, text.replace(line, `  taskflow:image: ${value}`));
} else {
  const { parseDocument } = await import("yaml");
  const doc = parseDocument(text);
  const ref = String(doc.getIn(["config", "taskflow:image"]) ?? "");
  if (!ref) {
    console.error(`${file} has no taskflow:image`);
    process.exit(1);
  }
  const parsed = imageRef.parseImageRef(ref);
  if (!parsed) {
    console.error(`${file}: taskflow:image ${JSON.stringify(ref)} is not an image reference`);
    process.exit(1);
  }
  console.log(flag === "--version" ? (imageRef.versionOf(parsed) ?? "") : ref);
}
