// Runs policy rules the way the policy server would, without starting it: resource
// rules get ResourceValidationArgs, stack rules get every resource with its
// property dependencies resolved.
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

import { ProgramRun, Recorded } from "../mocks";

export interface Fixture {
  type: string;
  name?: string;
  props: Record<string, any>;
  opts?: { protect?: boolean; deleteBeforeReplace?: boolean };
}

// validateResourceOfType calls args.notApplicable() for other types; the server catches it.
const NOT_APPLICABLE = new Error("not applicable");

function validationArgs(f: Fixture, config: Record<string, unknown>) {
  const name = f.name ?? "fixture";
  return {
    type: f.type,
    name,
    urn: `urn:pulumi:test::taskflow::${f.type}::${name}`,
    props: f.props,
    opts: {
      protect: false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      ...f.opts,
    },
    stackTags: new Map(),
    isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === f.type,
    asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === f.type ? f.props : undefined),
    getConfig: () => config,
    notApplicable: () => {
      throw NOT_APPLICABLE;
    },
  } as any;
}

/** Violations a resource rule reports for one resource. */
export async function violations(policy: ResourceValidationPolicy, f: Fixture, config: Record<string, unknown> = {}): Promise<string[]> {
  const found: string[] = [];
  const validators = [policy.validateResource ?? []].flat();
  for (const v of validators) {
    try {
      await v(validationArgs(f, config), (message) => found.push(message));
    } catch (e) {
      if (e !== NOT_APPLICABLE) throw e;
    }
  }
  return found;
}

/** Violations a stack rule reports for a set of resources. */
export async function stackViolations(policy: StackValidationPolicy, resources: PolicyResource[]): Promise<string[]> {
  const found: string[] = [];
  await policy.validateStack({ resources, getConfig: () => ({}) } as any, (message) => found.push(message));
  return found;
}

/** The program's resources as the policy server sees them. */
export function policyResources(run: ProgramRun): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const toResource = (r: Recorded): PolicyResource =>
    ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      props: r.state,
      opts: {
        protect: r.protect,
        deleteBeforeReplace: r.deleteBeforeReplace,
        ignoreChanges: [],
        aliases: [],
        additionalSecretOutputs: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
      },
      dependencies: [],
      propertyDependencies: {},
      isType: (cls: { __pulumiType?: string }) => cls.__pulumiType === r.type,
      asType: (cls: { __pulumiType?: string }) => (cls.__pulumiType === r.type ? r.state : undefined),
    }) as any;
  for (const r of run.resources) byUrn.set(r.urn, toResource(r));
  for (const r of run.resources) {
    const pr = byUrn.get(r.urn)! as any;
    pr.dependencies = r.dependencies.map((u) => byUrn.get(u)).filter(Boolean);
    pr.propertyDependencies = Object.fromEntries(
      Object.entries(r.propertyDependencies).map(([k, urns]) => [k, urns.map((u) => byUrn.get(u)).filter(Boolean)]),
    );
  }
  return [...byUrn.values()];
}
