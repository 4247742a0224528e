// A plan: what one `pulumi up` did, step by step, in a form both the real engine's event
// log and the rehearsal can be reduced to, so the two can be compared. Only what the
// rollout's correctness rests on is kept: operation, resource, the top-level properties
// that changed and those that forced a replacement, and the order that is not left to
// chance (a resource's own steps; deletes of create-first replacements come last).

export type Op = "create" | "update" | "replace" | "delete-replaced" | "delete";

export interface Step {
  op: Op;
  /** Resource type token, e.g. docker:index/container:Container. */
  type: string;
  /** Logical name, e.g. taskflow-api-replica-0. */
  name: string;
  /** Top-level inputs whose value differs from the state (update and replace). */
  diffs?: string[];
  /** Top-level inputs that force the replacement (replace only). */
  replaces?: string[];
  /** Replace only: the old object was deleted before the new one was created. */
  deleteFirst?: boolean;
}

export interface Plan {
  scenario: string;
  /** Whether the update succeeded. */
  ok: boolean;
  steps: Step[];
}

/** The recorded form: a plan and the toolchain that produced it. */
export interface RecordedPlan extends Plan {
  recordedWith: Record<string, string>;
  recordedAt: string;
  /** Where the rehearsal knowingly differs, and why (compared steps skip these resources). */
  knownDifferences?: { type: string; name: string; why: string }[];
}

const sorted = (xs: string[] | undefined) => [...new Set(xs ?? [])].sort();

/** One line per step, stable, for reading a plan and for comparing two. */
export function describeStep(s: Step): string {
  const extra =
    s.op === "update"
      ? ` diffs=[${sorted(s.diffs)}]`
      : s.op === "replace"
        ? ` diffs=[${sorted(s.diffs)}] replaces=[${sorted(s.replaces)}] ${s.deleteFirst ? "delete-first" : "create-first"}`
        : "";
  return `${s.op} ${s.type} ${s.name}${extra}`;
}

/**
 * The differences between a recorded (real) plan and another one, each a sentence that
 * names the resource and the property; empty when they agree.
 */
export function comparePlans(real: RecordedPlan, other: Plan): string[] {
  const skip = new Set((real.knownDifferences ?? []).map((k) => `${k.type} ${k.name}`));
  const keep = (s: Step) => !skip.has(`${s.type} ${s.name}`);
  const problems: string[] = [];
  if (real.ok !== other.ok)
    problems.push(`${real.scenario}: the real update ${real.ok ? "succeeded" : "failed"}, this one ${other.ok ? "succeeded" : "failed"}`);
  const byResource = (steps: Step[]) => {
    const m = new Map<string, Step[]>();
    for (const s of steps.filter(keep)) m.set(`${s.type} ${s.name}`, [...(m.get(`${s.type} ${s.name}`) ?? []), s]);
    return m;
  };
  const a = byResource(real.steps);
  const b = byResource(other.steps);
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const ra = (a.get(key) ?? []).map(describeStep);
    const rb = (b.get(key) ?? []).map(describeStep);
    if (ra.join("\n") !== rb.join("\n")) {
      problems.push(`${real.scenario}: ${key}: real [${ra.join("; ") || "no step"}] but rehearsal [${rb.join("; ") || "no step"}]`);
    }
  }
  for (const [label, plan] of [
    ["real", real],
    ["rehearsal", other],
  ] as const) {
    const late = lateDeletesOutOfOrder(plan.steps.filter(keep));
    if (late) problems.push(`${real.scenario}: ${label}: ${late}`);
  }
  return problems;
}

/** Pulumi runs the deletes of create-first replacements (and removed resources) after every other step. */
function lateDeletesOutOfOrder(steps: Step[]): string | undefined {
  const deleteFirst = new Set(steps.filter((s) => s.op === "replace" && s.deleteFirst).map((s) => `${s.type} ${s.name}`));
  const isLate = (s: Step) => s.op === "delete" || (s.op === "delete-replaced" && !deleteFirst.has(`${s.type} ${s.name}`));
  const firstLate = steps.findIndex(isLate);
  if (firstLate < 0) return undefined;
  const after = steps.slice(firstLate).find((s) => !isLate(s) && s.op !== "delete-replaced");
  return after ? `${describeStep(after)} ran after a final delete` : undefined;
}

/** What `pulumi up --json` streams, one JSON engine event a line. */
export interface EngineEvent {
  resourcePreEvent?: { metadata: { op: string; urn: string; type: string; diffs?: string[]; keys?: string[] } };
  resOutputsEvent?: { metadata: { op: string; urn: string; type: string } };
  resOpFailedEvent?: { metadata: { op: string; urn: string; type: string } };
  summaryEvent?: { resourceChanges?: Record<string, number> };
  diagnosticEvent?: { severity: string; message: string; urn?: string };
}

/** The events of `pulumi up --json`'s output (lines that are not JSON objects are skipped). */
export function parseEvents(text: string): EngineEvent[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as EngineEvent];
      } catch {
        return [];
      }
    });
}

/** Reduces a real engine's event log to a plan: custom resources only, in the order their steps started. */
export function planFromEvents(scenario: string, events: EngineEvent[], ok: boolean): Plan {
  const steps: Step[] = [];
  const deleted = new Set<string>();
  for (const e of events) {
    const m = e.resourcePreEvent?.metadata;
    if (!m || !isCustom(m.type)) continue;
    const name = m.urn.split("::").at(-1)!;
    const key = `${m.type} ${name}`;
    if (m.op === "create") steps.push({ op: "create", type: m.type, name });
    else if (m.op === "update") steps.push({ op: "update", type: m.type, name, diffs: sorted(m.diffs) });
    else if (m.op === "create-replacement") {
      steps.push({ op: "replace", type: m.type, name, diffs: sorted(m.diffs), replaces: sorted(m.keys), deleteFirst: deleted.has(key) });
    } else if (m.op === "delete-replaced") {
      deleted.add(key);
      steps.push({ op: "delete-replaced", type: m.type, name });
    } else if (m.op === "delete") steps.push({ op: "delete", type: m.type, name });
  }
  return { scenario, ok, steps };
}

/** Component resources (taskflow:*), the stack and provider resources have no object behind them. */
export function isCustom(type: string): boolean {
  return !type.startsWith("taskflow:") && !type.startsWith("pulumi:");
}
