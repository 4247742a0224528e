import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/** Groups that give a process root's files (group 0) or the Docker socket. */
const PRIVILEGED_GROUPS = ["0", "root", "docker"];
const HOST_NAMESPACES = ["networkMode", "pidMode", "ipcMode", "usernsMode"] as const;

/**
 * Nothing privileged comes in through the side doors `privileged: false` leaves open:
 * no added capability (every TaskFlow container drops ALL and needs none back), no root
 * or docker group, no host namespace, no device, no unconfined seccomp or AppArmor.
 */
export const containerNoExtraPrivileges: ResourceValidationPolicy = {
  name: "container-no-extra-privileges",
  description: "No container adds capabilities, joins a privileged group, shares a host namespace, gets a device or runs unconfined.",
  validateResource: validateResourceOfType(docker.Container, (c, _args, report) => {
    const adds = c.capabilities?.adds ?? [];
    if (adds.length > 0) report(`Container adds capabilities ${adds.join(", ")}. Drop ALL and add none; run above port 1024 instead.`);
    const groups = (c.groupAdds ?? []).filter((g) => PRIVILEGED_GROUPS.includes(String(g)));
    if (groups.length > 0)
      report(`Container joins group ${groups.join(", ")}: root's files or the Docker socket. Remove it from groupAdds.`);
    for (const key of HOST_NAMESPACES) {
      if (c[key] === "host") report(`Container shares the host's ${key.replace(/Mode$/, "")} namespace (${key}: host). Remove it.`);
    }
    if ((c.devices ?? []).length > 0) report("Container gets host devices. Remove devices.");
    const unconfined = (c.securityOpts ?? []).filter((o) => /^(seccomp|apparmor)[=:]unconfined$/.test(o));
    if (unconfined.length > 0) report(`Container runs ${unconfined.join(", ")}. Keep Docker's default profiles.`);
  }),
};
