import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const containerNoHostMounts: ResourceValidationPolicy = {
  name: "container-no-host-mounts",
  description: "Containers mount named volumes only: a host path (above all the Docker socket) hands the container the host.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    const hostPaths = [
      ...(c.volumes ?? []).filter((v) => v.hostPath).map((v) => v.hostPath!),
      ...(c.mounts ?? []).filter((m) => m.type === "bind").map((m) => m.source ?? "?"),
    ];
    for (const p of hostPaths) {
      report(
        p.includes("docker.sock")
          ? `Container mounts the Docker socket (${p}). Never mount it: it is root on the host.`
          : `Container mounts host path ${p}. Use a named volume (docker.Volume) instead.`,
      );
    }
  }),
};
