// Renders the gateway's Caddyfile. Pure, and the same for every release: a Caddy starts
// with it and is never reloaded by a rollout. Which replicas serve is what the name
// UPSTREAM_DNS_NAME answers, decided by image/gateway-upstreams. A change of this
// file starts a new Caddy beside the old one (gateway.ts). The strings the image's scripts
// share with it are in image/gateway-constants (a test holds the two together).
import { TaskflowConfig } from "../../config";

export interface CaddyfileArgs {
  gateway: TaskflowConfig["gateway"];
  /** The API's port on every replica. */
  apiPort: number;
  /** The API's health path: public answers to it are reduced to ok or unavailable. */
  healthPath: string;
  /** Strict-Transport-Security on HTTPS responses (only with a domain). */
  hsts: boolean;
}

/** The name the gateway's dnsmasq answers with the serving replicas (image/gateway-upstreams). */
export const UPSTREAM_DNS_NAME = "upstreams.taskflow.internal";
/** Where that dnsmasq listens, inside the gateway container. */
export const UPSTREAM_RESOLVER_ADDRESS = "127.0.0.1";
export const UPSTREAM_RESOLVER_PORT = 5353;
export const UPSTREAM_RESOLVER = `${UPSTREAM_RESOLVER_ADDRESS}:${UPSTREAM_RESOLVER_PORT}`;

/**
 * Files private to each Caddy container (its own /run/gateway): Caddys share the edge's
 * network namespace, so anything on a TCP port there could be the other Caddy's.
 */
export const GATEWAY_RUN_DIR = "/run/gateway";
const CADDY_ADMIN_SOCKET = `${GATEWAY_RUN_DIR}/admin.sock`;
export const CADDY_HEALTH_SOCKET = `${GATEWAY_RUN_DIR}/health.sock`;
/**
 * Where each Caddy logs every round trip to an upstream (a tmpfs of its own, gateway.ts):
 * the canary gate reads it (gates/canary-gate.js). UPSTREAM_LOG_MB bounds it: the file
 * rolls at UPSTREAM_LOG_ROLL_MB and one rolled file is kept.
 */
export const UPSTREAM_LOG_DIR = "/var/log/gateway";
export const UPSTREAM_LOG_FILE = `${UPSTREAM_LOG_DIR}/upstreams.log`;
const UPSTREAM_LOG_ROLL_MB = 4;
export const UPSTREAM_LOG_MB = 3 * UPSTREAM_LOG_ROLL_MB;
/** Where a Caddy container's command writes gateway.acmeCaRoot (gateway.ts); the health gate reads it there. */
export const ACME_CA_ROOT_FILE = "/etc/caddy/acme-ca-root.pem";
/** While GATEWAY_RUN_DIR/draining exists the Caddy answers `Connection: close` (image/gateway-proxy-init). */
export const DRAINING_FILE_NAME = "draining";

/** The Strict-Transport-Security value; includeSubDomains only when asked for (gateway.hstsIncludeSubdomains). */
export function hstsValue(includeSubdomains: boolean): string {
  return includeSubdomains ? "max-age=31536000; includeSubDomains" : "max-age=31536000";
}

export function renderCaddyfile(a: CaddyfileArgs): string {
  const g = a.gateway;
  const global = [
    "{",
    `\tadmin unix/${CADDY_ADMIN_SOCKET}`,
    // On a stop (or a reload by hand), in-flight requests get this long to finish.
    `\tgrace_period ${g.gracePeriodSeconds}s`,
    ...upstreamLog,
  ];
  if (g.domain === undefined) {
    return lines([...global, "\tauto_https off", "}", "", `:${g.listenPort} {`, ...served(a), "}", "", ...privateHealth]);
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
    // Another ACME CA than Caddy's default, and the root its directory is served with
    // (caddyconfig/httpcaddyfile/options.go:47-48, tlsapp.go:528-543).
    ...(g.acmeCa ? [`\tacme_ca ${g.acmeCa}`] : []),
    ...(g.acmeCaRoot ? [`\tacme_ca_root ${ACME_CA_ROOT_FILE}`] : []),
    "}",
    "",
    // Plain HTTP: the container health check, ACME HTTP-01 challenges (Caddy answers
    // those before any route) and a permanent redirect for everything else.
    `http://:${g.listenPort} {`,
    ...draining,
    ...health,
    "\thandle {",
    // To the configured name, never the client's Host header (no open redirect).
    `\t\tredir https://${g.domain}${httpsPortSuffix(g)}{uri} 308`,
    "\t}",
    "}",
    "",
    `${g.domain} {`,
    ...(g.tls === "internal" ? ["\ttls internal"] : []),
    ...(a.hsts ? [`\theader Strict-Transport-Security "${hstsValue(g.hstsIncludeSubdomains)}"`] : []),
    ...served(a),
    "}",
    "",
    ...privateHealth,
  ]);
}

