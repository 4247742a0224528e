// Reads and validates the stack's config, then declares the TaskFlow runtime on the
// configured Docker host. Bad config throws here, before any resource is registered.
import * as docker from "@pulumi/docker";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

import { GitHubEnvironments, TaskflowStack } from "./components";
import { loadConfig } from "./config";

const config = loadConfig(pulumi.runtime.allConfig(), secretKeys());
const stack = pulumi.getStack();
const githubToken = config.github.enabled ? requireGithubToken() : undefined;

// An explicit provider: every Docker object goes to the configured host, never to
// whatever DOCKER_HOST the machine running `pulumi up` happens to have.
const provider = new docker.Provider("docker", { host: config.docker.host });
const taskflow = new TaskflowStack("taskflow", { stack, config }, { providers: { docker: provider } });

// The GitHub side of the release path (production stack only).
if (config.github.enabled) {
  const provider = new github.Provider("github", { owner: config.github.owner, token: githubToken });
  new GitHubEnvironments("release", { settings: config.github, secrets: config.githubSecrets }, { providers: { github: provider } });
}

export const url = taskflow.url;
export const image = taskflow.image;
export const version = taskflow.version;
export const replicaNames = taskflow.replicaNames;
export const databaseHost = taskflow.databaseHost;
export const cacheHost = taskflow.cacheHost;
export const gatewayContainer = taskflow.gatewayContainer;

/**
 * GitHub resources need a token; a preview from a fork has none. Say so in one line
 * instead of failing deep inside the provider.
 */
function requireGithubToken(): pulumi.Output<string> {
  const token = process.env.GITHUB_TOKEN;
  if (!token) {
    throw new Error(
      "taskflow:github.enabled is true but GITHUB_TOKEN is not set: export a token with admin rights on " +
        `${config.github.owner}/${config.github.repository} (pull requests from forks get no secrets, so they cannot preview this stack)`,
    );
  }
  return pulumi.secret(token);
}

/**
 * Keys the stack file holds as secrets (the engine's PULUMI_CONFIG_SECRET_KEYS, via the
 * runtime's isConfigSecret, exported by the SDK though not in its typings).
 */
function secretKeys(): string[] {
  const isSecret = (pulumi.runtime as unknown as { isConfigSecret: (k: string) => boolean }).isConfigSecret;
  return Object.keys(pulumi.runtime.allConfig()).filter((k) => isSecret(k));
}
/**
 * The API's swarm service (`docker service ps <name>`); "" with the container runtime.
 * Always a value: an undefined export makes every real preview warn "Undefined value
 * (apiService) will not show as a stack output".
 */
export const apiService = taskflow.apiService;
