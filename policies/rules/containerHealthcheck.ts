import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const containerHealthcheck: ResourceValidationPolicy = {
  name: "container-healthcheck",
  description: "Every container has a health check: rollouts wait on it and the gateway routes by it.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    const tests = c.healthcheck?.tests ?? [];
    if (tests.length === 0 || tests[0] === "NONE") {
      report("Container has no health check. Set healthcheck.tests (e.g. [CMD, ...] probing the service's health endpoint).");
    }
  }),
};
