// What both API runtimes (replica containers, swarm service) share: their arguments,
// the plain environment, the image with its migration, and the Docker HEALTHCHECK.
import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { hostCommand, seconds } from "../shared";
import { apiHealthcheckTest, migrationArgv } from "./commands";

export interface ApiArgs {
  stack: string;
  /** Configured image reference (repository:tag or @digest). */
  image: string;
  /** What the status endpoint must report once this image serves. */
  version: string;
  settings: TaskflowConfig["api"];
  logging: TaskflowConfig["logging"];
  edgeNetwork: pulumi.Input<string>;
  internalNetwork: pulumi.Input<string>;
  /**
   * Secret connection strings for the API (the database's app role, Redis's app user):
   * replicas and tasks read them from files, never from their environment.
   */
  databaseUrl: pulumi.Output<string>;
  redisUrl: pulumi.Output<string>;
  /** The migrations' connection: the database's owner role (a Pulumi secret, the migration command's environment). */
  migrationDatabaseUrl: pulumi.Output<string>;
  /** The API's SECRET_KEY (generated, a Pulumi secret): the app refuses to start without one outside development. */
  secretKey: pulumi.Output<string>;
  /** An image a release does not change, with sh and coreutils: the key writer's (secretKeyWriterImage). */
  stableImage: string;
  /** The stack's environment: the app's TASKFLOW_ENV is derived from it (appEnvironment). */
  environment: TaskflowConfig["environment"];
  dockerHost: string;
  /** What must be done before the migration: data stores up, pre-rollout backup taken. */
  migrationDependsOn: pulumi.Input<pulumi.Resource>[];
}

/** The app's TASKFLOW_ENV for a stack environment (app/taskflow/settings.py ENVIRONMENTS). */
export function appEnvironment(environment: TaskflowConfig["environment"]): string {
  return { dev: "development", preview: "staging", staging: "staging", production: "production" }[environment];
}

/**
 * gunicorn's graceful timeout: 5 s below the container's stop timeout (at least 1 s),
 * so workers finish in-flight requests and exit before Docker's SIGKILL.
 */
export function gracefulTimeout(destroyGraceSeconds: number): number {
  return Math.max(1, destroyGraceSeconds - 5);
}

/** The plain (non-secret) environment every replica or task gets besides api.env. */
export function apiEnv(args: Pick<ApiArgs, "settings" | "version" | "environment">): Record<string, string> {
  return {
    PORT: String(args.settings.port),
    TASKFLOW_VERSION: args.version,
    TASKFLOW_ENV: appEnvironment(args.environment),
    GRACEFUL_TIMEOUT: String(gracefulTimeout(args.settings.destroyGraceSeconds)),
  };
}

/**
 * The API image (kept on the host after a change: a rollback starts without a pull) and
 * its migration: one container of the new image on the internal network, before any
 * new replica or task starts. Both runtimes share it.
 */
export function imageAndMigration(name: string, args: ApiArgs, parent: pulumi.Resource) {
  const s = args.settings;
  const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent });
  const migration: command.local.Command = hostCommand(
    `${name}-migration`,
    {
      argv: pulumi
        .all([image.imageId, args.internalNetwork])
        .apply(([id, network]) =>
          migrationArgv({ image: id, network, stack: args.stack, user: s.user, memoryMb: s.memoryMb, command: s.migrationCommand }),
        ),
      dockerHost: args.dockerHost,
      environment: { DATABASE_URL: args.migrationDatabaseUrl, REDIS_URL: args.redisUrl },
      // A new image runs its migrations again (they are idempotent: alembic records the head).
      triggers: [image.imageId],
    },
    { parent, dependsOn: args.migrationDependsOn },
  );
  return { image, migration };
}

/** The Docker HEALTHCHECK of a replica or task: the same endpoint Caddy's active checks use. */
export function apiHealthcheck(s: TaskflowConfig["api"]) {
  return {
    tests: apiHealthcheckTest(s.port, s.healthPath),
    interval: seconds(s.healthcheck.intervalSeconds),
    timeout: seconds(s.healthcheck.timeoutSeconds),
    retries: s.healthcheck.retries,
    startPeriod: seconds(s.healthcheck.startPeriodSeconds),
  };
}
