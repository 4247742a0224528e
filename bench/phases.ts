// A rollout's phase budget from the rehearsal's step timings (rehearsal/engine.ts
// Timing): where the seconds from `pulumi up` to "clients get the new version" and on to
// "the update returned" go. The phases follow the program's order (components/
// taskflowStack.ts): image, backup, migration, replicas created and waited for, the
// replica gate, the cutover, the health gate, then the deletes of the old objects.
import type { Timing } from "../rehearsal/engine";

export interface Phase {
  phase: string;
  seconds: number;
}

/** Which steps make up each phase: every delete is "deletes"; the others go by the resource. */
const PHASES: [string, (t: Timing) => boolean][] = [
  ["image", (t) => t.type === "docker:index/remoteImage:RemoteImage"],
  ["backup", (t) => /-backup(-|$)/.test(t.name)],
  ["migration", (t) => t.name.endsWith("-migration")],
  ["create + wait healthy", (t) => /-replica-\d+$/.test(t.name) || t.type === "docker:index/service:Service"],
  ["replica gate", (t) => t.name.endsWith("-replica-gate-check")],
  ["cutover", (t) => t.name.endsWith("-cutover-reload")],
  ["health gate", (t) => t.name.endsWith("-health-gate-check")],
  ["deletes", (t) => t.op === "delete"],
];
const ofPhase = (phase: string, member: (t: Timing) => boolean) => (t: Timing) =>
  member(t) && (phase === "deletes") === (t.op === "delete");

export const PHASE_NAMES = ["program start", ...PHASES.map(([p]) => p), "other"];

/**
 * Seconds per phase of one update: "program start" is from `toolStart` (the command
 * was run) to its first step; each phase spans its steps' first start to last end;
 * "other" is the rest of the wall time up to `toolEnd` (steps beside those, the
 * engine's own work, the process's exit).
 */
export function phaseBudget(toolStart: number, toolEnd: number, timings: Timing[]): Phase[] {
  if (timings.length === 0) return [{ phase: "other", seconds: (toolEnd - toolStart) / 1000 }];
  const first = Math.min(...timings.map((t) => t.start));
  const phases: Phase[] = [{ phase: "program start", seconds: (first - toolStart) / 1000 }];
  for (const [phase, member] of PHASES) {
    const steps = timings.filter(ofPhase(phase, member));
    if (steps.length === 0) {
      phases.push({ phase, seconds: 0 });
      continue;
    }
    phases.push({ phase, seconds: (Math.max(...steps.map((t) => t.end)) - Math.min(...steps.map((t) => t.start))) / 1000 });
  }
  const counted = phases.reduce((a, p) => a + p.seconds, 0);
  phases.push({ phase: "other", seconds: Math.max(0, (toolEnd - toolStart) / 1000 - counted) });
  return phases;
}
