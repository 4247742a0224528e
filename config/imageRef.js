// Parsing and judging Docker image references: the one implementation. The config
// schema, the policy pack and the plain Node scripts (scripts/image-ref.mjs,
// scripts/stack-image.mjs, which run without TypeScript) all call it, so "what counts
// as pinned" and "which part is the tag" are decided once. Dependency-free CommonJS,
// typed by imageRef.d.ts.
"use strict";

const DIGEST = /^sha256:[a-f0-9]{64}$/;
// Docker's grammar: a tag is up to 128 word characters, dots and dashes, not starting with . or -.
const TAG = /^[\w][\w.-]{0,127}$/;
const REPOSITORY = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;

/** Splits `repo[:tag][@digest]`; returns undefined when it is not a valid reference. */
function parseImageRef(ref) {
  const at = ref.indexOf("@");
  const namePart = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  if (digest !== undefined && !DIGEST.test(digest)) return undefined;
  // The tag separator is the last colon after the last slash (a registry may have a :port).
  const lastSlash = namePart.lastIndexOf("/");
  const colon = namePart.indexOf(":", lastSlash + 1);
  const repository = colon === -1 ? namePart : namePart.slice(0, colon);
  const tag = colon === -1 ? undefined : namePart.slice(colon + 1);
  if (!REPOSITORY.test(repository)) return undefined;
  if (tag !== undefined && !TAG.test(tag)) return undefined;
  return { repository, tag, digest };
}

// Immutable-looking: a git commit SHA (7 to 40 hex) or a version with at least
// major.minor and an optional suffix (15.8, 2.6.2-alpine). Everything else (latest,
// main, stable, v1, 15) is the kind of tag that gets re-pointed at new content.
// Registries can still re-push a version tag: production requires digests.
const COMMIT_SHA = /^(?:sha-)?[a-f0-9]{7,40}$/;
const FULL_VERSION = /^v?\d+\.\d+(?:\.\d+)?(?:[-+][\w.-]+)?$/;

/** True when the tag names one build: a commit SHA or a major.minor[.patch] version. */
function isImmutableTag(tag) {
  return COMMIT_SHA.test(tag) || FULL_VERSION.test(tag);
}

/** True when the reference cannot silently change: it has a digest or an immutable tag. */
function isPinned(ref) {
  return ref.digest !== undefined || (ref.tag !== undefined && isImmutableTag(ref.tag));
}

/**
 * The version the API should report on its status endpoint for this image: the tag
 * (the pipeline tags images with the commit SHA). A digest-only reference has none.
 */
function versionOf(ref) {
  return ref.tag;
}

exports.parseImageRef = parseImageRef;
exports.isImmutableTag = isImmutableTag;
exports.isPinned = isPinned;
exports.versionOf = versionOf;
