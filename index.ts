// Reads and validates the stack's config, then declares the TaskFlow runtime on the
// configured Docker host. Bad config throws here, before any resource is registered.
// The GitHub side of the release path is another project (github/), with its own stack.
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowStack } from "./components";
import { loadConfig, stackSecretKeys } from "./config";

const config = loadConfig(pulumi.runtime.allConfig(), stackSecretKeys());
const stack = pulumi.getStack();

// An explicit provider: every Docker object goes to the configured host, never to
// whatever DOCKER_HOST the machine running `pulumi up` happens to have.
const provider = new docker.Provider("docker", { host: config.docker.host });
const taskflow = new TaskflowStack("taskflow", { stack, config }, { providers: { docker: provider } });

export const url = taskflow.url;
export const image = taskflow.image;
export const version = taskflow.version;
export const replicaNames = taskflow.replicaNames;
export const databaseHost = taskflow.databaseHost;
export const cacheHost = taskflow.cacheHost;
export const gatewayContainer = taskflow.gatewayContainer;

/**
 * The API's swarm service (`docker service ps <name>`); "" with the container runtime.
 * Always a value: an undefined export makes every real preview warn "Undefined value
 * (apiService) will not show as a stack output".
 */
export const apiService = taskflow.apiService;
