import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TaskflowConfig } from "./config";
import { renderCaddyfile } from "./caddyfile";
import { gatewayHealthcheckTest } from "./commands";
import { hardening, labels, limits, logOptions, seconds, uidOf } from "./containerDefaults";

export interface GatewayArgs {
  stack: string;
  settings: TaskflowConfig["gateway"];
  logging: TaskflowConfig["logging"];
  edgeNetwork: pulumi.Input<string>;
  /** The API's health path: Caddy's active checks use the same endpoint as Docker's. */
  healthPath: string;
}

const CADDYFILE = "/etc/caddy/Caddyfile";

/**
 * Caddy, publishing the stack's only host port. It starts with no upstreams; the
 * Cutover loads the replica list into it, so a rollout never replaces this container.
 */
export class Gateway extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly configVolume: docker.Volume;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Gateway", name, {}, opts);
    const s = args.settings;

    // Caddy autosaves every loaded config here; `--resume` reloads it after a restart,
    // so a restarted gateway keeps the upstreams of the last cutover.
    this.configVolume = new docker.Volume(`${name}-config`, { labels: labels(args.stack, "gateway-config") }, { parent: this });

    const initial = renderCaddyfile({
      listenPort: s.listenPort, upstreams: [], healthPath: args.healthPath,
      healthIntervalSeconds: s.healthIntervalSeconds, lbTryDurationSeconds: s.lbTryDurationSeconds,
      gracePeriodSeconds: s.gracePeriodSeconds,
    });

    this.container = new docker.Container(`${name}-container`, {
      image: s.image,
      user: s.user,
      command: ["caddy", "run", "--config", CADDYFILE, "--adapter", "caddyfile", "--resume"],
      envs: ["XDG_CONFIG_HOME=/config", "XDG_DATA_HOME=/data"],
      uploads: [{ file: CADDYFILE, content: initial, owner: uidOf(s.user), permissions: "0444" }],
      volumes: [{ volumeName: this.configVolume.name, containerPath: "/config" }],
      tmpfs: { "/data": "rw,noexec,nosuid,size=16m" },
      ports: [{ internal: s.listenPort, external: s.hostPort, ip: s.bindAddress, protocol: "tcp" }],
      networksAdvanced: [{ name: args.edgeNetwork }],
      healthcheck: { tests: gatewayHealthcheckTest(s.listenPort), interval: seconds(5), timeout: seconds(3), retries: 3, startPeriod: seconds(2) },
      wait: true,
      waitTimeout: 60,
      stopTimeout: s.gracePeriodSeconds,
      destroyGraceSeconds: s.gracePeriodSeconds,
      labels: labels(args.stack, "gateway"),
      ...limits(s),
      ...hardening(),
      ...logOptions(args.logging),
    }, {
      parent: this,
      // A host port cannot be held by two containers: the gateway is the one container
      // replaced stop-first. Rollouts never replace it (the Cutover reloads it instead).
      deleteBeforeReplace: true,
      dependsOn: [this.configVolume],
    });

    this.url = pulumi.output(s.publicUrl ?? `http://127.0.0.1:${s.hostPort}`);
    this.registerOutputs({ container: this.container, configVolume: this.configVolume, url: this.url });
  }
}
