// What the API part runs, as argument lists: the migration, the key writer, the replica
// watch, the swarm check and the replicas' Docker HEALTHCHECK.
import * as pulumi from "@pulumi/pulumi";

import { HTTP_PROBE_PY } from "../gates";
import { labelArgs } from "../shared";

// Programs run by path, relative to the project root (the working directory of `pulumi up`).

/** Removes a new replica Docker calls unhealthy, so a bad release fails at once and leaves nothing running. */
export const REPLICA_WATCH = "components/api/replica-watch.js";
/** Refuses a swarm without a data node (runtime: swarm). */
export const SWARM_CHECK = "components/api/swarm-check.js";

/** Where each replica finds the API's SECRET_KEY (a file on a read-only volume, never an env value). */
export const SECRET_DIR = "/run/secrets";
/** The replicas' SECRET_KEY_FILE, and the file the key writer writes. */
export const SECRET_KEY_FILE = `${SECRET_DIR}/secret-key`;

export interface MigrationArgvArgs {
  image: string;
  network: string;
  stack: string;
  user: string;
  memoryMb: number;
  command: string[];
}

/**
 * Runs the new image once, on the internal network, before any new replica starts.
 * DATABASE_URL and REDIS_URL pass through from the command's environment (`-e NAME`
 * without a value), so they are never part of the argument list.
 */
export function migrationArgv(a: MigrationArgvArgs): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return [
    "docker", "run", "--rm",
    "--network", a.network,
    ...labelArgs(a.stack, "migration"),
    "--user", a.user,
    "--security-opt", "no-new-privileges:true",
    "--cap-drop", "ALL",
    "--memory", `${a.memoryMb}m`,
    "-e", "DATABASE_URL",
    "-e", "REDIS_URL",
    a.image,
    ...a.command,
  ];
}

/**
 * Writes the API's SECRET_KEY, read from stdin (never argv or environment, which
 * `docker inspect` shows), into the key volume as a 0400 file owned by the API user,
 * atomically. A replica mounts that volume read-only; uploads cannot reach a read-only
 * root filesystem. A leftover `.new` (a write cut short) is removed first: root without
 * CAP_DAC_OVERRIDE cannot open a 0400 file it handed to another uid.
 */
// prettier-ignore
export const SECRET_KEY_WRITE_SCRIPT = [
  "set -eu",
  "umask 077",
  'rm -f "$KEY_FILE.new"',
  'cat > "$KEY_FILE.new"',
  'test -s "$KEY_FILE.new"',
  'chmod 0400 "$KEY_FILE.new"',
  'chown "$API_USER" "$KEY_FILE.new"',
  'mv -f "$KEY_FILE.new" "$KEY_FILE"',
].join("\n");

export interface SecretKeyWriteArgs {
  /** An image with sh, cat, chown and mv (see secretKeyWriterImage). */
  image: string;
  volume: string;
  /** Where the volume is mounted, and the file in it (the replicas' SECRET_KEY_FILE). */
  dir: string;
  file: string;
  stack: string;
  user: string;
}

export function secretKeyWriteArgv(a: SecretKeyWriteArgs): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return [
    "docker", "run", "--rm", "-i", "--network", "none",
    ...labelArgs(a.stack, "secret-writer"),
    // Root without any capability but CHOWN: it writes into the (root-owned) new volume
    // and hands the file to the API user; nothing else.
    "--user", "0:0", "--cap-drop", "ALL", "--cap-add", "CHOWN", "--security-opt", "no-new-privileges:true", "--read-only",
    "-v", `${a.volume}:${a.dir}`, "-e", `KEY_FILE=${a.file}`, "-e", `API_USER=${a.user}`,
    "--entrypoint", "sh", a.image, "-c", SECRET_KEY_WRITE_SCRIPT,
  ];
}

/**
 * The image the key writer runs in. A numeric API user needs no name lookup, so any
 * image with a shell serves, and one that a release does not change (the Postgres
 * image) keeps the writer's command the same across releases: pulumi-command re-runs
 * `create` whenever it changes, so with the API image it rewrote the key on every
 * release. A user *name* resolves only inside the API image, and may map to another
 * uid in the next one: then the writer must run, and does, with each new image.
 */
export function secretKeyWriterImage(apiUser: string, apiImage: pulumi.Input<string>, stableImage: string): pulumi.Input<string> {
  return /^\d+(:\d+)?$/.test(apiUser) ? stableImage : apiImage;
}

/** `node replica-watch.js`: watches the replicas a new image creates. */
export function replicaWatchArgv(a: { stack: string; image: string; count: number; timeoutSeconds: number }): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return ["node", REPLICA_WATCH, "--stack", a.stack, "--image", a.image, "--count", String(a.count), "--timeout", String(a.timeoutSeconds)];
}

/** The API's Docker HEALTHCHECK: the probe shared with the health gate (gates/probes.js). */
export function apiHealthcheckTest(port: number, healthPath: string): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return ["CMD", "python3", "-c", HTTP_PROBE_PY, `http://127.0.0.1:${port}${healthPath}`];
}
