// What the API part runs, as argument lists: the migration, the key writer, the replica
// watch, the swarm check and the replicas' Docker HEALTHCHECK.
import * as pulumi from "@pulumi/pulumi";

import { HTTP_PROBE_PY } from "../gates";
import { labelArgs, SECRETS_DIR, shortDigest } from "../shared";

// Programs run by path, relative to the project root (the working directory of `pulumi up`).

/** Removes a new replica Docker calls unhealthy, so a bad release fails at once and leaves nothing running. */
export const REPLICA_WATCH = "components/api/replica-watch.js";
/** Refuses a swarm without a data node (runtime: swarm). */
export const SWARM_CHECK = "components/api/swarm-check.js";

/**
 * Where each replica finds the API's SECRET_KEY (a file on a read-only volume, never an
 * env value): the same folder the data stores' secrets writer fills (shared/secretFilesWriter.ts).
 */
export const SECRET_DIR = SECRETS_DIR;
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
    // Like the replicas (api.readOnlyRootFilesystem): the image's files stay as built.
    "--read-only", "--tmpfs", "/tmp:rw,noexec,nosuid,size=64m",
    "--memory", `${a.memoryMb}m`,
    "-e", "DATABASE_URL",
    "-e", "REDIS_URL",
    a.image,
    ...a.command,
  ];
}

/** The files the replicas and tasks read their secrets from (the app's *_FILE settings). */
export const SECRET_FILES = {
  DATABASE_URL: `${SECRET_DIR}/database-url`,
  REDIS_URL: `${SECRET_DIR}/redis-url`,
  SECRET_KEY: SECRET_KEY_FILE,
} as const;

/** A secret file's name in SECRET_DIR: what the writer's stdin names and its script accepts. */
const secretFileName = (k: keyof typeof SECRET_FILES) => SECRET_FILES[k].slice(SECRET_DIR.length + 1);
const SECRET_FILE_NAMES = (Object.keys(SECRET_FILES) as (keyof typeof SECRET_FILES)[]).map(secretFileName);

/**
 * A digest of the secret files' contents, for a replica label: 16 hex of a SHA-256,
 * which says whether the secrets changed and nothing about them (each is a long random
 * value).
 */
export function secretsDigest(stdin: string): string {
  return shortDigest(stdin);
}

/**
 * What the secrets writer reads on stdin: one `name value` line per file in SECRET_FILES.
 * Values are URLs and generated keys: one line, no spaces.
 */
export function secretFilesStdin(values: Record<keyof typeof SECRET_FILES, string>): string {
  return (Object.keys(SECRET_FILES) as (keyof typeof SECRET_FILES)[])
    .map((k) => {
      if (!/^\S+$/.test(values[k])) throw new Error(`secretFilesStdin: ${k} must be one word`);
      return `${secretFileName(k)} ${values[k]}\n`;
    })
    .join("");
}

/**
 * Writes the API's secrets (SECRET_KEY, the database and Redis URLs), read from stdin
 * (never argv or environment, which `docker inspect` shows), into the secrets volume as
 * 0400 files owned by the API user, each atomically. A replica mounts that volume
 * read-only and reads them through SECRET_KEY_FILE, DATABASE_URL_FILE and REDIS_URL_FILE;
 * uploads cannot reach a read-only root filesystem. A leftover `.new` (a write cut short)
 * is removed first: root without CAP_DAC_OVERRIDE cannot open a 0400 file it handed to
 * another uid. Only the names in SECRET_FILES are written.
 */
// prettier-ignore
export const SECRET_FILES_WRITE_SCRIPT = [
  "set -eu",
  "umask 077",
  "while IFS=' ' read -r name value; do",
  `  case "$name" in ${SECRET_FILE_NAMES.join(" | ")}) ;; *) echo "secret-writer: refusing to write $name" >&2; exit 65 ;; esac`,
  '  f="$SECRET_DIR/$name"',
  '  rm -f "$f.new"',
  "  printf '%s' \"$value\" > \"$f.new\"",
  '  test -s "$f.new"',
  '  chmod 0400 "$f.new"',
  '  chown "$API_USER" "$f.new"',
  '  mv -f "$f.new" "$f"',
  "done",
].join("\n");

export interface SecretFilesWriteArgs {
  /** An image with sh, chown and mv (see secretKeyWriterImage). */
  image: string;
  volume: string;
  stack: string;
  user: string;
}

export function secretFilesWriteArgv(a: SecretFilesWriteArgs): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return [
    "docker", "run", "--rm", "-i", "--network", "none",
    ...labelArgs(a.stack, "secret-writer"),
    // Root without any capability but CHOWN: it writes into the (root-owned) new volume
    // and hands the files to the API user; nothing else.
    "--user", "0:0", "--cap-drop", "ALL", "--cap-add", "CHOWN", "--security-opt", "no-new-privileges:true", "--read-only",
    "-v", `${a.volume}:${SECRET_DIR}`, "-e", `SECRET_DIR=${SECRET_DIR}`, "-e", `API_USER=${a.user}`,
    "--entrypoint", "sh", a.image, "-c", SECRET_FILES_WRITE_SCRIPT,
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
