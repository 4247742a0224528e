import { CanaryGateOptions, toArgv as canaryToArgv } from "./canaryGateOptions";
import { HealthGateOptions, toArgv } from "./healthGateOptions";

/** The gate's program, relative to the project root (the working directory of `pulumi up`). */
export const HEALTH_GATE = "components/gates/health-gate.js";
/** The canary's program, likewise. */
export const CANARY_GATE = "components/gates/canary-gate.js";

export type { CanaryGateOptions } from "./canaryGateOptions";
export type { HealthGateOptions, ServiceProbe } from "./healthGateOptions";

/** `node health-gate.js <options>`: the argv is written by the contract the script parses with. */
export function healthGateArgv(a: HealthGateOptions): string[] {
  return ["node", HEALTH_GATE, ...toArgv(a)];
}

/** `node canary-gate.js <options>`, likewise. */
export function canaryGateArgv(a: CanaryGateOptions): string[] {
  return ["node", CANARY_GATE, ...canaryToArgv(a)];
}
