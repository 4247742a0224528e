// Runs the real program (index.ts) under Pulumi mocks and records every resource it
// registers: inputs (plain and raw, to see secrets), options and dependencies as the
// engine would receive them (see support/monitor.ts).
import { createHash } from "node:crypto";

import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";

import { CADDYFILE_ENV } from "../components/gateway/gateway";
import { settled, startProgram, valueOf } from "../rehearsal/program";
import { isSecretValue, SECRET_SIG, SIG_KEY, unwrapSecrets } from "../rehearsal/secrets";

export { isSecretValue, unwrapSecrets };

export { ROOT, stackFileConfig } from "../config/stackFile";

export interface Recorded {
  type: string;
  name: string;
  urn: string;
  /** Inputs with secrets unwrapped. */
  inputs: Record<string, any>;
  /** Inputs as sent on the wire: secrets wrapped in Pulumi's secret marker. */
  raw: Record<string, any>;
  parent: string;
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  /** What the (mock) provider returned: inputs plus computed fields such as auto names. */
  state: Record<string, any>;
  deleteBeforeReplace?: boolean;
  replaceOnChanges: string[];
  protect: boolean;
}

export interface ProgramRun {
  resources: Recorded[];
  outputs: Record<string, unknown>;
  /** Stack outputs as the engine receives them, secrets still wrapped. */
  rawOutputs: Record<string, unknown>;
  /** Every generated password: none may appear outside a secret. */
  generatedSecrets: string[];
}

const hex = (s: string, n: number) => createHash("sha256").update(s).digest("hex").slice(0, n);

/** Returns inputs plus the computed fields the real providers would fill in. */
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, any> {
  switch (type) {
    case "docker:index/container:Container":
    case "docker:index/network:Network":
    case "docker:index/volume:Volume":
    case "docker:index/service:Service":
    case "docker:index/secret:Secret":
      // Pulumi auto-names these `<resource name>-<7 hex>`.
      return { ...inputs, name: inputs.name ?? `${name}-${hex(name + JSON.stringify(inputs.image ?? ""), 7)}` };
    case "docker:index/remoteImage:RemoteImage":
      // A registry image gets a repo digest once pulled; a local one (no registry host) has none.
      return {
        ...inputs,
        imageId: `sha256:${hex(inputs.name, 64)}`,
        repoDigest: inputs.name.includes("/") ? `${inputs.name.split(/[:@]/)[0]}@sha256:${hex(`d${inputs.name}`, 64)}` : "",
      };
    case "random:index/randomPassword:RandomPassword":
      return { ...inputs, result: `pw${hex(name, 30)}`, bcryptHash: "x" };
    case "command:local:Command":
      return { ...inputs, stdout: "", stderr: "" };
    default:
      return inputs;
  }
}

/** The id the mocked getUser/getTeam return for a login or team slug. */
export const mockGithubId = (name: string) => parseInt(hex(name, 6), 16);

function mockCall(args: pulumi.runtime.MockCallArgs): Record<string, any> {
  switch (args.token) {
    case "github:index/getUser:getUser":
      return { id: String(mockGithubId(args.inputs.username)), login: args.inputs.username };
    case "github:index/getTeam:getTeam":
      return { id: String(mockGithubId(args.inputs.slug)), slug: args.inputs.slug };
    default:
      throw new Error(`no mock for ${args.token}`);
  }
}

/** What the last runProgram registered, also when the program threw. */
export const registrations: Recorded[] = [];

/** The runtime program (index.ts, any runtime stack) or the GitHub side's (github/index.ts, stack `release`). */
export type Program = "runtime" | "github";

export async function runProgram(
  stack: string,
  config: Record<string, string>,
  secretKeys: string[] = [],
  program: Program = "runtime",
): Promise<ProgramRun> {
  registrations.length = 0;
  const resources = registrations;
  // The GitHub side declares GitHub resources, which need a token.
  if (process.env.GITHUB_TOKEN === undefined) process.env.GITHUB_TOKEN = "ghp_mocktoken";
  const exported = await startProgram({
    stack,
    config,
    secretKeys,
    mocks: { newResource: (args) => ({ id: `${args.name}-id`, state: mockState(args.type, args.name, args.inputs) }), call: mockCall },
    after: (r, urn, state) =>
      resources.push({
        type: r.type,
        name: r.name,
        urn,
        inputs: unwrapSecrets(r.raw),
        raw: r.raw,
        parent: r.parent,
        dependencies: r.dependencies,
        propertyDependencies: r.propertyDependencies,
        state: unwrapSecrets(state),
        deleteBeforeReplace: r.deleteBeforeReplace,
        replaceOnChanges: r.replaceOnChanges,
        protect: r.protect,
      }),
    load: async () => {
      vi.resetModules();
      return program === "github" ? import("../github/index") : import("../index");
    },
  });
  const outputs: Record<string, unknown> = {};
  const rawOutputs: Record<string, unknown> = {};
  for (const [k, v] of exported) {
    outputs[k] = await valueOf(v);
    rawOutputs[k] = (await (v as any).isSecret) ? { [SIG_KEY]: SECRET_SIG, value: outputs[k] } : outputs[k];
  }
  await settled();
  const generatedSecrets = resources
    .filter((r) => r.type === "random:index/randomPassword:RandomPassword")
    .map((r) => `pw${hex(r.name, 30)}`);
  return { resources: [...resources], outputs, rawOutputs, generatedSecrets };
}

/** Paths (a.b[0].c) where `needle` occurs in a string that is not inside a secret. */
export function plainOccurrences(v: any, needle: string, at = ""): string[] {
  if (isSecretValue(v)) return [];
  if (typeof v === "string") return v.includes(needle) ? [at || "(value)"] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => plainOccurrences(x, needle, `${at}[${i}]`));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => plainOccurrences(x, needle, at ? `${at}.${k}` : k));
  return [];
}

export function find(run: ProgramRun, type: string, name: string): Recorded {
  const r = run.resources.find((x) => x.type === type && x.name === name);
  if (!r) throw new Error(`no ${type} named ${name}; registered: ${run.resources.map((x) => x.name).join(", ")}`);
  return r;
}

/** The Caddyfile a gateway Caddy container starts with (its CADDYFILE_ENV environment value). */
export function caddyfileOf(caddy: Recorded): string {
  const prefix = `${CADDYFILE_ENV}=`;
  const entry = (caddy.inputs.envs as string[]).find((e) => e.startsWith(prefix));
  if (entry === undefined) throw new Error(`${caddy.name} has no ${CADDYFILE_ENV} in its environment`);
  return entry.slice(prefix.length);
}

export function ofType(run: ProgramRun, type: string): Recorded[] {
  return run.resources.filter((r) => r.type === type);
}

export const T = {
  container: "docker:index/container:Container",
  network: "docker:index/network:Network",
  volume: "docker:index/volume:Volume",
  image: "docker:index/remoteImage:RemoteImage",
  command: "command:local:Command",
  password: "random:index/randomPassword:RandomPassword",
  service: "docker:index/service:Service",
  secret: "docker:index/secret:Secret",
};
