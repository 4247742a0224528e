// Renders the gateway's Caddyfile. Pure: the gateway starts with it (no upstreams) and
// the cutover sends it to Caddy again with the current replicas.
import { TaskflowConfig } from "./config";

export interface CaddyfileArgs {
  gateway: TaskflowConfig["gateway"];
  /** `host:port` of every replica that should receive traffic; empty before the first release. */
  upstreams: string[];
  /**
   * Instead of a list: a DNS name whose A records are the replicas, looked up every
   * second (a swarm service's `tasks.<service>`; no virtual IP needed).
   */
  dynamic?: { name: string; port: number };
  healthPath: string;
  /** Strict-Transport-Security on HTTPS responses (only with a domain). */
  hsts: boolean;
}

export const HSTS_VALUE = "max-age=31536000; includeSubDomains";

export function renderCaddyfile(a: CaddyfileArgs): string {
  const g = a.gateway;
  const health = ["\thandle /__gateway/health {", '\t\trespond "ok" 200', "\t}"];
  const global = [
    "{",
    "\tadmin 127.0.0.1:2019",
    // On reload, the old config's in-flight requests get this long to finish.
    `\tgrace_period ${g.gracePeriodSeconds}s`,
  ];
  if (g.domain === undefined) {
    return lines([...global, "\tauto_https off", "}", "", `:${g.listenPort} {`, ...health, "\thandle {", ...proxy(a), "\t}", "}"]);
  }
  // HTTPS: Caddy listens above 1024 (it runs without capabilities); Docker publishes
  // hostPort -> listenPort and httpsHostPort -> httpsListenPort. The redirect is ours,
  // not Caddy's, so it names the public port rather than the container's.
  return lines([
    ...global,
    `\thttp_port ${g.listenPort}`,
    `\thttps_port ${g.httpsListenPort}`,
    "\tauto_https disable_redirects",
    // No HTTP/3: Caddy would advertise it (alt-svc) on its container port, over UDP
    // that Docker does not publish.
    "\tservers {",
    "\t\tprotocols h1 h2",
    "\t}",
    // Non-root: installing the internal CA into the container's trust store would fail.
    ...(g.tls === "internal" ? ["\tskip_install_trust"] : []),
    ...(g.acmeEmail ? [`\temail ${g.acmeEmail}`] : []),
    "}",
    "",
    // Plain HTTP: the container health check, ACME HTTP-01 challenges (Caddy answers
    // those before any route) and a permanent redirect for everything else.
    `http://:${g.listenPort} {`,
    ...health,
    "\thandle {",
    `\t\tredir https://{host}${httpsPortSuffix(g)}{uri} 308`,
    "\t}",
    "}",
    "",
    `${g.domain} {`,
    ...(g.tls === "internal" ? ["\ttls internal"] : []),
    ...(a.hsts ? [`\theader Strict-Transport-Security "${HSTS_VALUE}"`] : []),
    ...health,
    "\thandle {",
    ...proxy(a),
    "\t}",
    "}",
  ]);
}

/** `:<port>` for a URL to the public HTTPS port, or nothing for 443. */
export function httpsPortSuffix(g: TaskflowConfig["gateway"]): string {
  return g.httpsHostPort === 443 ? "" : `:${g.httpsHostPort}`;
}

function proxy(a: CaddyfileArgs): string[] {
  const g = a.gateway;
  if (a.upstreams.length === 0 && !a.dynamic) return ['\t\trespond "no release deployed yet" 503'];
  return [
    ...(a.dynamic
      ? [
          "\t\treverse_proxy {",
          `\t\t\tdynamic a ${a.dynamic.name} ${a.dynamic.port} {`,
          "\t\t\t\trefresh 1s",
          "\t\t\t}",
          // A stopped task's address stops answering rather than refusing: dial briefly, then retry.
          "\t\t\ttransport http {",
          "\t\t\t\tdial_timeout 1s",
          "\t\t\t}",
        ]
      : [`\t\treverse_proxy ${a.upstreams.join(" ")} {`]),
    "\t\t\tlb_policy round_robin",
    // A request whose upstream refuses the connection (stopping, crashed) is retried
    // on another replica for this long instead of failing.
    `\t\t\tlb_try_duration ${g.lbTryDurationSeconds}s`,
    "\t\t\tlb_try_interval 100ms",
    // Active checks: the same endpoint as the Docker HEALTHCHECK.
    `\t\t\thealth_uri ${a.healthPath}`,
    `\t\t\thealth_interval ${g.healthIntervalSeconds}s`,
    "\t\t\thealth_timeout 2s",
    "\t\t\thealth_status 200",
    // Passive checks: a replica that fails a request is skipped for a while.
    "\t\t\tfail_duration 10s",
    "\t\t\tunhealthy_status 5xx",
    "\t\t}",
  ];
}

const lines = (l: string[]) => [...l, ""].join("\n");
