import { describe, expect, it } from "vitest";

import { imagesPinned } from "../../policies/rules/imagesPinned";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

const DIGEST = "sha256:" + "b".repeat(64);
const remoteImage = (name: string) => ({ type: "docker:index/remoteImage:RemoteImage", props: { name, keepLocally: true } });

describe("images-pinned", () => {
  it.each([
    ["a content id", "sha256:" + "a".repeat(64)],
    ["a commit-SHA tag", "ghcr.io/acme/api:3f2a9c1"],
    ["a version tag", "postgres:15.8"],
    ["a digest", `ghcr.io/acme/api@${DIGEST}`],
  ])("passes a container image by %s", async (_what, image) => {
    expect(await violations(imagesPinned, withProps(apiReplica(), { image }))).toEqual([]);
  });

  it.each([
    [
      "ghcr.io/acme/api:latest",
      'Container image "ghcr.io/acme/api:latest" uses the tag `latest`. Pin it: repository:<commit-sha or x.y.z> or @sha256:<digest>, so what was tested is what runs.',
    ],
    [
      "ghcr.io/acme/api",
      'Container image "ghcr.io/acme/api" has no immutable tag (commit SHA or x.y[.z]) and no digest. Pin it: repository:<commit-sha or x.y.z> or @sha256:<digest>, so what was tested is what runs.',
    ],
    [
      "redis:7",
      'Container image "redis:7" has no immutable tag (commit SHA or x.y[.z]) and no digest. Pin it: repository:<commit-sha or x.y.z> or @sha256:<digest>, so what was tested is what runs.',
    ],
    [
      "Not An Image",
      'Container image "Not An Image" is not a valid image reference. Pin it: repository:<commit-sha or x.y.z> or @sha256:<digest>, so what was tested is what runs.',
    ],
  ])("refuses container image %s", async (image, message) => {
    expect(await violations(imagesPinned, withProps(apiReplica(), { image }))).toEqual([message]);
  });

  it("checks RemoteImage references too", async () => {
    expect(await violations(imagesPinned, remoteImage("ghcr.io/acme/api:main"))).toEqual([
      'RemoteImage image "ghcr.io/acme/api:main" has no immutable tag (commit SHA or x.y[.z]) and no digest. Pin it: repository:<commit-sha or x.y.z> or @sha256:<digest>, so what was tested is what runs.',
    ]);
  });

  it("requires a digest when configured (production)", async () => {
    expect(await violations(imagesPinned, remoteImage("ghcr.io/acme/api:3f2a9c1"), { requireDigest: true })).toEqual([
      'RemoteImage image "ghcr.io/acme/api:3f2a9c1" has no @sha256 digest. Pin it: repository:<commit-sha or x.y.z>@sha256:<digest>, so what was tested is what runs.',
    ]);
    expect(await violations(imagesPinned, remoteImage(`ghcr.io/acme/api:3f2a9c1@${DIGEST}`), { requireDigest: true })).toEqual([]);
  });
});
