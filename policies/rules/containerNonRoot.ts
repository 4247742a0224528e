import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

import { rootUserProblem } from "../../config/userSpec";

export const containerNonRoot: ResourceValidationPolicy = {
  name: "container-non-root",
  description:
    "Every container runs as a non-root user and group (compared as numbers), so a compromised process is not root on the container.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    const user = c.user ?? "";
    if (user === "") {
      report("Container runs as the image's default user (often root). Set user to a non-root uid:gid.");
    } else if (rootUserProblem(user) !== undefined) {
      report(`Container runs as "${user}" (${rootUserProblem(user)}). Set user to a non-root uid:gid.`);
    }
  }),
};
