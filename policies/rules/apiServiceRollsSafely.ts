import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

import { roleOf } from "./common";

// The swarm runtime's counterpart of api-replicas-create-before-delete: swarm replaces
// tasks itself, so what keeps the old version serving is the service's own spec.
export const apiServiceRollsSafely: ResourceValidationPolicy = {
  name: "api-service-rolls-safely",
  description:
    "A swarm API service updates start-first, rolls back a failed update, health-checks its tasks, bounds them, runs as non-root and publishes no port.",
  validateResource: validateResourceOfType(docker.Service, (s, _args, report) => {
    if (roleOf(s) !== "api") return;
    const u = s.updateConfig;
    if (u?.order !== "start-first")
      report(
        "API service does not update start-first, so swarm stops an old task before its replacement is healthy. Set updateConfig.order: start-first.",
      );
    if (u?.failureAction !== "rollback")
      report("API service does not roll back a failed update. Set updateConfig.failureAction: rollback (and a monitor period).");
    const c = s.taskSpec?.containerSpec;
    if (!c?.healthcheck?.tests?.length)
      report("API service has no health check, so start-first cannot wait for a healthy task. Set taskSpec.containerSpec.healthcheck.");
    const limits = s.taskSpec?.resources?.limits;
    if (!limits?.memoryBytes || !limits?.nanoCpus)
      report("API service tasks have no memory or CPU limit. Set taskSpec.resources.limits.{memoryBytes,nanoCpus}.");
    if (!c?.user || /^(root|0)(:|$)/.test(c.user))
      report("API service tasks run as root. Set taskSpec.containerSpec.user to a non-root uid.");
    if ((s.endpointSpec?.ports ?? []).length > 0)
      report("API service publishes a port on every node. Remove endpointSpec.ports: only the gateway publishes.");
  }),
};
