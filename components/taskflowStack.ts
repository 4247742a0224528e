import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../config";
import { parseImageRef, versionOf } from "../config/imageRef";
import { Api, SWARM_CHECK, SwarmApi } from "./api";
import { Backup, Postgres, Redis } from "./data";
import { CanaryGate, HealthGate } from "./gates";
import { ACME_CA_ROOT_FILE, Cutover, Gateway, UPSTREAM_LOG_FILE } from "./gateway";
import { generatedPassword, hostCommand, Networks } from "./shared";

export interface TaskflowStackArgs {
  /** The Pulumi stack name; labels every Docker object so a stack's objects can be found. */
  stack: string;
  config: TaskflowConfig;
}

/**
 * The whole runtime on one Docker host, in rollout order: data stores -> (backup) ->
 * migration -> replicas -> replica gate -> cutover -> health gate (via the gateway).
 * The GitHub side of the release path is composed beside it in index.ts.
 */
export class TaskflowStack extends pulumi.ComponentResource {
  public readonly url: pulumi.Output<string>;
  public readonly image: pulumi.Output<string>;
  public readonly version: pulumi.Output<string>;
  public readonly replicaNames: pulumi.Output<string[]>;
  /** Swarm runtime: the API service's name ("" with containers). */
  public readonly apiService: pulumi.Output<string>;
  public readonly databaseHost: pulumi.Output<string>;
  public readonly cacheHost: pulumi.Output<string>;
  public readonly gatewayContainer: pulumi.Output<string>;

