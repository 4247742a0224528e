// Constant keep-alive load on 127.0.0.1 that records every response (time, latency,
// status) and every connection error, so a run can be cut into windows.
import autocannon from "autocannon";

export interface Sample { t: number; ms: number; status: number }
export interface LoadTrace { samples: Sample[]; errors: number[] }

export function traceLoad(port: number, connections: number, maxSeconds: number) {
  const trace: LoadTrace = { samples: [], errors: [] };
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => { done = r; });
  const instance = autocannon({ url: `http://127.0.0.1:${port}/api/v1/status`, connections, duration: maxSeconds, timeout: 10 }, () => done());
  instance.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => trace.samples.push({ t: Date.now(), ms, status }));
  instance.on("reqError", () => trace.errors.push(Date.now()));
  return { trace, stop: async () => { instance.stop(); await finished; return trace; } };
}

export interface WindowStats { requests: number; non2xx: number; errors: number; p50: number; p99: number; max: number }

export function windowStats(trace: LoadTrace, from: number, to: number): WindowStats {
  const inWindow = trace.samples.filter((s) => s.t >= from && s.t <= to);
  const ms = inWindow.map((s) => s.ms).sort((a, b) => a - b);
  const q = (p: number) => (ms.length ? Math.round(ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]) : 0);
  return {
    requests: inWindow.length,
    non2xx: inWindow.filter((s) => s.status < 200 || s.status >= 300).length,
    errors: trace.errors.filter((t) => t >= from && t <= to).length,
    p50: q(0.5), p99: q(0.99), max: Math.round(ms.at(-1) ?? 0),
  };
}
