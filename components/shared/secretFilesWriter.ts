// Secret files for a container with a read-only root filesystem. The docker provider's
// `uploads` cannot serve one: it extracts every upload with the destination "/"
// (terraform-provider-docker internal/provider/resource_docker_container_funcs.go:574,
// `dstPath := "/"`), and Docker refuses an extraction whose destination is on a read-only
// root ("container rootfs is marked read-only"), even when the file itself would land on
// a volume (measured on Docker 20.10 with the rehearsal, which uploads the same way).
// So a one-shot container writes the files onto a volume of their own first, from stdin
// (never argv or environment, which `docker inspect` shows), and the server mounts that
// volume read-only.
import { createHash } from "node:crypto";

import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import { hostCommand } from "./hostCommand";
import { labelArgs } from "./labels";

/** Where the files are, in the writer and in the server (mounted read-only there). */
export const SECRETS_DIR = "/run/secrets";

/** A file name the writer accepts: no path, no shell or pattern character. */
const FILE_NAME = /^[a-z][a-z0-9.-]{0,63}$/;

/**
 * What the writer reads on stdin: one `name base64(content)` line per file, so contents
 * may hold newlines and spaces (redis.conf).
 */
export function secretFilesWriterStdin(files: Record<string, string>): string {
  return Object.entries(files)
    .map(([name, content]) => {
      if (!FILE_NAME.test(name)) throw new Error(`secretFilesWriterStdin: file name ${JSON.stringify(name)} is not a plain name`);
      return `${name} ${Buffer.from(content, "utf8").toString("base64")}\n`;
    })
    .join("");
}

/**
 * Writes each file read on stdin as a 0400 file owned by OWNER, atomically (a `.new`
 * beside it, then `mv`). Only `names` are accepted. A leftover `.new` (a write cut short)
 * is removed first: root without CAP_DAC_OVERRIDE cannot open a 0400 file it handed to
 * another uid. An empty file is refused.
 */
export function secretFilesWriterScript(names: string[]): string {
  for (const n of names)
    if (!FILE_NAME.test(n)) throw new Error(`secretFilesWriterScript: file name ${JSON.stringify(n)} is not a plain name`);
  // prettier-ignore
  return [
    "set -eu",
    "umask 077",
    "while IFS=' ' read -r name value; do",
    `  case "$name" in ${names.join(" | ")}) ;; *) echo "secret-writer: refusing to write $name" >&2; exit 65 ;; esac`,
    '  f="$SECRETS_DIR/$name"',
    '  rm -f "$f.new"',
    "  printf '%s' \"$value\" | base64 -d > \"$f.new\"",
    '  test -s "$f.new"',
    '  chmod 0400 "$f.new"',
    '  chown "$OWNER" "$f.new"',
    '  mv -f "$f.new" "$f"',
    "done",
  ].join("\n");
}

export interface SecretFilesWriterArgvArgs {
  /** An image with sh, base64, chown and mv: the server's own image serves. */
  image: string;
  volume: string;
  stack: string;
  /** The role label of the one-shot container (e.g. postgres-secret-writer). */
  role: string;
  /** uid[:gid] that owns the files: the server's user. */
  owner: string;
  names: string[];
}

export function secretFilesWriterArgv(a: SecretFilesWriterArgvArgs): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return [
    "docker", "run", "--rm", "-i", "--network", "none",
    ...labelArgs(a.stack, a.role),
    // Root without any capability but CHOWN: it writes into the (root-owned) volume and
    // hands the files to the server's user; nothing else.
    "--user", "0:0", "--cap-drop", "ALL", "--cap-add", "CHOWN", "--security-opt", "no-new-privileges:true", "--read-only",
    "-v", `${a.volume}:${SECRETS_DIR}`, "-e", `SECRETS_DIR=${SECRETS_DIR}`, "-e", `OWNER=${a.owner}`,
    "--entrypoint", "sh", a.image, "-c", secretFilesWriterScript(a.names),
  ];
}

/**
 * 16 hex of a SHA-256: for a container label (`taskflow.rotation`) that says whether
 * secret contents changed and nothing about them (each is a long random value).
 */
export function shortDigest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

/** The files' digest: a label that replaces the server when a file changes (it reads them only when it starts). */
export function secretFilesDigest(files: Record<string, string>): string {
  return shortDigest(secretFilesWriterStdin(files));
}

export interface SecretFilesWriterArgs {
  stack: string;
  role: string;
  image: pulumi.Input<string>;
  volume: pulumi.Input<string>;
  owner: string;
  dockerHost: string;
  /** File name -> content (secret). The names are plain and known up front: they are in the argv. */
  files: Record<string, pulumi.Input<string>>;
}

/** The writer command: runs again when a file's content or the volume changes. */
export function secretFilesWriter(name: string, a: SecretFilesWriterArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  const files = pulumi.secret(pulumi.all(a.files));
  const names = Object.keys(a.files);
  return hostCommand(
    name,
    {
      argv: pulumi
        .all([a.image, a.volume])
        .apply(([image, volume]) => secretFilesWriterArgv({ image, volume, stack: a.stack, role: a.role, owner: a.owner, names })),
      dockerHost: a.dockerHost,
      stdin: pulumi.secret(files.apply(secretFilesWriterStdin)),
      triggers: [a.volume, files],
    },
    opts,
  );
}
