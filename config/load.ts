// Turns Pulumi's flat config map into the typed config, or throws one error that
// lists every bad key with its value and what was expected. Runs before any resource
// is registered, so bad config never creates or deletes anything.
import { z } from "zod";

import { GITHUB_PROJECT_DIR, GITHUB_STACK, GithubStackConfig, githubStackSchema } from "./githubStackSchema";
import { configSchema, TaskflowConfig } from "./schema";

export const NAMESPACE = "taskflow";

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(
      `Invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ConfigError";
  }
}

/**
 * Pulumi hands config to the program as `namespace:key -> string`; structured values
 * arrive as JSON text. Keys of other namespaces (pulumi:, docker:, ...) are not ours.
 */
export function rawConfig(all: Record<string, string>): Record<string, unknown> {
  // No prototype: `taskflow:__proto__` is then an unknown key like any other, instead of
  // replacing the object's prototype (and with it every default the schema reads).
  const raw: Record<string, unknown> = Object.create(null);
  for (const [fullKey, text] of Object.entries(all)) {
    const [ns, key] = splitKey(fullKey);
    if (ns !== NAMESPACE) continue;
    raw[key] = decode(text);
  }
  return raw;
}

/** A stack file's `config:` section, as written in YAML (values are objects, not JSON text). */
export type StackFileConfig = Record<string, unknown>;

/** The inverse of rawConfig: stack-file values as Pulumi hands them over (objects as JSON text). */
export function toPulumiConfig(config: StackFileConfig): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

function splitKey(fullKey: string): [string, string] {
  const i = fullKey.indexOf(":");
  return i === -1 ? ["", fullKey] : [fullKey.slice(0, i), fullKey.slice(i + 1)];
}

// Objects, arrays, numbers and booleans come as JSON; a plain string (an image
// reference) is not valid JSON and stays as it is.
function decode(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Keys whose values must be Pulumi secrets (encrypted in the stack file). */
export const SECRET_ONLY_KEYS = ["githubSecrets"];

/**
 * Keys a runtime stack no longer holds: the GitHub side is its own project (github/,
 * stack `release`), so that production's token cannot decrypt the release path's secrets.
 */
const MOVED_TO_GITHUB_STACK = ["github", "githubSecrets"];

/** A runtime stack's config (dev, staging, production, pr-<n>). */
export function loadConfig(all: Record<string, string>, secretKeys: readonly string[] = []): TaskflowConfig {
  const raw = rawConfig(all);
  const moved = MOVED_TO_GITHUB_STACK.filter((key) => raw[key] !== undefined).map(
    (key) =>
      `${keyName([key])}: got a value (not shown); expected no such key in a runtime stack: the GitHub side is its own project ` +
      `(${GITHUB_PROJECT_DIR}/Pulumi.${GITHUB_STACK}.yaml); move the block there and the resources with \`pulumi state move\` (RUNBOOK.md, "The GitHub side")`,
  );
  for (const key of MOVED_TO_GITHUB_STACK) delete raw[key];
  return parseWith(configSchema, raw, secretKeys, moved);
}

/** The config of the GitHub side's stack (github/Pulumi.release.yaml). */
export function loadGithubStackConfig(all: Record<string, string>, secretKeys: readonly string[] = []): GithubStackConfig {
  return parseWith(githubStackSchema, rawConfig(all), secretKeys, []);
}

function parseWith<S extends z.ZodType>(
  schema: S,
  raw: Record<string, unknown>,
  secretKeys: readonly string[],
  problems: string[],
): z.output<S> {
  const secret = new Set(secretKeys.map((k) => splitKey(k)[1]));
  const parsed = schema.safeParse(raw);
  if (!parsed.success) problems.push(...parsed.error.issues.flatMap((issue) => describe(schema, issue, raw, secret)));
  for (const key of SECRET_ONLY_KEYS) {
    if (raw[key] !== undefined && !secret.has(key)) {
      problems.push(
        `${keyName([key])}: got a plain value (not shown); expected a secret: set it with \`pulumi config set --cwd ${GITHUB_PROJECT_DIR} -s ${GITHUB_STACK} --secret --path '${NAMESPACE}:${key}.<environment>.<NAME>' <value>\``,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed.data as z.output<S>;
}

function describe(schema: z.ZodType, issue: z.core.$ZodIssue, raw: Record<string, unknown>, secret: Set<string>): string[] {
  const path = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => {
      const keyPath = [...path, k];
      return (
        `${keyName(keyPath)}: unknown key (got ${show(valueAt(raw, keyPath), keyPath, secret)}); ` +
        `expected one of: ${knownKeys(schema, path).join(", ")}`
      );
    });
  }
  if (issue.code === "invalid_key") {
    // A map key GitHub (or Docker) would refuse: the key itself is the bad value.
    const inner = issue.issues[0]?.message ?? issue.message;
    return [`${keyName(path)}: got ${JSON.stringify(path.at(-1))}; expected ${inner}`];
  }
  const value = valueAt(raw, path);
  const got = value === undefined ? "nothing (the key is missing)" : show(value, path, secret);
  return [`${keyName(path)}: got ${got}; expected ${issue.message}`];
}

function keyName(path: string[]): string {
  return `${NAMESPACE}:${path.join(".")}`;
}

function valueAt(raw: unknown, path: string[]): unknown {
  return path.reduce<unknown>((v, k) => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), raw);
}

function show(value: unknown, path: string[], secret: Set<string>): string {
  if (path.length > 0 && (secret.has(path[0]) || SECRET_ONLY_KEYS.includes(path[0]))) return "[secret]";
  return JSON.stringify(value) ?? String(value);
}

/** The keys the schema accepts at `path`, for "did you mean" in unknown-key errors. */
function knownKeys(root: z.ZodType, path: string[]): string[] {
  let schema = root;
  for (const k of path) schema = childSchema(schema, k) ?? schema;
  const shape = objectShape(schema);
  return shape ? Object.keys(shape) : [];
}

function unwrap(schema: z.ZodType): z.ZodType {
  let s = schema as z.ZodType & { def: { innerType?: z.ZodType; in?: z.ZodType; schema?: z.ZodType } };
  while (s.def.innerType ?? s.def.in ?? s.def.schema) s = (s.def.innerType ?? s.def.in ?? s.def.schema) as typeof s;
  return s;
}

/** The keys of an object schema, under its `.default()`/`.prefault()`/`.optional()`; undefined for any other schema. */
export function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const s = unwrap(schema) as z.ZodType & { shape?: Record<string, z.ZodType> };
  return s.shape;
}

function childSchema(schema: z.ZodType, key: string): z.ZodType | undefined {
  return objectShape(schema)?.[key];
}
