import { describe, expect, it } from "vitest";

import { containerRestartPolicy } from "../../policies/rules/containerRestartPolicy";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("container-restart-policy", () => {
  it.each(["unless-stopped", "always", "on-failure"])("passes restart %s", async (restart) => {
    expect(await violations(containerRestartPolicy, withProps(apiReplica(), { restart }))).toEqual([]);
  });
  it.each([
    [undefined, 'Container restart policy is "no". Set restart to "unless-stopped".'],
    ["no", 'Container restart policy is "no". Set restart to "unless-stopped".'],
  ])("refuses restart %j", async (restart, message) => {
    expect(await violations(containerRestartPolicy, withProps(apiReplica(), { restart }))).toEqual([message]);
  });
});