// Caddy's reverse proxy logs each round trip at DEBUG with the upstream, its duration and
// status, or the error (v2.6.2 modules/caddyhttp/reverseproxy/reverseproxy.go:808-828);
// no metric or access log field says which upstream answered (metrics.go has only
// upstreams_healthy; the access log holds what the client got, server.go:259-272). This
// logger takes only the reverse proxy's lines, into their own file; the request and
// header fields are dropped (filter encoder, modules/logging/filterencoder.go), so a line
// is about 170 bytes and holds no client data. The default log stays as it was.
const upstreamLog = [
  "\tlog upstreams {",
  `\t\toutput file ${UPSTREAM_LOG_FILE} {`,
  `\t\t\troll_size ${UPSTREAM_LOG_ROLL_MB}MiB`,
  "\t\t\troll_keep 1",
  "\t\t\troll_uncompressed",
  "\t\t}",
  "\t\tformat filter {",
  "\t\t\twrap json",
  "\t\t\tfields {",
  "\t\t\t\trequest delete",
  "\t\t\t\theaders delete",
  "\t\t\t}",
  "\t\t}",
  "\t\tlevel DEBUG",
  "\t\tinclude http.handlers.reverse_proxy",
  "\t}",
];

// A draining Caddy closes each connection after its next response. Go's server closes
// after the reply when the handler set `Connection: close` (go1.26 net/http/server.go:1343,
// chunkWriter.writeHeader); over HTTP/2 it sends GOAWAY instead (h2_bundle.go:6692). The
// file matcher stats the file on every request: a cheap syscall, and no config load.
const draining = [
  "\t@draining file {",
  `\t\troot ${GATEWAY_RUN_DIR}`,
  `\t\ttry_files /${DRAINING_FILE_NAME}`,
  "\t}",
  "\theader @draining Connection close",
];

/** The API's paths clients never reach: metrics and API docs are for the internal network. */
export const INTERNAL_PATHS = ["/metrics", "/metrics/*", "/docs", "/docs/*", "/redoc", "/redoc/*", "/openapi.json"];

/**
 * What a site serves: the drain header, the gateway's own health answer, 404 for the
 * internal paths, the API's /health reduced to ok or unavailable (the API's own answer
 * names the dependency that failed: for the gates and the logs, not for the public),
 * and everything else proxied.
 */
function served(a: CaddyfileArgs): string[] {
  return [
    ...draining,
    ...health,
    `\t@internal path ${INTERNAL_PATHS.join(" ")}`,
    "\thandle @internal {",
    "\t\trespond 404",
    "\t}",
    `\thandle ${a.healthPath} {`,
    ...proxy(a, [
      "\t\t\t@healthy status 2xx",
      "\t\t\thandle_response @healthy {",
      "\t\t\t\theader Content-Type application/json",
      '\t\t\t\trespond `{"status":"ok"}` 200',
      "\t\t\t}",
      "\t\t\thandle_response {",
      "\t\t\t\theader Content-Type application/json",
      '\t\t\t\trespond `{"status":"unavailable"}` 503',
      "\t\t\t}",
    ]),
    "\t}",
    "\thandle {",
    ...proxy(a),
    "\t}",
  ];
}

const health = ["\thandle /__gateway/health {", '\t\trespond "ok" 200', "\t}"];

// This Caddy's own health answer, on a unix socket in its own filesystem: the container
// health check must reach this Caddy, not whichever one the kernel picks on the port.
const privateHealth = ["http:// {", `\tbind unix/${CADDY_HEALTH_SOCKET}`, '\trespond "ok" 200', "}"];

/** `:<port>` for a URL to the public HTTPS port, or nothing for 443. */
export function httpsPortSuffix(g: TaskflowConfig["gateway"]): string {
  return g.httpsHostPort === 443 ? "" : `:${g.httpsHostPort}`;
}

function proxy(a: CaddyfileArgs, responseHandling: string[] = []): string[] {
  const g = a.gateway;
  return [
    "\t\treverse_proxy {",
    // Looked up every second from the gateway's own dnsmasq, which answers with the
    // replicas the last cutover chose that pass their health check now: a new upstream
    // set never needs a config load, so no client connection is closed for it.
    `\t\t\tdynamic a ${UPSTREAM_DNS_NAME} ${a.apiPort} {`,
    `\t\t\t\tresolvers ${UPSTREAM_RESOLVER}`,
    "\t\t\t\trefresh 1s",
    "\t\t\t}",
    // A removed container's address stops answering rather than refusing: dial briefly,
    // then retry. Idle upstream connections close after 30 s, before the API's own
    // keep-alive (75 s, app/gunicorn.conf.py) would: the gateway never sends a request on
    // a connection the API is closing (caddyfile.go "keepalive" -> IdleConnTimeout).
    "\t\t\ttransport http {",
    "\t\t\t\tdial_timeout 1s",
    "\t\t\t\tkeepalive 30s",
    "\t\t\t}",
    "\t\t\tlb_policy round_robin",
    // A request whose upstream refuses the connection (stopping, crashed) is retried
    // on another replica for this long instead of failing.
    `\t\t\tlb_try_duration ${g.lbTryDurationSeconds}s`,
    "\t\t\tlb_try_interval 100ms",
    // Passive checks: a replica that cannot be reached is skipped for a while. (Active
    // checks are gateway-upstreams' watch loop: Caddy 2.6 runs them only for static
    // upstreams, healthchecks.go doActiveHealthCheckForAllHosts.) A 5xx answer does not
    // count: with `unhealthy_status 5xx` one endpoint that always fails, requested once
    // per replica, took every replica out for fail_duration and the whole API answered
    // 503 (measured), and the canary would not see a failing release's errors.
    "\t\t\tfail_duration 10s",
    ...responseHandling,
    "\t\t}",
  ];
}

const lines = (l: string[]) => [...l, ""].join("\n");
