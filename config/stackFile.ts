// Stack config as Pulumi hands it to the program (`taskflow:key -> string`), read
// from a stack file, with single settings changed for a test or a rehearsal.
import { readFileSync, writeFileSync } from "node:fs";
import * as path from "node:path";

import { parse, stringify } from "yaml";

import { toPulumiConfig } from "./load";

/** The project root: stack files, index.ts and the state of rehearsals live here. */
export const ROOT = path.resolve(__dirname, "..");

export function stackFileConfig(stack: string): Record<string, string> {
  return stackFileConfigAt(path.join(ROOT, `Pulumi.${stack}.yaml`));
}

export function stackFileConfigAt(file: string): Record<string, string> {
  return toPulumiConfig(parse(readFileSync(file, "utf8")).config ?? {});
}

/**
 * Writes config as Pulumi hands it to the program (`taskflow:key -> string`, objects as
 * JSON text) back as a stack file, for `pulumi up --config-file` and
 * `rehearse --config-file`: the inverse of stackFileConfigAt.
 */
export function writeStackFile(file: string, config: Record<string, string>): void {
  const yaml: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(config)) yaml[k] = v.startsWith("{") || v.startsWith("[") ? JSON.parse(v) : v;
  writeFileSync(file, stringify({ config: yaml }));
}

/**
 * Returns config with `key` (`image`, or `api.replicas` inside an object) set to
 * `value`, or removed when `value` is undefined.
 */
export function withSetting(config: Record<string, string>, key: string, value: unknown): Record<string, string> {
  const out = { ...config };
  const [top, ...rest] = key.split(".");
  const full = `taskflow:${top}`;
  if (rest.length === 0) {
    if (value === undefined) delete out[full];
    else out[full] = typeof value === "string" ? value : JSON.stringify(value);
    return out;
  }
  const obj = out[full] ? JSON.parse(out[full]) : {};
  let at = obj;
  for (const k of rest.slice(0, -1)) at = at[k] ??= {};
  if (value === undefined) delete at[rest.at(-1)!];
  else at[rest.at(-1)!] = value;
  out[full] = JSON.stringify(obj);
  return out;
}

/** `key=value` as on a command line: the value is JSON when it parses, else a string. */
export function parseSetting(arg: string): [string, unknown] {
  const i = arg.indexOf("=");
  if (i <= 0) throw new Error(`--set takes key=value (got ${JSON.stringify(arg)})`);
  const text = arg.slice(i + 1);
  try {
    return [arg.slice(0, i), JSON.parse(text)];
  } catch {
    return [arg.slice(0, i), text];
  }
}
