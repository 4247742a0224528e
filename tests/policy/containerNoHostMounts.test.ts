import { describe, expect, it } from "vitest";

import { containerNoHostMounts } from "../../policies/rules/containerNoHostMounts";
import { apiReplica, withProps } from "./fixtures";
import { violations } from "./harness";

describe("container-no-host-mounts", () => {
  it("passes named volumes", async () => {
    expect(
      await violations(containerNoHostMounts, withProps(apiReplica(), { volumes: [{ volumeName: "data", containerPath: "/data" }] })),
    ).toEqual([]);
  });
  it.each([
    [
      { volumes: [{ hostPath: "/srv/data", containerPath: "/data" }] },
      "Container mounts host path /srv/data. Use a named volume (docker.Volume) instead.",
    ],
    [
      { mounts: [{ type: "bind", source: "/etc", target: "/host-etc" }] },
      "Container mounts host path /etc. Use a named volume (docker.Volume) instead.",
    ],
    [
      { volumes: [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }] },
      "Container mounts the Docker socket (/var/run/docker.sock). Never mount it: it is root on the host.",
    ],
  ])("refuses %j", async (props, message) => {
    expect(await violations(containerNoHostMounts, withProps(apiReplica(), props))).toEqual([message]);
  });
});
