import * as docker from "@pulumi/docker";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

import { roleOf } from "./common";

export const dataVolumesProtected: ResourceValidationPolicy = {
  name: "data-volumes-protected",
  description:
    "Data volumes (Postgres, Redis, Postgres backups) are protected: `pulumi destroy` or a rename must not delete the data or its dumps.",
  validateResource: validateResourceOfType(docker.Volume, (v, args, report) => {
    if (!["postgres-data", "postgres-backups", "redis-data"].includes(roleOf(v) ?? "")) return;
    if (!args.opts.protect) report("Data volume is not protected. Set the resource option protect: true (config taskflow:protectData).");
  }),
};
