// Types of canary-gate.js (plain CommonJS, run by the canary's command as `node canary-gate.js`).
import { CanaryGateOptions } from "./canaryGateOptions";

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}
export interface CanaryIo {
  run: (cmd: string, args: string[]) => Promise<RunResult>;
  follow: (container: string, logFile: string, seconds: number, onLine: (line: string) => void) => () => void;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  log: (line: string) => void;
  fail: (line: string) => void;
}
export function runCanary(opts: CanaryGateOptions, io?: CanaryIo): Promise<boolean>;
export function setArgv(opts: CanaryGateOptions, names: string[]): string[];
