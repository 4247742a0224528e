// An SVG of one rollout per strategy: p99 latency per 250 ms and failed requests over
// time, the rollout window shaded. Every panel shares one time axis (seconds since the
// rollout started) and one latency axis (log scale, so a 5 s stall and a 40 ms p99 fit
// together); failed requests (strict client: socket errors, timeouts, non-2xx) are red
// bars on a shared count axis below. No dependencies: plain SVG text.
import { LoadTrace } from "./load";

export interface ChartRun {
  name: string;
  trace: LoadTrace;
  start: number;
  end: number;
}

const W = 900,
  PAD_L = 70,
  PAD_R = 20,
  PLOT_H = 120,
  FAIL_H = 36,
  PANEL_H = 230,
  BUCKET = 250,
  BEFORE = 3000,
  AFTER = 3000;
const FONT = 'font-family="sans-serif"';

interface Series {
  p99: number[];
  fails: number[];
  startBucket: number;
  endBucket: number;
}

function series(run: ChartRun, buckets: number): Series {
  const t0 = run.start - BEFORE;
  const p99: number[] = [];
  const fails: number[] = [];
  for (let b = 0; b < buckets; b++) {
    const from = t0 + b * BUCKET,
      to = from + BUCKET;
    const inBucket = run.trace.samples.filter((s) => s.t >= from && s.t < to);
    const ms = inBucket.map((s) => s.ms).sort((x, y) => x - y);
    p99.push(ms.length ? ms[Math.min(ms.length - 1, Math.floor(0.99 * ms.length))] : 0);
    fails.push(
      inBucket.filter((s) => s.status < 200 || s.status >= 300).length + run.trace.failures.filter((f) => f.t >= from && f.t < to).length,
    );
  }
  return { p99, fails, startBucket: BEFORE / BUCKET, endBucket: (run.end - t0) / BUCKET };
}

export function renderChart(runs: ChartRun[]): string {
  const buckets = Math.ceil((BEFORE + Math.max(...runs.map((r) => r.end - r.start)) + AFTER) / BUCKET);
  const all = runs.map((r) => series(r, buckets));
  const maxMs = Math.max(100, ...all.flatMap((s) => s.p99));
  const maxFails = Math.max(1, ...all.flatMap((s) => s.fails));
  const decades = Math.ceil(Math.log10(maxMs));
  const x = (b: number) => PAD_L + (b / buckets) * (W - PAD_L - PAD_R);
  const y = (ms: number) => 24 + (1 - Math.log10(Math.max(1, ms)) / decades) * PLOT_H;
  const failTop = 24 + PLOT_H + 10;
  const secondsTicks = Array.from({ length: Math.floor((buckets * BUCKET - BEFORE) / 5000) + 1 }, (_, i) => i * 5);

  const panels = runs.map((run, i) => {
    const s = all[i];
    const line = s.p99
      .map((v, b) => (v ? `${b === 0 || !s.p99[b - 1] ? "M" : "L"}${x(b + 0.5).toFixed(1)},${y(v).toFixed(1)}` : ""))
      .join(" ");
    const bars = s.fails
      .map((f, b) =>
        f
          ? `<rect x="${x(b).toFixed(1)}" y="${(failTop + FAIL_H * (1 - f / maxFails)).toFixed(1)}" width="${(x(1) - x(0)).toFixed(1)}" height="${((FAIL_H * f) / maxFails).toFixed(1)}" fill="#d62728"><title>${f} failed</title></rect>`
          : "",
      )
      .join("");
    const yTicks = Array.from({ length: decades + 1 }, (_, d) => 10 ** d)
      .map(
        (ms) =>
          `<line x1="${PAD_L}" y1="${y(ms).toFixed(1)}" x2="${W - PAD_R}" y2="${y(ms).toFixed(1)}" stroke="#eee"/><text x="${PAD_L - 6}" y="${(y(ms) + 4).toFixed(1)}" font-size="10" text-anchor="end" ${FONT}>${ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`}</text>`,
      )
      .join("");
    const xTicks = secondsTicks
      .map((sec) => {
        const px = x((BEFORE + sec * 1000) / BUCKET);
        return `<line x1="${px.toFixed(1)}" y1="${failTop + FAIL_H}" x2="${px.toFixed(1)}" y2="${failTop + FAIL_H + 4}" stroke="#666"/><text x="${px.toFixed(1)}" y="${failTop + FAIL_H + 15}" font-size="10" text-anchor="middle" ${FONT}>${sec}</text>`;
      })
      .join("");
    const totalFails = s.fails.reduce((a, b) => a + b, 0);
    return `<g transform="translate(0,${i * PANEL_H})">
  <text x="${PAD_L}" y="14" font-size="13" ${FONT}>${run.name}: ${totalFails} failed requests; rollout shaded (${((run.end - run.start) / 1000).toFixed(1)} s)</text>
  ${yTicks}
  <rect x="${x(s.startBucket).toFixed(1)}" y="24" width="${(x(s.endBucket) - x(s.startBucket)).toFixed(1)}" height="${PLOT_H + 10 + FAIL_H}" fill="#1f77b4" opacity="0.08"/>
  <path d="${line}" fill="none" stroke="#1f77b4" stroke-width="1.5"/>
  <line x1="${PAD_L}" y1="${failTop + FAIL_H}" x2="${W - PAD_R}" y2="${failTop + FAIL_H}" stroke="#999"/>
  ${bars}
  <text x="${PAD_L - 6}" y="${failTop + 10}" font-size="10" text-anchor="end" ${FONT}>${maxFails}</text>
  <text x="${PAD_L - 6}" y="${failTop + FAIL_H}" font-size="10" text-anchor="end" ${FONT}>0</text>
  ${xTicks}
  <text transform="translate(14,${24 + PLOT_H / 2}) rotate(-90)" font-size="10" text-anchor="middle" ${FONT}>p99 latency (log)</text>
  <text transform="translate(14,${failTop + FAIL_H / 2}) rotate(-90)" font-size="9" text-anchor="middle" ${FONT}>failed</text>
  <text x="${(PAD_L + W - PAD_R) / 2}" y="${failTop + FAIL_H + 30}" font-size="11" text-anchor="middle" ${FONT}>seconds since the rollout started (failed requests per ${BUCKET} ms below the line)</text>
</g>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${runs.length * PANEL_H}" viewBox="0 0 ${W} ${runs.length * PANEL_H}">
<rect width="100%" height="100%" fill="white"/>
${panels.join("\n")}
</svg>
`;
}
