import { describe, expect, it } from "vitest";

import { comparePlans, EngineEvent, planFromEvents, RecordedPlan } from "../../conformance/plan";

const C = "docker:index/container:Container";
const urn = (type: string, name: string) => `urn:pulumi:dev::taskflow::taskflow:docker:TaskflowStack$${type}::${name}`;
const pre = (op: string, type: string, name: string, diffs?: string[], keys?: string[]): EngineEvent => ({
  resourcePreEvent: { metadata: { op, urn: urn(type, name), type, diffs, keys } },
});
const recorded = (steps: RecordedPlan["steps"], ok = true): RecordedPlan => ({
  scenario: "s",
  ok,
  steps,
  recordedWith: {},
  recordedAt: "",
});

describe("planFromEvents (the real engine's event log)", () => {
  it("keeps custom resources' steps in start order and drops same, components and providers", () => {
    const plan = planFromEvents(
      "s",
      [
        pre("same", C, "taskflow-redis-container"),
        pre("create", "taskflow:docker:Api", "taskflow-api"),
        pre("create", "pulumi:providers:docker", "docker"),
        pre("create-replacement", C, "taskflow-api-replica-0", ["image", "envs"], ["image"]),
        pre("replace", C, "taskflow-api-replica-0"),
        pre("update", "command:local:Command", "taskflow-api-secret-key-write", ["create"]),
        pre("delete-replaced", C, "taskflow-api-replica-0"),
      ],
      true,
    );
    expect(plan.steps).toEqual([
      { op: "replace", type: C, name: "taskflow-api-replica-0", diffs: ["envs", "image"], replaces: ["image"], deleteFirst: false },
      { op: "update", type: "command:local:Command", name: "taskflow-api-secret-key-write", diffs: ["create"] },
      { op: "delete-replaced", type: C, name: "taskflow-api-replica-0" },
    ]);
  });

  it("marks a replacement delete-first when its delete-replaced came before the create", () => {
    const plan = planFromEvents("s", [pre("delete-replaced", C, "pg"), pre("create-replacement", C, "pg", ["cpus"], ["cpus"])], true);
    expect(plan.steps[1]).toEqual({ op: "replace", type: C, name: "pg", diffs: ["cpus"], replaces: ["cpus"], deleteFirst: true });
  });
});

describe("comparePlans", () => {
  const replace = { op: "replace" as const, type: C, name: "pg", diffs: ["cpus"], replaces: ["cpus"], deleteFirst: true };

  it("finds nothing when the plans agree", () => {
    expect(comparePlans(recorded([replace]), { scenario: "s", ok: true, steps: [replace] })).toEqual([]);
  });

  it("names the resource and property where the rehearsal misses a real replacement (a perpetual diff)", () => {
    expect(comparePlans(recorded([replace]), { scenario: "s", ok: true, steps: [] })).toEqual([
      `s: ${C} pg: real [replace ${C} pg diffs=[cpus] replaces=[cpus] delete-first] but rehearsal [no step]`,
    ]);
  });

  it("tells an update from a replacement of the same property", () => {
    const update = { op: "update" as const, type: "command:local:Command", name: "key", diffs: ["create"] };
    const problems = comparePlans(recorded([update]), {
      scenario: "s",
      ok: true,
      steps: [{ ...update, op: "replace", replaces: ["create"] }],
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain("real [update command:local:Command key diffs=[create]]");
  });

  it("fails when the outcome differs, and when a step runs after the final deletes", () => {
    expect(comparePlans(recorded([], false), { scenario: "s", ok: true, steps: [] })).toEqual([
      "s: the real update failed, this one succeeded",
    ]);
    const late = comparePlans(recorded([]), {
      scenario: "s",
      ok: true,
      steps: [
        { op: "delete-replaced", type: C, name: "old" },
        { op: "create", type: C, name: "new" },
      ],
    });
    expect(late.some((p) => p.includes("rehearsal: create docker:index/container:Container new ran after a final delete"))).toBe(true);
  });

  it("skips resources the fixture lists as known differences", () => {
    const real: RecordedPlan = { ...recorded([replace]), knownDifferences: [{ type: C, name: "pg", why: "test" }] };
    expect(comparePlans(real, { scenario: "s", ok: true, steps: [] })).toEqual([]);
  });
});
