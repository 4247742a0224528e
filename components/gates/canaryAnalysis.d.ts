// Types of canaryAnalysis.js.
export interface Roundtrip {
  ts: number;
  ip: string;
  durationMs: number;
  status: number;
  error?: string;
}
export interface Side {
  requests: number;
  errors: number;
  durationsMs: number[];
}
export interface Tally {
  new: Side;
  old: Side;
}
export interface CanaryRules {
  minRequests: number;
  maxErrorIncrease: number;
  maxLatencyRatio: number;
  latencySlackMs: number;
}
export interface Verdict {
  decided: boolean;
  pass?: boolean;
  judged?: boolean;
  why?: string;
}
export function parseRoundtrip(line: string): Roundtrip | undefined;
export function hostOf(upstream: string): string;
export function newTally(): Tally;
export function add(tally: Tally, r: Roundtrip, newIps: Set<string>, sinceMs: number): void;
export function percentile(values: number[], p: number): number;
export function judge(tally: Tally, rules: CanaryRules, final: boolean): Verdict;
export function describe(tally: Tally): string;
export function chosenNames(showOutput: string): string[];
