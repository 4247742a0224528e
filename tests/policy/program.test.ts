// Every rule over everything the real program declares for each stack file, with the
// stack's policy config (policies/config/<stack>.json): the shipped stacks pass, and
// each deliberately unsafe variant is refused by the rule meant to catch it.
import { readFileSync } from "node:fs";
import * as path from "node:path";

import { PolicyResource } from "@pulumi/policy";
import { describe, expect, it } from "vitest";

import { GITHUB_STACK } from "../../config";
import { stackFileConfigAt, withSetting } from "../../config/stackFile";
import { resourceRules, stackRules } from "../../policies/rules";
import { ROOT, runProgram, stackFileConfig } from "../mocks";
import { policyResources, stackViolations, violations } from "./harness";

type Level = "mandatory" | "advisory" | "disabled";

function packConfig(stack: string): Record<string, { level: Level; config: Record<string, unknown> }> {
  const raw = JSON.parse(readFileSync(path.join(ROOT, "policies/config", `${stack}.json`), "utf8"));
  const all: Level = typeof raw.all === "string" ? raw.all : "mandatory";
  const out: Record<string, { level: Level; config: Record<string, unknown> }> = {};
  for (const rule of [...resourceRules, ...stackRules]) {
    const entry = raw[rule.name];
    const { enforcementLevel, ...config } = typeof entry === "object" ? entry : { enforcementLevel: entry };
    out[rule.name] = { level: enforcementLevel ?? all, config };
  }
  return out;
}

/** Mandatory violations, as `rule: message` (advisory ones only warn, disabled ones do not run). */
async function mandatory(stack: string, resources: PolicyResource[]): Promise<string[]> {
  const pack = packConfig(stack);
  const out: string[] = [];
  for (const rule of resourceRules) {
    if (pack[rule.name].level !== "mandatory") continue;
    for (const r of resources) {
      for (const m of await violations(rule, { type: r.type, name: r.name, props: r.props, opts: r.opts }, pack[rule.name].config))
        out.push(`${rule.name}: ${m}`);
    }
  }
  for (const rule of stackRules) {
    if (pack[rule.name].level === "mandatory") for (const m of await stackViolations(rule, resources)) out.push(`${rule.name}: ${m}`);
  }
  return out;
}

/** A stack's file: the runtime's at the top, the GitHub side's (stack `release`) in github/. */
const stackConfig = (stack: string) =>
  stack === GITHUB_STACK ? stackFileConfigAt(path.join(ROOT, "github", `Pulumi.${stack}.yaml`)) : stackFileConfig(stack);

async function declared(stack: string, config = stackConfig(stack)): Promise<PolicyResource[]> {
  return policyResources(await runProgram(stack, config, [], stack === GITHUB_STACK ? "github" : "runtime"));
}

const named = (resources: PolicyResource[], name: string) => resources.find((r) => r.name === name)!;

describe.each(["dev", "staging", "production"])("the shipped %s stack", (stack) => {
  it("passes every mandatory rule", async () => {
    expect(await mandatory(stack, await declared(stack))).toEqual([]);
  });
  it("passes every mandatory rule with runtime: swarm, and the swarm rule sees the service", async () => {
    const resources = await declared(stack, withSetting(stackFileConfig(stack), "runtime", "swarm"));
    expect(resources.filter((r) => r.type === "docker:index/service:Service")).toHaveLength(1);
    expect(await mandatory(stack, resources)).toEqual([]);
  });
});

describe("the shipped GitHub side (stack release)", () => {
  it("passes every mandatory rule, and the environment rule sees every environment that needs a reviewer", async () => {
    const resources = await declared(GITHUB_STACK);
    expect(resources.filter((r) => r.type === "github:index/repositoryEnvironment:RepositoryEnvironment")).toHaveLength(6);
    expect(await mandatory(GITHUB_STACK, resources)).toEqual([]);
  });
});

type Variant = [string, string, Record<string, unknown>, ((r: PolicyResource[]) => void) | undefined, string];

