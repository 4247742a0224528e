// The rehearsal's plans must equal the real engine's. conformance/record.ts ran each
// scenario through the real Pulumi CLI and plugins and committed the plan it produced
// (conformance/fixtures/); here the same scenarios run, in the same order on one stack,
// through the rehearsal on real Docker, and every step must match: operation, resource,
// changed and replace-causing properties, and which deletes come last.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { comparePlans, describeStep, Plan, RecordedPlan } from "../../conformance/plan";
import { FIXTURES } from "../../conformance/record";
import { fixtureName, SCENARIOS, writeScenarioStackFile } from "../../conformance/scenarios";
import { freePort, rehearse, removeStack, uniqueStack } from "../rehearsal/harness";
import { requireDocker, skipRehearsal } from "../rehearsal/preflight";

describe.skipIf(skipRehearsal)("the rehearsal's plans equal the recorded real ones", () => {
  requireDocker();
  const stack = uniqueStack("rh-conformance");
  const dir = mkdtempSync(path.join(os.tmpdir(), "conformance-"));
  const plans = new Map<string, Plan>();
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    for (const s of SCENARIOS) {
      const file = path.join(dir, `${s.name}.yaml`);
      // The host port differs from the recording's (any free one): no plan names it.
      writeScenarioStackFile(file, s, { "gateway.hostPort": port });
      const run = s.destroy ? await rehearse(stack, {}, ["--destroy"], []) : await rehearse(stack, {}, [], ["--config-file", file]);
      plans.set(s.name, { scenario: s.name, ok: run.ok, steps: run.plan ?? [] });
      if (run.ok !== s.ok) console.log(run.log);
    }
  }, 900_000);
  afterAll(async () => {
    await removeStack(stack);
    rmSync(dir, { recursive: true, force: true });
  }, 120_000);

  it.each(SCENARIOS.map((s) => [s.name, s] as const))("%s: same steps as the real engine", (_name, s) => {
    const file = path.join(FIXTURES, fixtureName(s));
    expect(existsSync(file), `${file} is recorded (npm run conformance:record)`).toBe(true);
    const real: RecordedPlan = JSON.parse(readFileSync(file, "utf8"));
    const mine = plans.get(s.name)!;
    const problems = comparePlans(real, mine);
    if (problems.length)
      console.log(
        `${s.name}\n  real:\n    ${real.steps.map(describeStep).join("\n    ")}\n  rehearsal:\n    ${mine.steps.map(describeStep).join("\n    ")}`,
      );
    expect(problems).toEqual([]);
  });

  it("a no-change update is no change at all, in the real plan and the rehearsal's", () => {
    const real: RecordedPlan = JSON.parse(readFileSync(path.join(FIXTURES, fixtureName(SCENARIOS[1])), "utf8"));
    expect(SCENARIOS[1].name).toBe("no-change");
    expect(real.steps).toEqual([]);
    expect(plans.get("no-change")!.steps).toEqual([]);
  });
});
