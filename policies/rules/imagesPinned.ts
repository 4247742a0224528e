import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

import { isPinned, parseImageRef } from "../../config/imageRef";

// A container may reference its image by the content id the RemoteImage resolved.
const IMAGE_ID = /^sha256:[a-f0-9]{64}$/;

export interface ImagesPinnedConfig {
  requireDigest?: boolean;
}

/** Problem with an image reference, or undefined when it is acceptable. */
export function imageProblem(ref: string, requireDigest: boolean): string | undefined {
  if (IMAGE_ID.test(ref)) return undefined;
  const parsed = parseImageRef(ref);
  if (!parsed) return "is not a valid image reference";
  if (parsed.tag === "latest" && !parsed.digest) return "uses the tag `latest`";
  if (!isPinned(parsed)) return "has no immutable tag (commit SHA or x.y[.z]) and no digest";
  if (requireDigest && !parsed.digest) return "has no @sha256 digest";
  return undefined;
}

const check = (ref: string | undefined, what: string, requireDigest: boolean, report: (m: string) => void) => {
  const problem = ref === undefined ? undefined : imageProblem(ref, requireDigest);
  if (problem) {
    report(
      `${what} image "${ref}" ${problem}. Pin it: repository:<commit-sha or x.y.z>${requireDigest ? "@sha256:<digest>" : " or @sha256:<digest>"}, so what was tested is what runs.`,
    );
  }
};

export const imagesPinned: ResourceValidationPolicy = {
  name: "images-pinned",
  description:
    "Images are pinned to an immutable tag or digest (a digest where required): a movable tag can deploy untested code on a restart.",
  configSchema: { properties: { requireDigest: { type: "boolean", default: false } } },
  validateResource: [
    validateResourceOfType(docker.Container, (c, args, report) => {
      check(c.image, "Container", args.getConfig<ImagesPinnedConfig>().requireDigest ?? false, report);
    }),
    validateResourceOfType(docker.RemoteImage, (img, args, report) => {
      check(img.name, "RemoteImage", args.getConfig<ImagesPinnedConfig>().requireDigest ?? false, report);
    }),
  ],
};
