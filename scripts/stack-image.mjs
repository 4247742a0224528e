#!/usr/bin/env node
// Reads or writes taskflow:image in Pulumi.<stack>.yaml without the Pulumi CLI,
// keeping the file's comments and layout.
//   node scripts/stack-image.mjs STACK             prints the image reference
//   node scripts/stack-image.mjs STACK --version   prints its tag (what /api/v1/status reports)
//   node scripts/stack-image.mjs STACK --set REF   writes REF
import { readFileSync, writeFileSync } from "node:fs";

import { parseDocument } from "yaml";

import imageRef from "../config/imageRef.js";

const [stack, flag, value] = process.argv.slice(2);
if (!stack || !/^[a-z0-9-]+$/.test(stack) || (flag && !["--version", "--set"].includes(flag)) || (flag === "--set" && !value)) {
  console.error("usage: stack-image.mjs STACK [--version | --set IMAGE_REF]");
  process.exit(64);
}
// STACK_FILE reads another copy (rollback.sh reads old versions from git).
const file = process.env.STACK_FILE ?? `Pulumi.${stack}.yaml`;
const doc = parseDocument(readFileSync(file, "utf8"));
if (flag === "--set") {
  doc.setIn(["config", "taskflow:image"], value);
  writeFileSync(file, doc.toString());
} else {
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
