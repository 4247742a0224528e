import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { ApiRuntime } from "../gates";
import { hardening, hostCommand, LABELS, labels, limits, logOptions, NOTHING_ARGV } from "../shared";
import {
  replicaWatchArgv,
  SECRET_DIR,
  SECRET_FILES,
  secretFilesStdin,
  secretFilesWriteArgv,
  secretKeyWriterImage,
  secretsDigest,
} from "./commands";
import { ApiArgs, apiEnv, apiHealthcheck, imageAndMigration } from "./release";

/**
 * Inputs whose change must roll the replicas (new containers first, old ones last).
 * Most are ForceNew in the provider already; healthcheck and tmpfs are not: the
 * provider would record them as an in-place update and the running container would
 * keep its old health check. Memory and restart are left out: the provider changes
 * them in place with `docker update`. (cpus is ForceNew: a change rolls the replicas.)
 */
export const REPLICA_REPLACE_ON_CHANGES = [
  "image",
  "envs",
  "command",
  "entrypoints",
  "healthcheck",
  "user",
  "labels",
  "networksAdvanced",
  "readOnly",
  "tmpfs",
  "capabilities",
  "securityOpts",
  "logDriver",
  "logOpts",
  "uploads",
  "volumes",
  "workingDir",
  "stopSignal",
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
    const secretFiles = pulumi.secret(
      pulumi
        .all([args.secretKey, args.databaseUrl, args.redisUrl])
        .apply(([key, db, redis]) => secretFilesStdin({ SECRET_KEY: key, DATABASE_URL: db, REDIS_URL: redis })),
    );
    this.secretKeyWrite = hostCommand(
      `${name}-secret-key-write`,
      {
        argv: pulumi
          .all([writerImage, this.secretKeyVolume.name])
          .apply(([image, volume]) => secretFilesWriteArgv({ image, volume, stack: args.stack, user: s.user })),
        dockerHost: args.dockerHost,
        stdin: secretFiles,
        // New secrets or a new volume are written again; a new image is not (the volume keeps them).
        triggers: [this.secretKeyVolume.name, args.secretKey, args.databaseUrl, args.redisUrl],
      },
      { parent: this, dependsOn: [this.secretKeyVolume] },
    );
    // No secret in the environment (`docker inspect` shows it): the app reads *_FILE.
    const envs = [
      `DATABASE_URL_FILE=${SECRET_FILES.DATABASE_URL}`,
      `REDIS_URL_FILE=${SECRET_FILES.REDIS_URL}`,
      `SECRET_KEY_FILE=${SECRET_FILES.SECRET_KEY}`,
      ...Object.entries(apiEnv(args)).map(([k, v]) => `${k}=${v}`),
      ...Object.entries(s.env).map(([k, v]) => `${k}=${v}`),
    ];

    this.replicas = Array.from(
      { length: s.replicas },
      (_, i) =>
        new docker.Container(
          `${name}-replica-${i}`,
          {
            // No `name` and no host port: Pulumi auto-names each container, so the new one
            // can run beside the old one during a replacement.
            image: this.image.imageId,
            envs,
            // The secrets are files only the API user can read (the app reads *_FILE), on a
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
            // A rotated secret rolls the replicas (labels replace, new first): each reads its files once, at start.
            labels: [
              ...labels(args.stack, "api"),
              { label: LABELS.version, value: args.version },
              { label: LABELS.rotation, value: pulumi.unsecret(secretFiles.apply(secretsDigest)) },
            ],
            ...limits(s),
            ...hardening(),
            ...logOptions(args.logging),
          },
          {
            parent: this,
            dependsOn: [this.migration, this.secretKeyWrite],
            // Explicit: create the new replica, delete the old one at the end of the update.
            deleteBeforeReplace: false,
            replaceOnChanges: REPLICA_REPLACE_ON_CHANGES,
          },
        ),
    );

    // Beside the replicas' creation (not before it): a new replica Docker calls unhealthy
    // is removed at once, so a bad image fails the update in seconds instead of after
    // waitTimeout, and leaves no broken replica running. Runs when the image changes,
    // which replaces every replica; any other input change runs NOTHING_ARGV.
    this.replicaWatch = hostCommand(
      `${name}-replica-watch`,
      {
        argv: this.image.imageId.apply((image) =>
          replicaWatchArgv({ stack: args.stack, image, count: s.replicas, timeoutSeconds: s.waitTimeoutSeconds + 10 }),
        ),
        update: NOTHING_ARGV,
        dockerHost: args.dockerHost,
        triggers: [this.image.imageId],
      },
      { parent: this, dependsOn: [this.migration, this.secretKeyWrite] },
    );

    this.replicaNames = pulumi.all(this.replicas.map((r) => r.name));
    this.serving = [...this.replicas, this.replicaWatch];
    this.upstreamTargets = this.replicaNames;
    this.registerOutputs({
      image: this.image,
      migration: this.migration,
      secretKeyVolume: this.secretKeyVolume,
      secretKeyWrite: this.secretKeyWrite,
      replicaWatch: this.replicaWatch,
      replicas: this.replicas,
      replicaNames: this.replicaNames,
    });
  }
}
