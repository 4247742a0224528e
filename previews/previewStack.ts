// Preview stacks, one per pull request (`pr-<n>`): derived from the staging stack
// file so they run what staging runs, with everything that would collide made
// unique. Pure functions; previews/cli.ts is their command line.
import { loadConfig, StackFileConfig, toPulumiConfig } from "../config/load";
import { TaskflowConfig } from "../config/schema";

export type { StackFileConfig };

export const PREVIEW_STACK = /^pr-([1-9]\d*)$/;
export const previewStackName = (pr: number) => `pr-${pr}`;

/** The previews' settings from the staging stack file (`taskflow:previews`), defaults applied. */
export function previewSettings(staging: StackFileConfig): TaskflowConfig["previews"] {
  return loadConfig(toPulumiConfig(staging)).previews;
}

/** The host port of preview `pr`: hostPortBase + (pr mod portSlots). */
export const previewPort = (settings: TaskflowConfig["previews"], pr: number) => settings.hostPortBase + (pr % settings.portSlots);

export interface PreviewStack {
  stack: string;
  url: string;
  hostPort: number;
  config: StackFileConfig;
}

/**
 * The config of preview stack `pr-<pr>`: staging's, with
 *  - environment `preview` (images must still be pinned, as in staging) and the PR's image;
 *  - the previews' own Docker host (`previews.dockerHost`, never staging's);
 *  - its own gateway host port (hostPortBase + pr mod portSlots), plain HTTP, and a URL
 *    on the previews' wildcard domain (pr-<n>.<domain>) or the previews' host;
 *  - no backups, no protected volumes, no GitHub resources, no GitHub secrets;
 *  - `previews.replicas` API replicas.
 * Container, network and volume names need nothing: Pulumi auto-names them and every
 * object is labeled with its stack, so a preview's database is a new, empty volume.
 */
export function previewStackConfig(staging: StackFileConfig, pr: number, image: string): PreviewStack {
  if (!Number.isInteger(pr) || pr < 1) throw new Error(`pull request number: got ${JSON.stringify(pr)}; expected a whole number from 1`);
  const settings = previewSettings(staging);
  const dockerHost = previewDockerHost(staging, settings);
  const stagingGateway = (staging["taskflow:gateway"] ?? {}) as Record<string, unknown>;
  const hostPort = previewPort(settings, pr);
  const sshHost = /^ssh:\/\/[^@]+@([^:]+)/.exec(dockerHost)?.[1];
  const host = settings.domain ? `pr-${pr}.${settings.domain}` : (sshHost ?? "127.0.0.1");
  const url = `http://${host}:${hostPort}`;

  // HTTPS keys go: a public certificate needs ports 80/443, which the staging gateway holds.
  const {
    domain: _d,
    tls: _t,
    acmeEmail: _e,
    httpsHostPort: _h,
    httpsListenPort: _l,
    hsts: _s,
    hstsIncludeSubdomains: _i,
    ...gateway
  } = stagingGateway;
  const config: StackFileConfig = {};
  for (const [key, value] of Object.entries(staging)) {
    if (["taskflow:previews", "taskflow:backup", "taskflow:protectData"].includes(key)) continue;
    config[key] = value;
  }
  config["taskflow:environment"] = "preview";
  config["taskflow:image"] = image;
  config["taskflow:api"] = { ...((staging["taskflow:api"] ?? {}) as object), replicas: settings.replicas };
  config["taskflow:gateway"] = { ...gateway, hostPort, publicUrl: url };
  config["taskflow:docker"] = { ...((staging["taskflow:docker"] ?? {}) as object), host: dockerHost };
  // Refuse here, before any resource exists, what the program would refuse.
  loadConfig(toPulumiConfig(config));
  return { stack: previewStackName(pr), url, hostPort, config };
}

/**
 * Where previews deploy: `previews.dockerHost`, required, and never staging's host, so
 * pull-request code with the preview key cannot touch staging's containers.
 */
export function previewDockerHost(staging: StackFileConfig, settings: TaskflowConfig["previews"]): string {
  const stagingHost = loadConfig(toPulumiConfig(staging)).docker.host;
  if (settings.dockerHost === undefined) {
    throw new Error(
      "taskflow:previews.dockerHost: got nothing (the key is missing); expected the Docker host previews deploy to, " +
        "a host of their own (ssh://user@host): pull-request code runs there",
    );
  }
  if (sameDockerHost(settings.dockerHost, stagingHost)) {
    throw new Error(
      `taskflow:previews.dockerHost: got ${JSON.stringify(settings.dockerHost)}; expected a host other than staging's docker.host: ` +
        "pull-request code with the preview key must not reach staging's containers",
    );
  }
  return settings.dockerHost;
}

/**
 * Whether two docker.host values reach the same machine: the host name without case, the
 * SSH port (22 when not given), whatever the user (another user on staging's host is
 * still staging's Docker engine) and the unix socket path as written.
 */
export function sameDockerHost(a: string, b: string): boolean {
  const key = (h: string) => {
    const ssh = /^ssh:\/\/(?:[^@]+@)?([^:/]+)(?::(\d+))?\/?$/.exec(h);
    return ssh ? `ssh://${ssh[1].toLowerCase().replace(/\.$/, "")}:${Number(ssh[2] ?? 22)}` : h;
  };
  return key(a) === key(b);
}

/** Throws a clear message when starting preview `pr` would exceed the cap or reuse a live preview's port. */
export function checkPreviewCap(staging: StackFileConfig, pr: number, existingStacks: string[]): void {
  const settings = previewSettings(staging);
  const others = existingStacks.filter((s) => PREVIEW_STACK.test(s) && s !== previewStackName(pr)).sort();
  if (others.length >= settings.maxConcurrent) {
    throw new Error(
      `preview cap reached: ${others.length} previews are running (${others.join(", ")}) and taskflow:previews.maxConcurrent ` +
        `in Pulumi.staging.yaml is ${settings.maxConcurrent}. Close or merge a pull request (its preview is destroyed), or raise the cap.`,
    );
  }
  const clash = others.find((s) => previewPort(settings, Number(PREVIEW_STACK.exec(s)![1])) === previewPort(settings, pr));
  if (clash) {
    throw new Error(
      `preview port clash: ${previewStackName(pr)} and ${clash} would both publish port ${previewPort(settings, pr)} ` +
        `(hostPortBase + pr mod portSlots = ${settings.hostPortBase} + ${pr} mod ${settings.portSlots}); close ${clash} or change taskflow:previews.portSlots.`,
    );
  }
}

/** Preview stacks whose pull request is no longer open: the scheduled cleanup destroys these. */
export function stalePreviews(existingStacks: string[], openPrs: number[]): string[] {
  const open = new Set(openPrs.map(previewStackName));
  return existingStacks.filter((s) => PREVIEW_STACK.test(s) && !open.has(s)).sort();
}
