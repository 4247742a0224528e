// Settings every TaskFlow container shares: labels that find (and clean up) a stack's
// objects, bounded logs, and the least privilege a long-running service needs.
import * as docker from "@pulumi/docker";

import { TaskflowConfig } from "../../config";
import { dockerCpus } from "../../config/dockerCpus";
import { LABELS } from "./labels";

export function labels(stack: string, role: string): docker.types.input.ContainerLabel[] {
  return [
    { label: LABELS.stack, value: stack },
    { label: LABELS.role, value: role },
    { label: LABELS.managedBy, value: "pulumi" },
  ];
}

export function logOptions(logging: TaskflowConfig["logging"]) {
  return {
    logDriver: "json-file",
    logOpts: { "max-size": logging.maxSize, "max-file": String(logging.maxFiles) },
  };
}

/** Limits as the docker provider wants them: memory in MB, cpus as the provider reads it back. */
export function limits(l: { memoryMb: number; cpus: number }) {
  return { memory: l.memoryMb, memorySwap: l.memoryMb, cpus: dockerCpus(l.cpus) };
}

/** Drop every capability, forbid privilege escalation (setuid binaries), restart on crash. */
export function hardening(addCapabilities: string[] = []) {
  return {
    capabilities: { drops: ["ALL"], ...(addCapabilities.length ? { adds: addCapabilities } : {}) },
    securityOpts: ["no-new-privileges:true"],
    privileged: false,
    restart: "unless-stopped",
  };
}

/**
 * A read-only root filesystem, with a small tmpfs for each directory the process writes
 * at run time (sockets, pid and lock files, temp files), owned by the container's user:
 * Docker mounts a tmpfs root-owned otherwise (measured: Postgres could not create its
 * lock file in /run/postgresql). Such a container takes no provider upload (Docker
 * refuses the provider's extraction at "/" on a read-only root, and a tmpfs is mounted
 * only once the container runs): its secret files come from secretFilesWriter.ts.
 * `tmpfs` holds the directory and its size in MB.
 */
export function readOnlyRoot(user: string, tmpfs: Record<string, number>) {
  const [uid, gid = uid] = user.split(":");
  return {
    readOnly: true,
    tmpfs: Object.fromEntries(Object.entries(tmpfs).map(([dir, mb]) => [dir, `rw,noexec,nosuid,size=${mb}m,uid=${uid},gid=${gid}`])),
  };
}

/** Docker wants durations as Go strings ("5s"). */
export const seconds = (n: number) => `${n}s`;

/** The uid of a `uid[:gid]` user spec, for file ownership of uploads. */
export function uidOf(user: string): string {
  return user.split(":")[0];
}
