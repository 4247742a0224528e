// An SVG of one rollout per strategy: p99 latency per 250 ms and failed requests
// over time, with the rollout window shaded. No dependencies: plain SVG text.
import { LoadTrace } from "./load";

export interface ChartRun { name: string; trace: LoadTrace; start: number; end: number }

export function renderChart(runs: ChartRun[]): string {
  const W = 900, H = 170, PAD = 50, BUCKET = 250;
  const panels = runs.map((run, i) => {
    const t0 = run.start - 3000;
    const t1 = run.end + 3000;
    const n = Math.ceil((t1 - t0) / BUCKET);
    const p99: number[] = [];
    const fails: number[] = [];
    for (let b = 0; b < n; b++) {
      const from = t0 + b * BUCKET, to = from + BUCKET;
      const ms = run.trace.samples.filter((s) => s.t >= from && s.t < to).map((s) => s.ms).sort((x, y) => x - y);
      p99.push(ms.length ? ms[Math.min(ms.length - 1, Math.floor(0.99 * ms.length))] : 0);
      fails.push(run.trace.samples.filter((s) => s.t >= from && s.t < to && (s.status < 200 || s.status >= 300)).length +
        run.trace.failures.filter((f) => f.t >= from && f.t < to).length);
    }
    const maxMs = Math.max(50, ...p99);
    const x = (b: number) => PAD + (b / n) * (W - 2 * PAD);
    const y = (v: number) => 20 + (1 - v / maxMs) * (H - 50);
    const top = i * (H + 20);
    const line = p99.map((v, b) => `${b === 0 ? "M" : "L"}${x(b).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    const failBars = fails.map((f, b) => (f ? `<rect x="${x(b).toFixed(1)}" y="${H - 30}" width="${((W - 2 * PAD) / n).toFixed(1)}" height="10" fill="#d62728"><title>${f} failed</title></rect>` : "")).join("");
    return `<g transform="translate(0,${top})">
  <text x="${PAD}" y="14" font-size="13" font-family="sans-serif">${run.name}: p99 latency per ${BUCKET} ms (max ${maxMs.toFixed(0)} ms); red = failed requests</text>
  <rect x="${x((run.start - t0) / BUCKET).toFixed(1)}" y="20" width="${(x((run.end - t0) / BUCKET) - x((run.start - t0) / BUCKET)).toFixed(1)}" height="${H - 50}" fill="#1f77b4" opacity="0.08"/>
  <path d="${line}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>
  ${failBars}
  <line x1="${PAD}" y1="${H - 30}" x2="${W - PAD}" y2="${H - 30}" stroke="#999"/>
  <text x="${PAD}" y="${H - 8}" font-size="11" font-family="sans-serif">-3 s</text>
  <text x="${W - PAD - 30}" y="${H - 8}" font-size="11" font-family="sans-serif">+3 s after done</text>
</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${runs.length * (H + 20)}" viewBox="0 0 ${W} ${runs.length * (H + 20)}">
<rect width="100%" height="100%" fill="white"/>
${panels.join("\n")}
</svg>
`;
}
