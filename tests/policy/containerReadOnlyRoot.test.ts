import { describe, expect, it } from "vitest";

import { containerReadOnlyRoot } from "../../policies/rules/containerReadOnlyRoot";
import { apiReplica, apiService, withProps } from "./fixtures";
import { violations } from "./harness";

const CONTAINER_MESSAGE =
  "Container has a writable root filesystem. Set readOnly: true, with a tmpfs or volume for each directory it writes.";
const SERVICE_MESSAGE =
  "Service task has a writable root filesystem. Set readOnly: true, with a tmpfs or volume for each directory it writes.";

describe("container-read-only-root", () => {
  it("passes a container and a service task with a read-only root filesystem", async () => {
    expect(await violations(containerReadOnlyRoot, apiReplica())).toEqual([]);
    expect(await violations(containerReadOnlyRoot, apiService())).toEqual([]);
  });
  it.each([[undefined], [false], ["true"]])("refuses a container with readOnly %j", async (readOnly) => {
    expect(await violations(containerReadOnlyRoot, withProps(apiReplica(), { readOnly }))).toEqual([CONTAINER_MESSAGE]);
  });
  it.each([[undefined], [false]])("refuses a service task with readOnly %j", async (readOnly) => {
    const service = apiService();
    const taskSpec = service.props.taskSpec as { containerSpec: Record<string, unknown> };
    const props = { taskSpec: { ...taskSpec, containerSpec: { ...taskSpec.containerSpec, readOnly } } };
    expect(await violations(containerReadOnlyRoot, withProps(service, props))).toEqual([SERVICE_MESSAGE]);
  });
});
