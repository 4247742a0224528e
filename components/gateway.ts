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
  /** The API's port and health path: the gateway's own health checks of the replicas use them. */
  apiPort: number;
  healthPath: string;
  /** Strict-Transport-Security on HTTPS responses. */
  hsts: boolean;
}

const CADDYFILE = "/etc/caddy/Caddyfile";

/**
 * Caddy, publishing the stack's only host ports (HTTP, and HTTPS with a domain). Its
 * Caddyfile is the same for every release: the Cutover changes the upstream set through
 * gateway-upstreams (images/caddy), so a rollout neither replaces nor reloads it.
 */
export class Gateway extends pulumi.ComponentResource {
  public readonly container: docker.Container;
  public readonly configVolume: docker.Volume;
  public readonly dataVolume?: docker.Volume;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Gateway", name, {}, opts);
    const s = args.settings;

    // The upstream names the last cutover chose live here, so a restarted gateway serves
    // them again at once. No Caddy config is resumed from it: a replaced gateway starts
    // with the Caddyfile rendered now.
    this.configVolume = new docker.Volume(`${name}-config`, { labels: labels(args.stack, "gateway-config") }, { parent: this });
    // With a domain: certificates, keys and the ACME account live here, so a restarted
    // or replaced gateway does not ask the CA again (and never hits its rate limits).
    this.dataVolume = s.domain === undefined ? undefined
      : new docker.Volume(`${name}-certificates`, { labels: labels(args.stack, "gateway-certificates") }, { parent: this });

    const caddyfile = renderCaddyfile({ gateway: s, apiPort: args.apiPort, hsts: args.hsts });
    const ports = [{ internal: s.listenPort, external: s.hostPort, ip: s.bindAddress, protocol: "tcp" }];
    if (s.domain !== undefined) ports.push({ internal: s.httpsListenPort, external: s.httpsHostPort, ip: s.bindAddress, protocol: "tcp" });

    this.container = new docker.Container(`${name}-container`, {
      image: s.image,
      user: s.user,
      // images/caddy/gateway-init: dnsmasq, the upstream watcher and `caddy run` on CADDYFILE.
      command: ["gateway-init"],
      envs: [
        "XDG_CONFIG_HOME=/config", "XDG_DATA_HOME=/data",
        `GATEWAY_UPSTREAM_PORT=${args.apiPort}`,
        `GATEWAY_UPSTREAM_HEALTH_PATH=${args.healthPath}`,
        `GATEWAY_UPSTREAM_INTERVAL_SECONDS=${s.healthIntervalSeconds}`,
      ],
      uploads: [{ file: CADDYFILE, content: caddyfile, owner: uidOf(s.user), permissions: "0444" }],
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
      // replaced stop-first. Rollouts never replace it (the Cutover sets its upstreams).
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
