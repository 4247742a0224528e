import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { generatedPassword, hardening, labels, limits, logOptions, seconds, uidOf } from "../shared";
import { REDIS_HEALTHCHECK_TEST, REDIS_PASSWORD_FILE } from "./commands";
import { dataVolume } from "./dataVolume";
import { REDIS_APP_USER, renderRedisConf } from "./redisConf";

export interface RedisArgs {
  stack: string;
  settings: TaskflowConfig["redis"];
  logging: TaskflowConfig["logging"];
  internalNetwork: pulumi.Input<string>;
  protectData: boolean;
}

export const REDIS_HOST = "redis";
const CONF_FILE = "/run/secrets/redis.conf";

export class Redis extends pulumi.ComponentResource {
  public readonly password: pulumi.Output<string>;
  public readonly container: docker.Container;
  public readonly volume: docker.Volume;
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
    const owner = uidOf(s.runAs);
    this.container = new docker.Container(
      `${name}-container`,
      {
        image: s.image,
        user: s.runAs,
        command: ["redis-server", CONF_FILE],
        uploads: [
          { file: CONF_FILE, content: conf, owner, permissions: "0400" },
          { file: REDIS_PASSWORD_FILE, content: this.password, owner, permissions: "0400" },
        ],
        volumes: [{ volumeName: this.volume.name, containerPath: "/data" }],
        networksAdvanced: [{ name: args.internalNetwork, aliases: [REDIS_HOST] }],
        healthcheck: { tests: REDIS_HEALTHCHECK_TEST, interval: seconds(2), timeout: seconds(3), retries: 5, startPeriod: seconds(5) },
        wait: true,
        waitTimeout: 60,
        stopTimeout: 30,
        destroyGraceSeconds: 30,
        labels: labels(args.stack, "redis"),
        ...limits(s),
        ...hardening(),
        ...logOptions(args.logging),
      },
      {
        parent: this,
        // One writer per append-only file: the old server stops before the new one starts.
        deleteBeforeReplace: true,
        dependsOn: [this.volume],
      },
    );

    this.host = pulumi.output(REDIS_HOST);
    // The API's connection: its own ACL user, not the default (admin) user.
    this.url = pulumi.secret(pulumi.interpolate`redis://${REDIS_APP_USER}:${appPassword}@${REDIS_HOST}:6379/0`);
    this.registerOutputs({ password: this.password, container: this.container, volume: this.volume, host: this.host, url: this.url });
  }
}
