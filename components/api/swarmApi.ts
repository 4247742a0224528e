import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { ApiRuntime, ServiceProbe } from "../gates";
import { LABELS, labels, seconds } from "../shared";
import { SECRET_FILES } from "./commands";
import { ApiArgs, apiEnv, apiHealthcheck, imageAndMigration } from "./release";

export interface SwarmApiArgs extends ApiArgs {
  swarm: TaskflowConfig["swarm"];
}

/**
 * The API as a swarm service (runtime: swarm). Swarm does the rollout itself:
 * `order: start-first` starts each new task and waits until its health check passes
 * before it stops an old one; a task that fails within `monitor` rolls the whole
 * update back to the previous spec (`failureAction: rollback`), so the old version
 * keeps serving. The gateway follows the service's tasks through Docker DNS
 * (`tasks.<service>`), so there is no cutover per release.
 */
export class SwarmApi extends pulumi.ComponentResource implements ApiRuntime {
  public readonly image: docker.RemoteImage;
  public readonly migration: command.local.Command;
  public readonly secrets: docker.Secret[];
  public readonly service: docker.Service;
  public readonly serviceName: pulumi.Output<string>;
  public readonly serving: pulumi.Resource[];
  public readonly replicaNames: pulumi.Output<string[]>;
  public readonly serviceProbe: pulumi.Output<ServiceProbe>;
  public readonly upstreamTargets: pulumi.Output<string[]>;
  public readonly gateTrigger: pulumi.Output<unknown>;

  constructor(name: string, args: SwarmApiArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:SwarmApi", name, {}, opts);
    const s = args.settings;
    const w = args.swarm;
    ({ image: this.image, migration: this.migration } = imageAndMigration(name, args, this));

    // Docker secrets are immutable: a new value is a new secret (auto-named), the
    // service switches to it in the same rolling update, the old one is deleted last.
    const secret = (key: string, value: pulumi.Output<string>) =>
      new docker.Secret(
        `${name}-${key}`,
        {
          data: value.apply((v) => Buffer.from(v, "utf8").toString("base64")),
          labels: labels(args.stack, "api-secret"),
        },
        { parent: this },
      );
    const database = secret("database-url", args.databaseUrl);
    const cache = secret("redis-url", args.redisUrl);
    const key = secret("secret-key", args.secretKey);
    this.secrets = [database, cache, key];
    const [uid, gid = uid] = s.user.split(":");
    const mount = (sec: docker.Secret, fileName: string) => ({
      secretId: sec.id,
      secretName: sec.name,
      fileName,
      fileUid: uid,
      fileGid: gid,
      fileMode: 0o400,
    });

    // Tasks run the reference itself (a digest when the registry gave one), which every
    // node can pull; an image id would only exist on the node that pulled it.
    const taskImage = this.image.repoDigest.apply((d) => (d ? d : args.image));
    const update = {
      parallelism: w.updateParallelism,
      delay: seconds(w.updateDelaySeconds),
      order: "start-first",
      monitor: seconds(w.monitorSeconds),
      maxFailureRatio: "0",
    };

    this.service = new docker.Service(
      `${name}-service`,
      {
        labels: labels(args.stack, "api"),
        taskSpec: {
          containerSpec: {
            image: taskImage,
            env: {
              ...s.env,
              ...apiEnv(args),
              DATABASE_URL_FILE: SECRET_FILES.DATABASE_URL,
              REDIS_URL_FILE: SECRET_FILES.REDIS_URL,
              SECRET_KEY_FILE: SECRET_FILES.SECRET_KEY,
            },
            secrets: [
              mount(database, SECRET_FILES.DATABASE_URL),
              mount(cache, SECRET_FILES.REDIS_URL),
              mount(key, SECRET_FILES.SECRET_KEY),
            ],
            user: s.user,
            readOnly: s.readOnlyRootFilesystem,
            mounts: s.readOnlyRootFilesystem ? [{ target: "/tmp", type: "tmpfs", tmpfsOptions: { sizeBytes: 64 * 1024 * 1024 } }] : [],
            healthcheck: apiHealthcheck(s),
            stopSignal: "SIGTERM",
            stopGracePeriod: seconds(s.destroyGraceSeconds),
            // Swarm services have no no-new-privileges option (Docker 20.10); capabilities go.
            capDrops: ["ALL"],
            labels: [...labels(args.stack, "api"), { label: LABELS.version, value: args.version }],
          },
          networksAdvanceds: [{ name: args.edgeNetwork }, { name: args.internalNetwork }],
          resources: { limits: { memoryBytes: s.memoryMb * 1024 * 1024, nanoCpus: Math.round(s.cpus * 1e9) } },
          restartPolicy: { condition: "any", delay: "2s" },
          placement: { constraints: w.apiConstraints },
          logDriver: { name: "json-file", options: { "max-size": args.logging.maxSize, "max-file": String(args.logging.maxFiles) } },
        },
        mode: { replicated: { replicas: s.replicas } },
        updateConfig: { ...update, failureAction: "rollback" },
        rollbackConfig: { ...update, failureAction: "pause" },
        // DNS round robin, no virtual IP: the gateway resolves the tasks itself.
        endpointSpec: { mode: "dnsrr" },
        // `pulumi up` waits until every task of the new spec runs (healthy) or times out.
        convergeConfig: { delay: "1s", timeout: seconds(s.waitTimeoutSeconds) },
      },
      { parent: this, dependsOn: [this.migration] },
    );

    this.serviceName = this.service.name;
    this.serving = [this.service];
    this.replicaNames = pulumi.output([]);
    // The gates probe every task from a container of the new image on the edge network.
    this.serviceProbe = pulumi.all([this.serviceName, args.edgeNetwork, this.image.imageId]).apply(([svc, network, probeImage]) => ({
      name: svc,
      taskCount: s.replicas,
      network,
      probeImage,
      stack: args.stack,
    }));
    // The gateway follows every task through Docker DNS: one target, never a reload.
    this.upstreamTargets = this.serviceName.apply((svc) => [`tasks.${svc}`]);
    this.gateTrigger = pulumi.all([this.service.taskSpec, this.service.mode]);
    this.registerOutputs({
      image: this.image,
      migration: this.migration,
      secrets: this.secrets,
      service: this.service,
      serviceName: this.serviceName,
    });
  }
}
