// Types of health-gate.js (plain CommonJS, run by the gate's command as `node health-gate.js`).
import { HealthGateOptions, ServiceProbe } from "./healthGateOptions";

/** A probe's answer: a pass, a failure, or no verdict (`unknown`: no answer in time). */
export interface ProbeResult {
  ok: boolean;
  why?: string;
  unknown?: boolean;
}

export interface GateHooks {
  probeOne?: (replica: string, opts: HealthGateOptions) => ProbeResult | Promise<ProbeResult>;
  probeSvc?: (opts: HealthGateOptions) => ProbeResult[] | Promise<ProbeResult[]>;
  probeGw?: (opts: HealthGateOptions) => Promise<ProbeResult>;
  sleep?: (seconds: number) => Promise<void>;
  now?: () => number;
  log?: (line: string) => void;
}

export function runGate(opts: HealthGateOptions, hooks?: GateHooks): Promise<boolean>;
export function judge(status: number, version: string, expected: string): ProbeResult;
export function judgeService(
  stdout: string,
  opts: { expectedVersion: string; service: Pick<ServiceProbe, "name" | "taskCount"> },
): ProbeResult[];
export function parseArgs(argv: string[]): HealthGateOptions;
export function replicaProbeArgv(replica: string, opts: Pick<HealthGateOptions, "port" | "healthPath" | "statusPath">): string[];
export function serviceProbeArgv(opts: Pick<HealthGateOptions, "port" | "healthPath" | "statusPath"> & { service: ServiceProbe }): string[];
/** GET on a fresh connection; `ca` replaces the trusted roots. */
export function httpGet(url: URL, o?: { ca?: string; timeoutMs?: number }): Promise<{ status: number; body: string }>;
export const INTERNAL_CA_ROOT: string;
export const REPLICA_PROBE_PY: string;
export const SERVICE_PROBE_PY: string;
