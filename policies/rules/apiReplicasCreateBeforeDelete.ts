import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

import { roleOf } from "./common";

export const apiReplicasCreateBeforeDelete: ResourceValidationPolicy = {
  name: "api-replicas-create-before-delete",
  description:
    "API replicas are replaced create-before-delete and their create waits for health, so a rollout never stops the old version first.",
  validateResource: validateResourceOfType(docker.Container, (c, args, report) => {
    if (roleOf(c) !== "api") return;
    // The docker provider replaces containers delete-first unless told otherwise.
    if (args.opts.deleteBeforeReplace !== false) {
      report("API replica is not replaced create-before-delete. Set the resource option deleteBeforeReplace: false explicitly.");
    }
    if (c.wait !== true) report("API replica does not wait for health on create. Set wait: true (and waitTimeout).");
    if ((c.ports ?? []).length > 0) report("API replica publishes a host port, so two cannot run side by side. Remove ports.");
  }),
};
