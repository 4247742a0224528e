// Types of canaryGateOptions.js: the canary gate's options (components/gates/canary-gate.js).
export interface CanaryGateOptions {
  /** The gateway edge container, where gateway-upstreams runs. */
  gateway: string;
  /** The stack whose Caddy containers' logs are read (by label). */
  stack: string;
  /** The Caddys' upstream round-trip log (caddyfile.ts UPSTREAM_LOG_FILE). */
  logFile: string;
  /** How gateway-upstreams probes the replicas (the cutover's settings). */
  port: number;
  healthPath: string;
  intervalSeconds: number;
  /** How many of the new replicas serve beside the old ones. */
  canaryCount: number;
  windowSeconds: number;
  minRequests: number;
  maxErrorIncrease: number;
  maxLatencyRatio: number;
  latencySlackMs: number;
  /** The new replicas, in order: the first canaryCount are the canary. */
  replicas: string[];
}
export const USAGE: string;
export function toArgv(o: CanaryGateOptions): string[];
export function parseArgv(argv: string[]): CanaryGateOptions;
