import { HealthGateOptions, toArgv } from "./healthGateOptions";

/** The gate's program, relative to the project root (the working directory of `pulumi up`). */
export const HEALTH_GATE = "components/gates/health-gate.js";

export type { HealthGateOptions, ServiceProbe } from "./healthGateOptions";

/** `node health-gate.js <options>`: the argv is written by the contract the script parses with. */
export function healthGateArgv(a: HealthGateOptions): string[] {
  return ["node", HEALTH_GATE, ...toArgv(a)];
}
