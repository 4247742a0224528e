#!/usr/bin/env node
// The parts of an image reference, for shell scripts (config/imageRef.js decides).
//   node scripts/image-ref.mjs tag REF          the tag ("" when there is none)
//   node scripts/image-ref.mjs repository REF   registry and path, without tag or digest
// Exit codes: 0 done, 1 REF is not an image reference, 64 usage.
import imageRef from "../config/imageRef.js";

const [part, ref] = process.argv.slice(2);
if (!["tag", "repository"].includes(part) || !ref) {
  console.error("usage: image-ref.mjs tag|repository IMAGE_REF");
  process.exit(64);
}
const parsed = imageRef.parseImageRef(ref);
if (!parsed) {
  console.error(`image-ref: ${JSON.stringify(ref)} is not an image reference (repository[:tag][@sha256:digest])`);
  process.exit(1);
}
console.log(part === "tag" ? (parsed.tag ?? "") : parsed.repository);
