import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { TaskflowConfig } from "./config";
import { httpsPortSuffix, renderCaddyfile } from "./caddyfile";
import { gatewayHealthcheckTest } from "./commands";
import { hardening, labels, limits, logOptions, seconds, uidOf } from "./containerDefaults";

export interface GatewayArgs {
  stack: string;
  settings: TaskflowConfig["gateway"];
  logging: TaskflowConfig["logging"];
  edgeNetwork: pulumi.Input<string>;
  /** The API's health path: Caddy's active checks use the same endpoint as Docker's. */
  healthPath: string;
  /** Strict-Transport-Security on HTTPS responses. */
  hsts: boolean;
}

const CADDYFILE = "/etc/caddy/Caddyfile";

/**
 * Caddy, publishing the stack's only host ports (HTTP, and HTTPS with a domain). It
 * starts with no upstreams; the Cutover loads them into it, so a rollout never
 * replaces this container.
 */
export class Gateway extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly configVolume: docker.Volume;
  public readonly dataVolume?: docker.Volume;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Gateway", name, {}, opts);
    const s = args.settings;

    // Caddy autosaves every loaded config here; `--resume` reloads it after a restart,
    // so a restarted gateway keeps the upstreams of the last cutover.
    this.configVolume = new docker.Volume(`${name}-config`, { labels: labels(args.stack, "gateway-config") }, { parent: this });
    // With a domain: certificates, keys and the ACME account live here, so a restarted
    // or replaced gateway does not ask the CA again (and never hits its rate limits).
    this.dataVolume = s.domain === undefined ? undefined
      : new docker.Volume(`${name}-certificates`, { labels: labels(args.stack, "gateway-certificates") }, { parent: this });

    const initial = renderCaddyfile({ gateway: s, upstreams: [], healthPath: args.healthPath, hsts: args.hsts });
    const ports = [{ internal: s.listenPort, external: s.hostPort, ip: s.bindAddress, protocol: "tcp" }];
    if (s.domain !== undefined) ports.push({ internal: s.httpsListenPort, external: s.httpsHostPort, ip: s.bindAddress, protocol: "tcp" });

    this.container = new docker.Container(`${name}-container`, {
      image: s.image,
      user: s.user,
      command: ["caddy", "run", "--config", CADDYFILE, "--adapter", "caddyfile", "--resume"],
      envs: ["XDG_CONFIG_HOME=/config", "XDG_DATA_HOME=/data"],
      uploads: [{ file: CADDYFILE, content: initial, owner: uidOf(s.user), permissions: "0444" }],
      volumes: [
        { volumeName: this.configVolume.name, containerPath: "/config" },
        ...(this.dataVolume ? [{ volumeName: this.dataVolume.name, containerPath: "/data" }] : []),
      ],
      ...(this.dataVolume ? {} : { tmpfs: { "/data": "rw,noexec,nosuid,size=16m" } }),
      ports,
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
      dependsOn: [this.configVolume, ...(this.dataVolume ? [this.dataVolume] : [])],
    });

    this.url = pulumi.output(gatewayUrl(s));
    this.registerOutputs({ container: this.container, configVolume: this.configVolume, dataVolume: this.dataVolume, url: this.url });
  }
}

/** Where clients reach the gateway: publicUrl, else https://<domain>[:port], else the local port. */
export function gatewayUrl(s: TaskflowConfig["gateway"]): string {
  if (s.publicUrl) return s.publicUrl;
  if (s.domain) return `https://${s.domain}${httpsPortSuffix(s)}`;
  return `http://127.0.0.1:${s.hostPort}`;
}
