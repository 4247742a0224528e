// Types of healthGateOptions.js: what the health gate is told.
export interface ServiceProbe {
  name: string;
  taskCount: number;
  network: string;
  probeImage: string;
  stack: string;
}

export interface HealthGateOptions {
  /** Absent: check the replicas only (the gate before the cutover). */
  gatewayUrl?: string;
  /** The Caddy container whose internal CA (`tls internal`) the gate must trust. */
  gatewayCaFrom?: string;
  /** The root's file in that container, when not the internal CA's (gateway.acmeCaRoot). */
  gatewayCaPath?: string;
  expectedVersion: string;
  /** Containers to probe from inside (container runtime). */
  replicas: string[];
  /** A swarm service whose tasks are probed from a container on its network (swarm runtime). */
  service?: ServiceProbe;
  port: number;
  healthPath: string;
  statusPath: string;
  attempts: number;
  intervalSeconds: number;
  timeoutSeconds: number;
}

export const USAGE: string;
export function toArgv(o: HealthGateOptions): string[];
export function parseArgv(argv: string[]): HealthGateOptions;
