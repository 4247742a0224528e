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
    ["root", 'Container runs as "root" (the root user). Set user to a non-root uid:gid.'],
    ["0:0", 'Container runs as "0:0" (uid 0 (root)). Set user to a non-root uid:gid.'],
    ["00", 'Container runs as "00" (uid 0 (root)). Set user to a non-root uid:gid.'],
    ["00:00", 'Container runs as "00:00" (uid 0 (root)). Set user to a non-root uid:gid.'],
    ["000", 'Container runs as "000" (uid 0 (root)). Set user to a non-root uid:gid.'],
    ["1000:0", 'Container runs as "1000:0" (gid 0 (the root group)). Set user to a non-root uid:gid.'],
    ["1000:000", 'Container runs as "1000:000" (gid 0 (the root group)). Set user to a non-root uid:gid.'],
    ["99999999999", 'Container runs as "99999999999" (not a user name or uid[:gid]). Set user to a non-root uid:gid.'],
  ])("refuses user %j", async (user, message) => {
    expect(await violations(containerNonRoot, withProps(apiReplica(), { user }))).toEqual([message]);
  });
});
