import { describe, expect, it } from "vitest";

import { containerNotPrivileged } from "../../policies/rules/containerNotPrivileged";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("container-not-privileged", () => {
  it("passes an unprivileged container", async () => {
    expect(await violations(containerNotPrivileged, apiReplica())).toEqual([]);
  });
  it("refuses privileged: true", async () => {
    expect(await violations(containerNotPrivileged, withProps(apiReplica(), { privileged: true }))).toEqual([
      "Container is privileged. Remove privileged; add the one capability it needs instead.",
    ]);
  });
});
