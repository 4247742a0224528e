import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import {
  generatedPassword,
  hardening,
  LABELS,
  labels,
  limits,
  logOptions,
  readOnlyRoot,
  seconds,
  secretFilesDigest,
  secretFilesWriter,
  SECRETS_DIR,
} from "../shared";
import { REDIS_HEALTHCHECK_TEST, REDIS_PASSWORD_FILE_NAME } from "./commands";
import { dataVolume } from "./dataVolume";
import { REDIS_APP_USER, renderRedisConf } from "./redisConf";

export interface RedisArgs {
  stack: string;
  settings: TaskflowConfig["redis"];
  logging: TaskflowConfig["logging"];
  internalNetwork: pulumi.Input<string>;
  protectData: boolean;
  /** Where the secrets writer runs (`docker run`). */
  dockerHost: string;
}

export const REDIS_HOST = "redis";
/** On the secrets volume, written by the secrets writer (shared/secretFilesWriter.ts). */
const CONF_FILE_NAME = "redis.conf";

export class Redis extends pulumi.ComponentResource {
  public readonly password: pulumi.Output<string>;
  public readonly container: docker.Container;
  public readonly volume: docker.Volume;
  /** redis.conf (with the ACL users' passwords) and the admin password file. */
  public readonly secretsVolume: docker.Volume;
  /** Writes redis.conf and the password file onto secretsVolume before the server starts. */
  public readonly secretsWrite: command.local.Command;
  public readonly host: pulumi.Output<string>;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: RedisArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Redis", name, {}, opts);
    const s = args.settings;
    this.password = generatedPassword(`${name}-password`, s.passwordLength, this);
    const appPassword = generatedPassword(`${name}-app-password`, s.passwordLength, this);
    const conf = pulumi.secret(
      pulumi.all([this.password, appPassword]).apply(([p, a]) =>
        renderRedisConf({
          password: p,
          appPassword: a,
          maxmemoryMb: s.maxmemoryMb,
          maxmemoryPolicy: s.maxmemoryPolicy,
          appendonly: s.appendonly,
        }),
      ),
    );

    this.volume = dataVolume(`${name}-volume`, args.stack, "redis-data", args.protectData, this);
    this.secretsVolume = new docker.Volume(`${name}-secrets`, { labels: labels(args.stack, "redis-secrets") }, { parent: this });
    const files = { [CONF_FILE_NAME]: conf, [REDIS_PASSWORD_FILE_NAME]: this.password };
    this.secretsWrite = secretFilesWriter(
      `${name}-secrets-write`,
      {
        stack: args.stack,
        role: "redis-secret-writer",
        image: s.image,
        volume: this.secretsVolume.name,
        owner: s.runAs,
        dockerHost: args.dockerHost,
        files,
      },
      { parent: this, dependsOn: [this.secretsVolume] },
    );
    this.container = new docker.Container(
      `${name}-container`,
      {
        image: s.image,
        user: s.runAs,
        command: ["redis-server", `${SECRETS_DIR}/${CONF_FILE_NAME}`],
        volumes: [
          { volumeName: this.volume.name, containerPath: "/data" },
          { volumeName: this.secretsVolume.name, containerPath: SECRETS_DIR, readOnly: true },
        ],
        // The server writes only /data (its append-only file) and temp files.
        ...readOnlyRoot(s.runAs, { "/tmp": 16 }),
        networksAdvanced: [{ name: args.internalNetwork, aliases: [REDIS_HOST] }],
        healthcheck: { tests: REDIS_HEALTHCHECK_TEST, interval: seconds(2), timeout: seconds(3), retries: 5, startPeriod: seconds(5) },
        wait: true,
        waitTimeout: 60,
        stopTimeout: 30,
        destroyGraceSeconds: 30,
        // The server reads its files only when it starts: new ones (a rotated password)
        // replace it (stop-first, as for any change).
        labels: [
          ...labels(args.stack, "redis"),
          { label: LABELS.rotation, value: pulumi.unsecret(pulumi.all(files).apply(secretFilesDigest)) },
        ],
        ...limits(s),
        ...hardening(),
        ...logOptions(args.logging),
      },
      {
        parent: this,
        // One writer per append-only file: the old server stops before the new one starts.
        deleteBeforeReplace: true,
        // The provider cannot change these on a running container (the API's list, api.ts).
        replaceOnChanges: ["readOnly", "tmpfs"],
        dependsOn: [this.volume, this.secretsWrite],
      },
    );

    this.host = pulumi.output(REDIS_HOST);
    // The API's connection: its own ACL user, not the default (admin) user.
    this.url = pulumi.secret(pulumi.interpolate`redis://${REDIS_APP_USER}:${appPassword}@${REDIS_HOST}:6379/0`);
    this.registerOutputs({
      password: this.password,
      container: this.container,
      volume: this.volume,
      secretsVolume: this.secretsVolume,
      host: this.host,
      url: this.url,
    });
  }
}
