import { describe, expect, it } from "vitest";
import { containerNonRoot } from "../../policies/rules/containerNonRoot";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("container-non-root", () => {
  it.each(["10001:10001", "999", "caddy"])("passes user %s", async (user) => {
    expect(await violations(containerNonRoot, withProps(apiReplica(), { user }))).toEqual([]);
  });
  it.each([
    [undefined, "Container runs as the image's default user (often root). Set user to a non-root uid:gid."],
    ["root", 'Container runs as "root". Set user to a non-root uid:gid.'],
    ["0:0", 'Container runs as "0:0". Set user to a non-root uid:gid.'],
  ])("refuses user %j", async (user, message) => {
    expect(await violations(containerNonRoot, withProps(apiReplica(), { user }))).toEqual([message]);
  });
});
