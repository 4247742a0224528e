import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { hardening, labels, limits, logOptions, readOnlyRoot, seconds } from "../shared";
import { ACME_CA_ROOT_FILE, GATEWAY_RUN_DIR, httpsPortSuffix, renderCaddyfile, UPSTREAM_LOG_DIR, UPSTREAM_LOG_MB } from "./caddyfile";
import { CADDY_HEALTHCHECK_TEST, GATEWAY_EDGE_HEALTHCHECK_TEST } from "./commands";

export interface GatewayArgs {
  stack: string;
  settings: TaskflowConfig["gateway"];
  logging: TaskflowConfig["logging"];
  edgeNetwork: pulumi.Input<string>;
  /** The API's port on every replica (the Caddyfile's upstream port). */
  apiPort: number;
  /** The API's health path (the public answer to it says only ok or unavailable). */
  apiHealthPath: string;
  /** Strict-Transport-Security on HTTPS responses. */
  hsts: boolean;
}

/**
 * A Caddy's Caddyfile travels in its environment (no secret is in it): its root
 * filesystem is read-only, and Docker refuses the provider's uploads there (it extracts
 * them at "/", shared/secretFilesWriter.ts). The container's command writes it onto a
 * tmpfs at /etc/caddy, where every gateway image's gateway-proxy-init reads it, so an
 * upgrade works with the gateway image a stack already pins.
 */
export const CADDYFILE_ENV = "GATEWAY_CADDYFILE";
const CADDYFILE_DIR = "/etc/caddy";
/** Only the variable's value is written: nothing of the Caddyfile is shell-interpreted. */
const WRITE_CADDYFILE_THEN_RUN = `printf '%s\\n' "$${CADDYFILE_ENV}" > ${CADDYFILE_DIR}/Caddyfile && exec gateway-proxy-init`;
/** gateway.acmeCaRoot travels the same way, to the file the Caddyfile names (only when set: other stacks' command is unchanged). */
export const ACME_CA_ROOT_ENV = "GATEWAY_ACME_CA_ROOT";
const WRITE_ACME_CA_ROOT = `printf '%s\\n' "$${ACME_CA_ROOT_ENV}" > ${ACME_CA_ROOT_FILE} && `;
/** The edge runs dnsmasq and a shell loop: small, fixed limits. */
const EDGE_LIMITS = { memoryMb: 64, cpus: 0.25 };
/** Both containers' Docker health check timing. */
const HEALTH_TIMING = { interval: seconds(5), timeout: seconds(3), retries: 3, startPeriod: seconds(2) };

/**
 * The stack's only published ports, in two kinds of container (image/):
 *
 * - the edge holds the network namespace, the host ports and the upstream set (dnsmasq
 *   and gateway-upstreams). The Cutover runs `gateway-upstreams set` in it, with how to
 *   probe the replicas. It changes only when what it holds changes (ports, bind address,
 *   user), and then it is replaced stop-first: one host port, one holder.
 * - Caddy runs in its own container inside the edge's namespace. Its Caddyfile is the
 *   same for every release, so a rollout neither replaces nor reloads it. Any other
 *   gateway change (Caddyfile, image, limits, TLS) replaces it start-first: the new
 *   Caddy listens beside the old one on the same port (SO_REUSEPORT), passes its own
 *   health check, and only then is the old one drained and stopped, so no client
 *   connection is cut (image/gateway-proxy-init).
 */
export class Gateway extends pulumi.ComponentResource {
  /** The edge: ports, network, upstream set. `docker exec` it for gateway-upstreams. */
  public readonly container: docker.Container;
  /** The Caddy serving now: TLS, headers, the reverse proxy. */
  public readonly proxy: docker.Container;
  public readonly configVolume: docker.Volume;
  public readonly dataVolume?: docker.Volume;
  public readonly url: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Gateway", name, {}, opts);
    const s = args.settings;

    // The upstream names the last cutover chose live here, so a restarted edge serves
    // them again at once. No Caddy config is resumed from anywhere: a new Caddy starts
    // with the Caddyfile rendered now.
    this.configVolume = new docker.Volume(`${name}-config`, { labels: labels(args.stack, "gateway-config") }, { parent: this });
    // With a domain: certificates, keys and the ACME account live here, so a new Caddy
    // does not ask the CA again (and never hits its rate limits). Two Caddys share it
    // during a replacement; Caddy's file storage locks what it writes.
    this.dataVolume =
      s.domain === undefined
        ? undefined
        : new docker.Volume(`${name}-certificates`, { labels: labels(args.stack, "gateway-certificates") }, { parent: this });

    const ports = [{ internal: s.listenPort, external: s.hostPort, ip: s.bindAddress, protocol: "tcp" }];
    if (s.domain !== undefined) ports.push({ internal: s.httpsListenPort, external: s.httpsHostPort, ip: s.bindAddress, protocol: "tcp" });

