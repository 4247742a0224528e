import { describe, expect, it } from "vitest";

import { containerNoNewPrivileges } from "../../policies/rules/containerNoNewPrivileges";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("container-no-new-privileges", () => {
  it("passes a container with no-new-privileges", async () => {
    expect(await violations(containerNoNewPrivileges, apiReplica())).toEqual([]);
  });
  it.each([[undefined], [[]], [["seccomp=unconfined"]]])("refuses securityOpts %j", async (securityOpts) => {
    expect(await violations(containerNoNewPrivileges, withProps(apiReplica(), { securityOpts }))).toEqual([
      'Container does not set no-new-privileges. Add "no-new-privileges:true" to securityOpts.',
    ]);
  });
});