  constructor(name: string, args: TaskflowStackArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:TaskflowStack", name, {}, opts);
    const c = args.config;
    const stack = args.stack;
    const dockerHost = c.docker.host;
    const version = expectedVersion(c);
    const hsts = c.gateway.hsts ?? c.environment === "production";

    const swarm = c.runtime === "swarm";
    // Swarm: refuse before anything exists unless docker.host is a manager on the data node.
    const swarmCheck = swarm
      ? [
          hostCommand(
            `${name}-swarm-check`,
            {
              argv: ["node", SWARM_CHECK, "--data-label", c.swarm.dataNodeLabel],
              dockerHost,
            },
            { parent: this },
          ),
        ]
      : [];

    const networks = new Networks(`${name}-network`, { stack, overlay: swarm, dependsOn: swarmCheck }, { parent: this });
    const postgres = new Postgres(
      `${name}-postgres`,
      {
        stack,
        settings: c.postgres,
        logging: c.logging,
        internalNetwork: networks.internal.name,
        protectData: c.protectData,
        dockerHost,
      },
      { parent: this },
    );
    const redis = new Redis(
      `${name}-redis`,
      {
        stack,
        settings: c.redis,
        logging: c.logging,
        internalNetwork: networks.internal.name,
        protectData: c.protectData,
        dockerHost,
      },
      { parent: this },
    );

    const beforeMigration: pulumi.Resource[] = [postgres.container, postgres.roles, redis.container];
    if (c.backup.enabled) {
      const backup = new Backup(
        `${name}-backup`,
        {
          postgresContainer: postgres.container.name,
          image: c.image,
          keep: c.backup.keep,
          dockerHost,
          dependsOn: [postgres.container],
        },
        { parent: this },
      );
      beforeMigration.push(backup.command);
    }

    const apiArgs = {
      stack,
      image: c.image,
      version,
      settings: c.api,
      logging: c.logging,
      environment: c.environment,
      edgeNetwork: networks.edge.name,
      internalNetwork: networks.internal.name,
      databaseUrl: postgres.databaseUrl,
      migrationDatabaseUrl: postgres.ownerUrl,
      redisUrl: redis.url,
      dockerHost,
      migrationDependsOn: beforeMigration,
      secretKey: generatedPassword(`${name}-api-secret-key`, 48, this),
      stableImage: c.postgres.image,
    };

    const gateway = new Gateway(
      `${name}-gateway`,
      {
        stack,
        settings: c.gateway,
        logging: c.logging,
        edgeNetwork: networks.edge.name,
        apiPort: c.api.port,
        apiHealthPath: c.api.healthPath,
        hsts,
      },
      { parent: this },
    );

    // The API under either runtime: N named replicas, or a swarm service's tasks.
    const api: Api | SwarmApi = swarm
      ? new SwarmApi(`${name}-api`, { ...apiArgs, swarm: c.swarm }, { parent: this })
      : new Api(`${name}-api`, apiArgs, { parent: this });

    // Docker reported each new replica healthy once; before any traffic moves, they must
    // stay healthy and report the new version `attempts` rounds in a row. (Swarm: every
    // task reports the new version, which also catches an update swarm rolled back.)
    const replicaGate = new HealthGate(
      `${name}-replica-gate`,
      {
        expectedVersion: version,
        runtime: api,
        api: c.api,
        gate: c.healthGate,
        dockerHost,
        dependsOn: [],
      },
      { parent: this },
    );

    const probe = { port: c.api.port, healthPath: c.api.healthPath, intervalSeconds: c.gateway.healthIntervalSeconds };
    // A share of real traffic tries the new release before all of it moves: the update
    // stops here, with the old replicas serving alone again, if the new ones fail more
    // requests or answer slower than the old ones (container runtime: swarm replaces its
    // own tasks and has no old set to compare with).
    const canary =
      !swarm && canaryEnabled(c)
        ? new CanaryGate(
            `${name}-canary`,
            {
              gatewayContainer: gateway.container.name,
              stack,
              logFile: UPSTREAM_LOG_FILE,
              runtime: api,
              probe,
              canary: c.canary,
              dockerHost,
              dependsOn: [replicaGate.command, gateway.container, gateway.proxy],
            },
            { parent: this },
          )
        : undefined;

    const cutover = new Cutover(
      `${name}-cutover`,
      {
        gatewayContainer: gateway.container.name,
        gatewayId: gateway.container.id,
        runtime: api,
        probe,
        dockerHost,
        dependsOn: [replicaGate.command, ...(canary ? [canary.command] : []), gateway.container, gateway.proxy],
      },
      { parent: this },
    );

    // After the cutover: what clients reach through the gateway is the new version.
    new HealthGate(
      `${name}-health-gate`,
      {
        gatewayUrl: gateway.url,
        // A CA the host does not trust: Caddy's internal one, or gateway.acmeCaRoot's.
        gatewayCaFrom:
          c.gateway.domain !== undefined && (c.gateway.tls === "internal" || c.gateway.acmeCaRoot !== undefined)
            ? gateway.proxy.name
            : undefined,
        gatewayCaPath: c.gateway.acmeCaRoot !== undefined ? ACME_CA_ROOT_FILE : undefined,
        // A new Caddy (Caddyfile or image change) is healthy on its own socket; this checks
        // requests through the port before the old Caddy is deleted at the end of the update.
        gatewayProxyId: gateway.proxy.id,
        expectedVersion: version,
        runtime: api,
        api: c.api,
        gate: c.healthGate,
        dockerHost,
        dependsOn: [cutover.command, gateway.proxy],
      },
      { parent: this },
    );

    this.url = gateway.url;
    this.image = pulumi.output(c.image);
    this.version = pulumi.output(version);
    this.replicaNames = api.replicaNames;
    this.apiService = api instanceof SwarmApi ? api.serviceName : pulumi.output("");
    this.databaseHost = postgres.host;
    this.cacheHost = redis.host;
    this.gatewayContainer = gateway.container.name;
    this.registerOutputs({
      url: this.url,
      image: this.image,
      version: this.version,
      replicaNames: this.replicaNames,
      apiService: this.apiService,
      databaseHost: this.databaseHost,
      cacheHost: this.cacheHost,
      gatewayContainer: this.gatewayContainer,
    });
  }
}

/** `api.version` when set, else the image tag (the pipeline tags images with the commit SHA). */
export function expectedVersion(c: TaskflowConfig): string {
  const fromTag = versionOf(parseImageRef(c.image)!);
  const version = c.api.version ?? fromTag;
  // The schema requires api.version for a digest-only image, so this cannot happen.
  if (version === undefined) throw new Error("`api.version` is required when `image` has no tag");
  return version;
}

/** The canary runs in staging and production unless `canary.enabled` says otherwise (dev and previews serve no users). */
export function canaryEnabled(c: TaskflowConfig): boolean {
  return c.canary.enabled ?? (c.environment === "staging" || c.environment === "production");
}
