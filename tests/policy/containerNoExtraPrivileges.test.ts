import { describe, expect, it } from "vitest";

import { containerNoExtraPrivileges } from "../../policies/rules/containerNoExtraPrivileges";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("container-no-extra-privileges", () => {
  it("passes a container that drops ALL and adds nothing", async () => {
    expect(await violations(containerNoExtraPrivileges, apiReplica())).toEqual([]);
  });

  it.each([
    [
      { capabilities: { drops: ["ALL"], adds: ["NET_ADMIN"] } },
      "Container adds capabilities NET_ADMIN. Drop ALL and add none; run above port 1024 instead.",
    ],
    [{ groupAdds: ["0"] }, "Container joins group 0: root's files or the Docker socket. Remove it from groupAdds."],
    [{ groupAdds: ["docker"] }, "Container joins group docker: root's files or the Docker socket. Remove it from groupAdds."],
    [{ networkMode: "host" }, "Container shares the host's network namespace (networkMode: host). Remove it."],
    [{ pidMode: "host" }, "Container shares the host's pid namespace (pidMode: host). Remove it."],
    [{ devices: [{ hostPath: "/dev/sda" }] }, "Container gets host devices. Remove devices."],
    [
      { securityOpts: ["no-new-privileges:true", "seccomp=unconfined"] },
      "Container runs seccomp=unconfined. Keep Docker's default profiles.",
    ],
  ])("refuses %j", async (props, message) => {
    expect(await violations(containerNoExtraPrivileges, withProps(apiReplica(), props))).toEqual([message]);
  });

  it("allows a Caddy in its edge's network namespace (container:<edge>) and an unprivileged extra group", async () => {
    expect(
      await violations(containerNoExtraPrivileges, withProps(apiReplica(), { networkMode: "container:abc", groupAdds: ["1000"] })),
    ).toEqual([]);
  });
});
