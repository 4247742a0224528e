import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const containerNoNewPrivileges: ResourceValidationPolicy = {
  name: "container-no-new-privileges",
  description: "Every container sets no-new-privileges: setuid binaries cannot raise a process's privileges.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    if (!(c.securityOpts ?? []).some((o) => o === "no-new-privileges" || o === "no-new-privileges:true")) {
      report('Container does not set no-new-privileges. Add "no-new-privileges:true" to securityOpts.');
    }
  }),
};
