import { describe, expect, it } from "vitest";

import { apiServiceRollsSafely } from "../../policies/rules/apiServiceRollsSafely";
import { apiService, withProps } from "./fixtures";
import { violations } from "./harness";

describe("api-service-rolls-safely", () => {
  const spec = apiService().props as any;
  it("passes a start-first, self-rolling-back, health-checked, bounded, non-root service", async () => {
    expect(await violations(apiServiceRollsSafely, apiService())).toEqual([]);
  });
  it.each([
    [
      { updateConfig: { ...spec.updateConfig, order: "stop-first" } },
      "API service does not update start-first, so swarm stops an old task before its replacement is healthy. Set updateConfig.order: start-first.",
    ],
    [
      { updateConfig: { ...spec.updateConfig, failureAction: "pause" } },
      "API service does not roll back a failed update. Set updateConfig.failureAction: rollback (and a monitor period).",
    ],
    [
      { taskSpec: { ...spec.taskSpec, containerSpec: { ...spec.taskSpec.containerSpec, healthcheck: undefined } } },
      "API service has no health check, so start-first cannot wait for a healthy task. Set taskSpec.containerSpec.healthcheck.",
    ],
    [
      { taskSpec: { ...spec.taskSpec, resources: {} } },
      "API service tasks have no memory or CPU limit. Set taskSpec.resources.limits.{memoryBytes,nanoCpus}.",
    ],
    [
      { taskSpec: { ...spec.taskSpec, containerSpec: { ...spec.taskSpec.containerSpec, user: "0:0" } } },
      "API service tasks run as root. Set taskSpec.containerSpec.user to a non-root uid.",
    ],
    [
      { endpointSpec: { ports: [{ targetPort: 8000, publishedPort: 8000 }] } },
      "API service publishes a port on every node. Remove endpointSpec.ports: only the gateway publishes.",
    ],
  ])("refuses %j", async (props, message) => {
    expect(await violations(apiServiceRollsSafely, withProps(apiService(), props))).toEqual([message]);
  });
});
