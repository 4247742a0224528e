// Field builders for the config schema. Each carries one "expected ..." sentence that
// becomes the error message, so every error names what a valid value looks like.
import { z } from "zod";

import { dockerCpus } from "./dockerCpus";
import { isPinned, parseImageRef } from "./imageRef";
import { NUMERIC_USER, rootUserProblem } from "./userSpec";

export const intBetween = (min: number, max: number) => {
  const error = `a whole number from ${min} to ${max}`;
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error });
};

export const numberBetween = (min: number, max: number) => {
  const error = `a number from ${min} to ${max}`;
  return z.number({ error }).min(min, { error }).max(max, { error });
};

/**
 * A CPU limit the docker provider reads back as the same number (config/dockerCpus.ts):
 * 0.05 to 0.09 would come back as "0.1", a perpetual diff that replaces the container.
 */
export const cpuLimit = (min: number, max: number) => {
  const error = `a number from ${min} to ${max} with at most 9 decimals, not 0.05 to 0.09 (the docker provider reads those back as 0.1)`;
  return numberBetween(min, max).refine((n) => Number(dockerCpus(n)) === n, { error });
};

export const bool = () => z.boolean({ error: "true or false" });

export const port = () => intBetween(1, 65535);

export const urlPath = () => {
  // `//host/x` is a network-path reference: the gate would probe another host.
  const error = "an absolute URL path such as /health (no spaces, no query string, no // or .. segments)";
  return z
    .string({ error })
    .max(256, { error })
    .regex(/^\/(?!\/)[A-Za-z0-9._~/-]*$/, { error })
    .refine((p) => !p.includes("//") && !p.split("/").includes(".."), { error });
};

/** A Postgres identifier that needs no quoting: what the schema accepts and what SQL built from config may contain. */
export const IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

export const identifier = () => {
  const error = "a lower-case identifier: a-z, 0-9 and _, starting with a letter, at most 63 characters";
  return z.string({ error }).regex(IDENTIFIER, { error });
};

export const imageRef = () => {
  const error = "an image reference: repository[:tag][@sha256:<64 hex digits>]";
  return z.string({ error }).refine((v) => parseImageRef(v) !== undefined, { error });
};

/** Message used when a movable tag is refused outside dev. */
export const pinnedExpectation =
  "an immutable image: a commit-SHA or x.y[.z] version tag, or a @sha256 digest (`latest` and other movable tags are refused outside dev)";
export const digestExpectation =
  "an image pinned by digest, repository[:tag]@sha256:<64 hex digits> (staging and production run exactly the image that was built and scanned: a tag can be pushed again, a digest cannot)";

export function hasDigest(value: string): boolean {
  return parseImageRef(value)?.digest !== undefined;
}

export function isPinnedRef(value: string): boolean {
  const ref = parseImageRef(value);
  return ref !== undefined && isPinned(ref);
}

export const userSpec = () => {
  const error = "a non-root user: a name or uid[:gid] with uid and gid from 1 to 2147483646 (never root, uid 0 or gid 0, however written)";
  return z.string({ error }).refine((u) => rootUserProblem(u) === undefined, { error });
};

/**
 * A non-root uid[:gid] in numbers: the services with a read-only root filesystem, tmpfs
 * mounts owned by their user and secret files a writer hands to that user (Postgres,
 * Redis, the gateway) need the ids themselves: a tmpfs's `uid=` and `gid=` take numbers,
 * not names.
 */
export const numericUserSpec = () => {
  const error = "a non-root uid[:gid] in numbers from 1 to 2147483646, e.g. 999:999 (a name cannot own uploaded files or tmpfs mounts)";
  return z.string({ error }).refine((u) => NUMERIC_USER.test(u) && rootUserProblem(u) === undefined, { error });
};

export const sizeWithUnit = () => {
  const error = "a size such as 10m or 1g (a number followed by k, m or g)";
  return z.string({ error }).regex(/^[1-9]\d*[kmg]$/, { error });
};

export const commandArgv = () => {
  const error = "a non-empty list of command words, e.g. [alembic, upgrade, head]";
  return z.array(z.string({ error }).min(1, { error }), { error }).min(1, { error });
};

export const hostname = () => {
  const error = "a DNS host name such as taskflow.example.com (letters, digits, dashes and dots; no scheme, port or path)";
  return z.string({ error }).regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, { error });
};
