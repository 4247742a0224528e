// Reads and validates the stack's config, then declares the TaskFlow runtime on the
// configured Docker host. Bad config throws here, before any resource is registered.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./components/config";
import { TaskflowStack } from "./components";

const config = loadConfig(pulumi.runtime.allConfig(), secretKeys());
const stack = pulumi.getStack();

// An explicit provider: every Docker object goes to the configured host, never to
// whatever DOCKER_HOST the machine running `pulumi up` happens to have.
const provider = new docker.Provider("docker", { host: config.docker.host });
const taskflow = new TaskflowStack("taskflow", { stack, config }, { providers: { docker: provider } });

// GitHub side of the release path (environments, reviewers, branch rules): composed
// here when `taskflow:github.enabled` is true.

export const url = taskflow.url;
export const image = taskflow.image;
export const version = taskflow.version;
export const replicaNames = taskflow.replicaNames;
export const databaseHost = taskflow.databaseHost;
export const cacheHost = taskflow.cacheHost;
export const gatewayContainer = taskflow.gatewayContainer;

/** Keys Pulumi marks secret: their values are masked in config errors. */
function secretKeys(): string[] {
  try {
    return JSON.parse(process.env.PULUMI_CONFIG_SECRET_KEYS ?? "[]");
  } catch {
    return [];
  }
}
