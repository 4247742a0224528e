import { describe, expect, it } from "vitest";

import { containerLimits } from "../../policies/rules/containerLimits";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("container-limits", () => {
  it("passes a container with memory and cpus", async () => {
    expect(await violations(containerLimits, apiReplica())).toEqual([]);
  });
  it.each([
    [{ memory: undefined }, "Container has no memory limit. Set memory (MB) and cpus."],
    [{ memory: 0 }, "Container has no memory limit. Set memory (MB) and cpus."],
    [{ cpus: undefined }, "Container has no cpus limit. Set memory (MB) and cpus."],
    [{ memory: undefined, cpus: undefined }, "Container has no memory and no cpus limit. Set memory (MB) and cpus."],
  ])("refuses %j", async (props, message) => {
    expect(await violations(containerLimits, withProps(apiReplica(), props))).toEqual([message]);
  });
});
