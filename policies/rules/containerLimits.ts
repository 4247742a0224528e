import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const containerLimits: ResourceValidationPolicy = {
  name: "container-limits",
  description: "Every container has a memory and a CPU limit: one runaway container must not starve the others on the host.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    const missing = [!(Number(c.memory) > 0) && "memory", !(Number(c.cpus) > 0) && "cpus"].filter(Boolean);
    if (missing.length) report(`Container has no ${missing.join(" and no ")} limit. Set memory (MB) and cpus.`);
  }),
};
