import { LABELS } from "./labels";
import * as command from "@pulumi/command";
import { ApiRuntime } from "./apiRuntime";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TaskflowConfig } from "../config";
import { apiHealthcheckTest, argvCommand, migrationArgv, NOTHING_ARGV, replicaWatchArgv, secretKeyWriteArgv, secretKeyWriterImage } from "./commands";
import { hardening, labels, limits, logOptions, seconds } from "./containerDefaults";

/** Where each replica finds the API's SECRET_KEY (a file on a read-only volume, never an env value). */
const SECRET_DIR = "/run/secrets";
export const SECRET_KEY_FILE = `${SECRET_DIR}/secret-key`;

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
  /** Secret connection strings; they reach containers and commands only as environment. */
  databaseUrl: pulumi.Output<string>;
  redisUrl: pulumi.Output<string>;
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
 * Inputs whose change must roll the replicas (new containers first, old ones last).
 * Most are ForceNew in the provider already; healthcheck and tmpfs are not: the
 * provider would record them as an in-place update and the running container would
 * keep its old health check. Memory and restart are left out: the provider changes
 * them in place with `docker update`. (cpus is ForceNew: a change rolls the replicas.)
 */
export const REPLICA_REPLACE_ON_CHANGES = [
  "image", "envs", "command", "entrypoints", "healthcheck", "user", "labels",
  "networksAdvanced", "readOnly", "tmpfs", "capabilities", "securityOpts",
  "logDriver", "logOpts", "uploads", "volumes", "workingDir", "stopSignal",
];

/** The API: its image, a one-off migration in that image, then N replicas. */
export class Api extends pulumi.ComponentResource implements ApiRuntime {
  public readonly image: docker.RemoteImage;
  public readonly migration: command.local.Command;
  public readonly replicas: docker.Container[];
  public readonly replicaNames: pulumi.Output<string[]>;
  public readonly serving: pulumi.Resource[];
  public readonly upstreamTargets: pulumi.Output<string[]>;
  public readonly secretKeyVolume: docker.Volume;
  public readonly secretKeyWrite: command.local.Command;
  public readonly replicaWatch: command.local.Command;

  constructor(name: string, args: ApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Api", name, {}, opts);
    const s = args.settings;

    ({ image: this.image, migration: this.migration } = imageAndMigration(name, args, this));
    this.secretKeyVolume = new docker.Volume(`${name}-secret-key`, { labels: labels(args.stack, "api-secret") }, { parent: this });
    const writerImage = secretKeyWriterImage(s.user, this.image.imageId, args.stableImage);
    this.secretKeyWrite = new command.local.Command(`${name}-secret-key-write`, {
      ...argvCommand(pulumi.all([writerImage, this.secretKeyVolume.name]).apply(([image, volume]) =>
        secretKeyWriteArgv({ image, volume, dir: SECRET_DIR, file: SECRET_KEY_FILE, stack: args.stack, user: s.user }))),
      environment: { DOCKER_HOST: args.dockerHost },
      stdin: args.secretKey,
      // A new key or a new volume is written again; a new image is not (the volume keeps it).
      triggers: [this.secretKeyVolume.name, args.secretKey],
    }, { parent: this, dependsOn: [this.secretKeyVolume] });
    const envs = pulumi.secret(pulumi.all([args.databaseUrl, args.redisUrl]).apply(([db, redis]) => [
      `DATABASE_URL=${db}`,
      `REDIS_URL=${redis}`,
      `SECRET_KEY_FILE=${SECRET_KEY_FILE}`,
      ...Object.entries(apiEnv(args)).map(([k, v]) => `${k}=${v}`),
      ...Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
    ]));

    this.replicas = Array.from({ length: s.replicas }, (_, i) => new docker.Container(`${name}-replica-${i}`, {
      // No `name` and no host port: Pulumi auto-names each container, so the new one
      // can run beside the old one during a replacement.
      image: this.image.imageId,
      envs,
      // The key is a file only the API user can read (the app reads SECRET_KEY_FILE), on a
      // volume mounted read-only.
      volumes: [{ volumeName: this.secretKeyVolume.name, containerPath: SECRET_DIR, readOnly: true }],
      user: s.user,
      readOnly: s.readOnlyRootFilesystem,
      ...(s.readOnlyRootFilesystem ? { tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" } } : {}),
      networksAdvanced: [{ name: args.edgeNetwork }, { name: args.internalNetwork }],
      healthcheck: apiHealthcheck(s),
      // The create only succeeds once Docker reports the container healthy.
      wait: true,
      waitTimeout: s.waitTimeoutSeconds,
      // SIGTERM, then this long to finish in-flight requests before SIGKILL.
      stopSignal: "SIGTERM",
      stopTimeout: s.destroyGraceSeconds,
      destroyGraceSeconds: s.destroyGraceSeconds,
      labels: [...labels(args.stack, "api"), { label: LABELS.version, value: args.version }],
      ...limits(s),
      ...hardening(),
      ...logOptions(args.logging),
    }, {
      parent: this,
      dependsOn: [this.migration, this.secretKeyWrite],
      // Explicit: create the new replica, delete the old one at the end of the update.
      deleteBeforeReplace: false,
      replaceOnChanges: REPLICA_REPLACE_ON_CHANGES,
    }));

    // Beside the replicas' creation (not before it): a new replica Docker calls unhealthy
    // is removed at once, so a bad image fails the update in seconds instead of after
    // waitTimeout, and leaves no broken replica running. Runs when the image changes,
    // which replaces every replica; any other input change runs NOTHING_ARGV.
    this.replicaWatch = new command.local.Command(`${name}-replica-watch`, {
      ...argvCommand(this.image.imageId.apply((image) =>
        replicaWatchArgv({ stack: args.stack, image, count: s.replicas, timeoutSeconds: s.waitTimeoutSeconds + 10 }))),
      update: JSON.stringify(NOTHING_ARGV),
      environment: { DOCKER_HOST: args.dockerHost },
      triggers: [this.image.imageId],
    }, { parent: this, dependsOn: [this.migration, this.secretKeyWrite] });

    this.replicaNames = pulumi.all(this.replicas.map((r) => r.name));
    this.serving = [...this.replicas, this.replicaWatch];
    this.upstreamTargets = this.replicaNames;
    this.registerOutputs({
      image: this.image, migration: this.migration, secretKeyVolume: this.secretKeyVolume, secretKeyWrite: this.secretKeyWrite,
      replicaWatch: this.replicaWatch, replicas: this.replicas, replicaNames: this.replicaNames,
    });
  }
}

/**
 * The API image (kept on the host after a change: a rollback starts without a pull) and
 * its migration: one container of the new image on the internal network, before any
 * new replica or task starts. Both runtimes share it.
 */
export function imageAndMigration(name: string, args: ApiArgs, parent: pulumi.Resource) {
  const s = args.settings;
  const image = new docker.RemoteImage(`${name}-image`, { name: args.image, keepLocally: true }, { parent });
  const migration = new command.local.Command(`${name}-migration`, {
    ...argvCommand(pulumi.all([image.imageId, args.internalNetwork]).apply(([id, network]) =>
      migrationArgv({ image: id, network, stack: args.stack, user: s.user, memoryMb: s.memoryMb, command: s.migrationCommand }))),
    environment: { DOCKER_HOST: args.dockerHost, DATABASE_URL: args.databaseUrl, REDIS_URL: args.redisUrl },
    // A new image runs its migrations again (they are idempotent: alembic records the head).
    triggers: [image.imageId],
  }, { parent, dependsOn: args.migrationDependsOn });
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
