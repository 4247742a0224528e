// The README's config-key table, rendered from the schema itself: each key's meaning is
// its `.describe()` in config/schema.ts and its default is what the schema computes.
// Pure: config/writeConfigDocs.ts (`npm run docs:config`) writes the block into
// README.md, and tests/unit/config-docs.test.ts fails when README's copy is stale.
import { z } from "zod";

import { githubStackSchema } from "./githubStackSchema";
import { objectShape } from "./load";
import { configSchema, hasComputedDefault } from "./schema";

export const TABLE_START = "<!-- config-table:start -->";
export const TABLE_END = "<!-- config-table:end -->";

/** One row of the table: a leaf key by dotted path, its default as shown, its meaning. */
export interface ConfigKeyDoc {
  key: string;
  default: string;
  description: string | undefined;
}

/**
 * Every leaf key of `schema`, in schema order. Objects are walked into; a map (`api.env`)
 * is one key; an object of maps described as a whole (`github.variables`, one map per
 * GitHub environment) is one key, `github.variables.{staging,…}`.
 */
export function configKeys(schema: z.ZodType = configSchema, path: string[] = []): ConfigKeyDoc[] {
  const shape = objectShape(schema);
  if (shape === undefined || (path.length > 0 && schema.description !== undefined)) {
    const members = shape ? `.{${Object.keys(shape).join(",")}}` : "";
    const shown = shape ? [...new Set(Object.values(shape).map(defaultOf))].join(", ") : defaultOf(schema);
    return [{ key: path.join(".") + members, default: shown, description: schema.description }];
  }
  return Object.entries(shape).flatMap(([key, child]) => configKeys(child, [...path, key]));
}

/** The default as the schema computes it, or what stands in for it. */
export function defaultOf(schema: z.ZodType): string {
  if (hasComputedDefault(schema)) return "see meaning";
  const parsed = schema.safeParse(undefined);
  if (!parsed.success) return "(required)";
  if (parsed.data === undefined) return "–";
  return showValue(parsed.data);
}

/** Numbers and booleans as they are; strings, lists and maps as code: `10m`, `[alembic, upgrade, head]`, `{}`. */
export function showValue(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (typeof value === "string") return code(value);
  if (Array.isArray(value)) return code(`[${value.map(String).join(", ")}]`);
  if (value !== null && typeof value === "object") {
    return code(
      `{${Object.entries(value)
        .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
        .join(", ")}}`,
    );
  }
  throw new Error(`no rendering for default ${JSON.stringify(value)}`);
}

const code = (text: string) => `\`${text}\``;

/** The markdown table; throws when a key has no description (the table would have a hole). */
export function renderConfigTable(keys: ConfigKeyDoc[] = configKeys()): string {
  const missing = keys.filter((k) => !k.description).map((k) => k.key);
  if (missing.length > 0) {
    throw new Error(`config/schema.ts: no description for ${missing.join(", ")}; add .describe("...") as each key's last call`);
  }
  const cell = (text: string) => text.replace(/\s+/g, " ").replace(/\|/g, "\\|");
  return [
    "| key | default | meaning |",
    "|---|---|---|",
    ...keys.map((k) => `| ${code(k.key)} | ${cell(k.default)} | ${cell(k.description!)} |`),
  ].join("\n");
}

/** The whole generated block, markers included: the runtime stacks' keys, then the GitHub side's. */
export function renderConfigBlock(keys: ConfigKeyDoc[] = configKeys(), githubKeys: ConfigKeyDoc[] = configKeys(githubStackSchema)): string {
  return [
    TABLE_START,
    "_Generated from the descriptions in `config/schema.ts` and `config/githubStackSchema.ts`: edit them there, then run `npm run docs:config`._",
    "",
    "Runtime stacks (`Pulumi.<stack>.yaml`):",
    "",
    renderConfigTable(keys),
    "",
    "The GitHub side (`github/Pulumi.release.yaml`, its own project; see [The release path](#the-release-path-githubworkflows)):",
    "",
    renderConfigTable(githubKeys),
    TABLE_END,
  ].join("\n");
}

/** The block as README has it, markers included; throws unless there is exactly one. */
export function readConfigBlock(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end < start || readme.indexOf(TABLE_START, start + 1) !== -1 || readme.indexOf(TABLE_END, end + 1) !== -1) {
    throw new Error(`README.md: expected one ${TABLE_START} ... ${TABLE_END} block`);
  }
  return readme.slice(start, end + TABLE_END.length);
}

/** README with its block replaced by `block`; nothing else changes. */
export function replaceConfigBlock(readme: string, block: string = renderConfigBlock()): string {
  const current = readConfigBlock(readme);
  const start = readme.indexOf(TABLE_START);
  return readme.slice(0, start) + block + readme.slice(start + current.length);
}
