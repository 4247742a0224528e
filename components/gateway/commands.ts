// What the gateway part runs: the cutover (in the edge) and both containers' health checks.
import { CADDY_HEALTH_SOCKET, GATEWAY_RUN_DIR } from "./caddyfile";

/** How the gateway's watcher probes the upstreams: the API's port and health path, and how often. */
export interface UpstreamProbe {
  port: number;
  healthPath: string;
  intervalSeconds: number;
}

/**
 * Makes `targets` (replica container names, or tasks.<service>) the gateway's upstream
 * set, without a Caddy reload (image/gateway-upstreams), and how to probe them
 * from now on. Exits non-zero, and changes nothing, unless every target answers its
 * health check. The probe settings travel with the cutover, not in the edge's
 * environment: changing them re-runs the cutover and never replaces the edge.
 */
export function cutoverArgv(gatewayContainer: string, targets: string[], probe: UpstreamProbe): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return ["docker", "exec", gatewayContainer, "gateway-upstreams", "set",
    "--port", String(probe.port), "--health-path", probe.healthPath, "--interval", String(probe.intervalSeconds), ...targets];
}

/** A Caddy answers on its own unix socket (caddyfile.ts privateHealth), not on the shared port. */
// prettier-ignore
export const CADDY_HEALTHCHECK_TEST = ["CMD", "curl", "-fsS", "-o", "/dev/null", "--max-time", "2", "--unix-socket", CADDY_HEALTH_SOCKET, "http://gateway/__gateway/health"];

/** The pid files gateway-edge-init writes (it reads the same paths from its environment defaults; checked by a test). */
export const EDGE_PID_FILES = { dnsmasq: `${GATEWAY_RUN_DIR}/dnsmasq.pid`, watch: `${GATEWAY_RUN_DIR}/watch.pid` } as const;

/** The edge is healthy while its dnsmasq and upstream watcher run (image/gateway-edge-init). */
// prettier-ignore
export const GATEWAY_EDGE_HEALTHCHECK_TEST = ["CMD-SHELL", `kill -0 "$(cat ${EDGE_PID_FILES.dnsmasq})" && kill -0 "$(cat ${EDGE_PID_FILES.watch})"`];
