// Keep-alive load on 127.0.0.1 from the strict client (bench/strictClient.ts): paced
// (open loop, `ratePerSecond`) or saturating (closed loop, without it). Every response
// and every failure is recorded with its time, so a run can be cut into windows.
// Nothing is retried.
import { report, startStrictLoad, StrictTrace } from "./strictClient";

export type LoadTrace = StrictTrace;

export function traceLoad(port: number, connections: number, maxSeconds: number, ratePerSecond?: number) {
  const load = startStrictLoad({ port, connections, maxSeconds, ratePerSecond });
  return { trace: load.trace, stop: load.stop };
}

export interface WindowStats {
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
  max: number;
}

export function windowStats(trace: LoadTrace, from: number, to: number): WindowStats {
  const r = report(trace, from, to);
  return { requests: r.requests, non2xx: r.non2xx, errors: r.errors, timeouts: r.timeouts, p50: r.p50, p99: r.p99, max: r.max };
}
