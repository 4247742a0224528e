import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

const RESTARTING = ["unless-stopped", "always", "on-failure"];

export const containerRestartPolicy: ResourceValidationPolicy = {
  name: "container-restart-policy",
  description: "Every container restarts on its own after a crash or a host reboot.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    if (!RESTARTING.includes(c.restart ?? "no")) {
      report(`Container restart policy is "${c.restart ?? "no"}". Set restart to "unless-stopped".`);
    }
  }),
};
