import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const containerNonRoot: ResourceValidationPolicy = {
  name: "container-non-root",
  description: "Every container runs as a non-root user, so a compromised process is not root on the container.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    const user = c.user ?? "";
    if (user === "" || /^(root|0)(:|$)/.test(user)) {
      report(`Container runs as ${user === "" ? "the image's default user (often root)" : `"${user}"`}. Set user to a non-root uid:gid.`);
    }
  }),
};
