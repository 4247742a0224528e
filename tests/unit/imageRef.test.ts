import { describe, expect, it } from "vitest";

import { isImmutableTag, isPinned, parseImageRef } from "../../config/imageRef";

const DIGEST = "sha256:" + "0123456789abcdef".repeat(4);

describe("parseImageRef", () => {
  it.each([
    ["taskflow-api:v1", { repository: "taskflow-api", tag: "v1", digest: undefined }],
    ["ghcr.io/acme/api:3f2a9c1", { repository: "ghcr.io/acme/api", tag: "3f2a9c1", digest: undefined }],
    ["registry:5000/api:1.2.3", { repository: "registry:5000/api", tag: "1.2.3", digest: undefined }],
    ["registry:5000/api", { repository: "registry:5000/api", tag: undefined, digest: undefined }],
    [`ghcr.io/acme/api:1.2.3@${DIGEST}`, { repository: "ghcr.io/acme/api", tag: "1.2.3", digest: DIGEST }],
    [`api@${DIGEST}`, { repository: "api", tag: undefined, digest: DIGEST }],
  ])("splits %s", (ref, expected) => {
    expect(parseImageRef(ref)).toEqual(expected);
  });

  it.each(["", "API:v1", "api:", "api:-x", "api@sha256:short", "api@md5:" + "a".repeat(64), "a b:1", "api:tag:extra"])(
    "rejects %j",
    (ref) => {
      expect(parseImageRef(ref)).toBeUndefined();
    },
  );
});

describe("isImmutableTag", () => {
  it.each([
    "3f2a9c1",
    "3f2a9c1d8e7b6a5f4e3d2c1b0a9f8e7d6c5b4a39",
    "sha-3f2a9c1",
    "1.2.3",
    "v1.2.3",
    "15.8",
    "2.6.2-alpine",
    "7.2.5-bookworm",
  ])("accepts %s", (tag) => expect(isImmutableTag(tag)).toBe(true));
  it.each(["latest", "main", "stable", "v1", "15", "edge", "3f2a9c", "nightly-2024"])("refuses %s", (tag) =>
    expect(isImmutableTag(tag)).toBe(false),
  );
});

describe("isPinned", () => {
  it("accepts a digest whatever the tag", () => expect(isPinned(parseImageRef(`api:latest@${DIGEST}`)!)).toBe(true));
  it("refuses an untagged reference", () => expect(isPinned(parseImageRef("api")!)).toBe(false));
});