describe.each<Variant>([
  [
    "production without protected data volumes",
    "production",
    { protectData: false },
    undefined,
    "data-volumes-protected: Data volume is not protected. Set the resource option protect: true (config taskflow:protectData).",
  ],
  [
    "a secret-named plain env var from config",
    "staging",
    { "api.env": { TASKFLOW_APP_API_TOKEN: "tok_abcdefgh" } },
    undefined,
    "no-plain-secrets: Container env var TASKFLOW_APP_API_TOKEN holds a secret value.",
  ],
  [
    "an API image on `latest`",
    "staging",
    {},
    (r) => {
      named(r, "taskflow-api-image").props.name = "ghcr.io/taskflow/taskflow-api:latest";
    },
    'images-pinned: RemoteImage image "ghcr.io/taskflow/taskflow-api:latest" uses the tag `latest`.',
  ],
  [
    "a production image without digest",
    "production",
    {},
    (r) => {
      named(r, "taskflow-api-image").props.name = "ghcr.io/taskflow/taskflow-api:3f2a9c1";
    },
    'images-pinned: RemoteImage image "ghcr.io/taskflow/taskflow-api:3f2a9c1" has no @sha256 digest.',
  ],
  [
    "a privileged gateway",
    "production",
    {},
    (r) => {
      named(r, "taskflow-gateway-caddy").props.privileged = true;
    },
    "container-not-privileged: Container is privileged.",
  ],
  [
    "Postgres with a published port",
    "staging",
    {},
    (r) => {
      named(r, "taskflow-postgres-container").props.ports = [{ internal: 5432, external: 5432 }];
    },
    "data-stores-internal-only: Data store taskflow-postgres-container publishes a port.",
  ],
  [
    "Redis also on the edge network",
    "staging",
    {},
    (r) => {
      const redis = named(r, "taskflow-redis-container");
      const edge = named(r, "taskflow-network-edge");
      redis.props.networksAdvanced = [...redis.props.networksAdvanced, { name: edge.props.name }];
      (redis.propertyDependencies as any).networksAdvanced = [...redis.propertyDependencies.networksAdvanced, edge];
    },
    "data-stores-internal-only: Data store taskflow-redis-container attaches to network taskflow-network-edge, which is not internal.",
  ],
  [
    "replicas replaced delete-first",
    "production",
    {},
    (r) => {
      (named(r, "taskflow-api-replica-0").opts as any).deleteBeforeReplace = true;
    },
    "api-replicas-create-before-delete: API replica is not replaced create-before-delete.",
  ],
  [
    "replicas that do not wait for health",
    "staging",
    {},
    (r) => {
      named(r, "taskflow-api-replica-1").props.wait = false;
    },
    "api-replicas-create-before-delete: API replica does not wait for health on create.",
  ],
  [
    "a gateway without health check",
    "staging",
    {},
    (r) => {
      delete named(r, "taskflow-gateway-edge").props.healthcheck;
    },
    "container-healthcheck: Container has no health check.",
  ],
  [
    "Redis without a memory limit",
    "production",
    {},
    (r) => {
      named(r, "taskflow-redis-container").props.memory = 0;
    },
    "container-limits: Container has no memory limit.",
  ],
  [
    "an API replica running as root",
    "staging",
    {},
    (r) => {
      named(r, "taskflow-api-replica-0").props.user = "root";
    },
    'container-non-root: Container runs as "root" (the root user).',
  ],
  [
    "an API replica running as root in disguise (gid 0)",
    "production",
    {},
    (r) => {
      named(r, "taskflow-api-replica-0").props.user = "10001:00";
    },
    'container-non-root: Container runs as "10001:00" (gid 0 (the root group)).',
  ],
  [
    "the Docker socket mounted into the gateway",
    "production",
    {},
    (r) => {
      named(r, "taskflow-gateway-caddy").props.volumes = [{ hostPath: "/var/run/docker.sock", containerPath: "/var/run/docker.sock" }];
    },
    "container-no-host-mounts: Container mounts the Docker socket (/var/run/docker.sock).",
  ],
  [
    "a replica publishing a port",
    "dev",
    {},
    (r) => {
      named(r, "taskflow-api-replica-0").props.ports = [{ internal: 8000, external: 8000 }];
    },
    "only-gateway-publishes-ports: Container taskflow-api-replica-0 publishes a host port but is not the gateway.",
  ],
  [
    "Postgres that does not restart",
    "dev",
    {},
    (r) => {
      named(r, "taskflow-postgres-container").props.restart = "no";
    },
    'container-restart-policy: Container restart policy is "no".',
  ],
  [
    "Redis without no-new-privileges",
    "dev",
    {},
    (r) => {
      named(r, "taskflow-redis-container").props.securityOpts = [];
    },
    "container-no-new-privileges: Container does not set no-new-privileges.",
  ],
  [
    "a production environment that lets authors approve themselves",
    GITHUB_STACK,
    {},
    (r) => {
      named(r, "release-production").props.preventSelfReview = false;
    },
    "github-production-environment-gated: Production environment lets the author approve their own deploy.",
  ],
  [
    "a password in the migration command",
    "staging",
    {},
    (r) => {
      named(r, "taskflow-api-migration").props.create = JSON.stringify(["env", "PGPASSWORD=hunter2hunter2", "alembic", "upgrade", "head"]);
    },
    "no-plain-secrets: Command create string contains a literal credential.",
  ],
])("%s", (_what, stack, settings, mutate, expected) => {
  it("is refused by the rule meant for it", async () => {
    let config = stackConfig(stack);
    for (const [k, v] of Object.entries(settings)) config = withSetting(config, k, v);
    const resources = await declared(stack, config);
    mutate?.(resources);
    const found = await mandatory(stack, resources);
    expect(
      found.some((m) => m.startsWith(expected)),
      `expected "${expected}" in:\n${found.join("\n")}`,
    ).toBe(true);
  });
});
