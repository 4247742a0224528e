import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const containerNotPrivileged: ResourceValidationPolicy = {
  name: "container-not-privileged",
  description: "No container runs privileged: that is root on the host.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    if (c.privileged === true) report("Container is privileged. Remove privileged; add the one capability it needs instead.");
  }),
};