    this.container = new docker.Container(
      `${name}-edge`,
      {
        image: s.image,
        user: s.user,
        // image/gateway-edge-init: dnsmasq and the upstream watcher, restarted if they exit.
        // How to probe the replicas comes with each cutover (gateway-upstreams set --port ...),
        // so the edge has no per-release setting in its environment.
        command: ["gateway-edge-init"],
        volumes: [{ volumeName: this.configVolume.name, containerPath: "/config" }],
        ports,
        networksAdvanced: [{ name: args.edgeNetwork }],
        // When the old Caddy closes its listener, connections queued on it move to the new
        // Caddy's listener instead of being reset (Linux ip-sysctl.rst, tcp_migrate_req).
        sysctls: { "net.ipv4.tcp_migrate_req": "1" },
        // dnsmasq's hosts file, pid and lock files, and bash's temp files.
        ...readOnlyRoot(s.user, { [GATEWAY_RUN_DIR]: 1, "/tmp": 16 }),
        healthcheck: { tests: GATEWAY_EDGE_HEALTHCHECK_TEST, ...HEALTH_TIMING },
        wait: true,
        waitTimeout: 60,
        labels: labels(args.stack, "gateway"),
        ...limits(EDGE_LIMITS),
        ...hardening(),
        ...logOptions(args.logging),
      },
      {
        parent: this,
        // A host port cannot be held by two containers: the edge is replaced stop-first.
        deleteBeforeReplace: true,
        // The provider cannot change these on a running container (the API's list, api.ts).
        replaceOnChanges: ["readOnly", "tmpfs"],
        // The edge runs only dnsmasq and gateway-upstreams; a new gateway image is for
        // Caddy, and replacing the edge for it would close the port. It reaches the edge
        // when the edge is next replaced (RUNBOOK: "Upgrade the gateway edge").
        ignoreChanges: ["image"],
        dependsOn: [this.configVolume],
      },
    );

    const caddyfile = renderCaddyfile({ gateway: s, apiPort: args.apiPort, healthPath: args.apiHealthPath, hsts: args.hsts });
    const stopSeconds = s.drainSeconds + s.gracePeriodSeconds + 5;
    this.proxy = new docker.Container(
      `${name}-caddy`,
      {
        image: s.image,
        user: s.user,
        // image/gateway-proxy-init: `caddy run` on /etc/caddy/Caddyfile, drained on SIGTERM.
        command: ["sh", "-c", `${s.acmeCaRoot ? WRITE_ACME_CA_ROOT : ""}${WRITE_CADDYFILE_THEN_RUN}`],
        envs: [
          "XDG_CONFIG_HOME=/config",
          "XDG_DATA_HOME=/data",
          `GATEWAY_DRAIN_SECONDS=${s.drainSeconds}`,
          `${CADDYFILE_ENV}=${caddyfile}`,
          ...(s.acmeCaRoot ? [`${ACME_CA_ROOT_ENV}=${s.acmeCaRoot.trimEnd()}`] : []),
        ],
        networkMode: pulumi.interpolate`container:${this.container.id}`,
        // The Caddyfile, the admin and health sockets and the drain flag (GATEWAY_RUN_DIR),
        // Caddy's autosaved config (/config), without a domain its storage (/data), and
        // the upstream log the canary reads (caddyfile.ts upstreamLog; it counts against memoryMb).
        ...readOnlyRoot(s.user, {
          [CADDYFILE_DIR]: 1,
          [GATEWAY_RUN_DIR]: 1,
          [UPSTREAM_LOG_DIR]: UPSTREAM_LOG_MB,
          "/tmp": 16,
          "/config": 16,
          ...(this.dataVolume ? {} : { "/data": 16 }),
        }),
        ...(this.dataVolume ? { volumes: [{ volumeName: this.dataVolume.name, containerPath: "/data" }] } : {}),
        healthcheck: { tests: CADDY_HEALTHCHECK_TEST, ...HEALTH_TIMING },
        wait: true,
        waitTimeout: 60,
        // Drain, then Caddy's own grace period for requests in flight, then a margin.
        stopTimeout: stopSeconds,
        destroyGraceSeconds: stopSeconds,
        labels: labels(args.stack, "gateway-caddy"),
        ...limits(s),
        ...hardening(),
        ...logOptions(args.logging),
      },
      {
        parent: this,
        // Start-first: the new Caddy is healthy (its own socket answers) before the old one
        // is drained and deleted at the end of the update. Explicit, because pulumi-docker
        // replaces containers delete-first by default.
        deleteBeforeReplace: false,
        // The provider cannot change these on a running container; a change must replace it.
        replaceOnChanges: ["healthcheck", "readOnly", "tmpfs", "stopTimeout"],
        dependsOn: [this.container, ...(this.dataVolume ? [this.dataVolume] : [])],
      },
    );

    this.url = pulumi.output(gatewayUrl(s));
    this.registerOutputs({
      container: this.container,
      proxy: this.proxy,
      configVolume: this.configVolume,
      dataVolume: this.dataVolume,
      url: this.url,
    });
  }
}

/** Where clients reach the gateway: publicUrl, else https://<domain>[:port], else the local port. */
export function gatewayUrl(s: TaskflowConfig["gateway"]): string {
  if (s.publicUrl) return s.publicUrl;
  if (s.domain) return `https://${s.domain}${httpsPortSuffix(s)}`;
  return `http://127.0.0.1:${s.hostPort}`;
}
