// The rehearsal's step engine: Pulumi's update semantics, small, over real Docker.
// Each rule cites where Pulumi (pkg/resource/deploy) or the provider defines it.
//  - Steps run as the program registers resources, so in dependency order: the SDK
//    sends a registration only once its inputs and dependsOn resources are resolved.
//  - No change: nothing happens (step_generator.go: SameStep).
//  - A change the provider cannot apply in place, or in replaceOnChanges: replace
//    (step_generator.go: generateSteps / diff with replaceOnChanges).
//  - Replacement is create-before-delete unless deleteBeforeReplace, whose default
//    comes from the provider (pulumi-docker marks docker_container delete-before-
//    replace); the replaced resource becomes a pending delete (step.go: ReplaceStep).
//  - Deletes (pending and of resources no longer declared) run after all other steps
//    (step_executor.go), in reverse dependency order.
//  - A failed step stops the update: nothing else starts, no delete runs, resources
//    created so far are kept, replaced ones stay pending deletes until the next
//    successful update (deployment_executor.go; state pending_replacement/delete).
//  - Protected resources are never deleted or replaced (step_generator.go: protect).
//  - ignoreChanges: an ignored input keeps its old value, for the diff and for a
//    replacement's create alike (v3.248.0 step_generator.go:2838 processIgnoreChanges).
//  - A delete-first replacement first deletes the dependents that the replacement
//    forces to be replaced (step_generator.go:1947, :3009 calculateDependentReplacements).
//    Here that is a container whose inputs name the replaced container (a Caddy in the
//    gateway edge's network namespace: networkMode container:<id>).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";

import type * as pulumi from "@pulumi/pulumi";

import type { Step } from "../conformance/plan";
import { keyOfUrn, Registration } from "./monitor";
import { Inputs, Outputs, PROVIDERS as HOST_PROVIDERS, StepError } from "./providers";
import { unwrapSecrets } from "./secrets";
import { SWARM_PROVIDERS } from "./swarmProviders";

const PROVIDERS = { ...HOST_PROVIDERS, ...SWARM_PROVIDERS };

export interface Entry {
  key: string;
  type: string;
  name: string;
  id: string;
  inputs: Inputs;
  outputs: Outputs;
  dependencies: string[];
  protect: boolean;
  /** Created but failed (e.g. never healthy): replaced on the next update. */
  tainted?: boolean;
}

export interface StackState {
  resources: Record<string, Entry>;
  pendingDeletes: Entry[];
  /** The settings of the last update, for --reuse-config. */
  settings?: { configFrom: string; sets: [string, unknown][] };
  /** Images of successful updates, oldest first, like `pulumi stack history`. */
  history?: string[];
  /** The last successful update's outputs the workflows read (`pulumi stack output`). */
  outputs?: { image: string; url: string };
}

/** When a step's provider call ran (ms since the epoch): the benchmark's phase budget. */
export interface Timing {
  op: "create" | "update" | "replace" | "delete";
  type: string;
  name: string;
  start: number;
  end: number;
}

export interface Counts {
  created: number;
  updated: number;
  replaced: number;
  deleted: number;
  same: number;
}

// Reverse dependency order for this program's graph: commands and containers use
// networks, volumes, images and passwords, never the other way round.
const DELETE_RANK: Record<string, number> = {
  "command:local:Command": 0,
  "docker:index/container:Container": 1,
  "docker:index/service:Service": 1,
  "docker:index/secret:Secret": 2,
  "docker:index/network:Network": 2,
  "docker:index/volume:Volume": 2,
  "docker:index/remoteImage:RemoteImage": 2,
  "random:index/randomPassword:RandomPassword": 3,
};

/** The top-level input of a property path (`healthcheck.tests[0]` -> `healthcheck`). */
const topKey = (p: string) => p.split(/[.[]/)[0];
const short = (type: string) => type.replace(/^(\w+):(?:index\/)?(?:\w+\/)?(\w+):(\w+)$/, "$1:$3");

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as any)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v);
}

export function changedKeys(old: Inputs, now: Inputs): string[] {
  const keys = new Set([...Object.keys(old), ...Object.keys(now)]);
  return [...keys].filter((k) => stableJson(old[k]) !== stableJson(now[k])).sort();
}

export class Rehearsal {
  readonly state: StackState;
  readonly counts: Counts = { created: 0, updated: 0, replaced: 0, deleted: 0, same: 0 };
  /** Every step in the order it started, in the form recorded real plans have (conformance/plan.ts). */
  readonly plan: Step[] = [];
  /** Each provider call's start and end, in the order they ended. */
  readonly timings: Timing[] = [];
  failure?: Error;
  /** `type name` of the step that failed, as the real engine's failed-step event names it. */
  failedStep?: string;
  private inflight = 0;
  private onIdleAfterFailure: () => void = () => {};
  /** Resolves once a step failed and the steps already running have finished (Pulumi lets them finish). */
  readonly stopped = new Promise<void>((resolve) => {
    this.onIdleAfterFailure = resolve;
  });
  private readonly seen = new Set<string>();
  private readonly registrations = new Map<string, Registration>();

  constructor(
    private readonly stateFile: string,
    private readonly log: (line: string) => void,
  ) {
    this.state = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : { resources: {}, pendingDeletes: [] };
  }

  readonly mocks: pulumi.runtime.Mocks = {
    newResource: async (args) => {
      this.inflight++;
      try {
        return await this.step(args.type, args.name, unwrapSecrets(args.inputs));
      } finally {
        this.inflight--;
        if (this.failure && this.inflight === 0) this.onIdleAfterFailure();
      }
    },
    call: (args) => args.inputs,
  };

  /** Called with each registration before newResource: options live only there. */
  noteRegistration(r: Registration): void {
    this.registrations.set(`${r.type}::${r.name}`, r);
  }

  private async step(type: string, name: string, inputs: Inputs): Promise<{ id: string | undefined; state: Outputs }> {
    const key = `${type}::${name}`;
    const reg = this.registrations.get(key);
    // Components and providers have no real object behind them.
    if (!reg?.custom || type.startsWith("pulumi:providers:")) return { id: undefined, state: inputs };
    if (this.failure) throw new Error(`not started: an earlier step failed`);
    const provider = PROVIDERS[type];
    if (!provider) throw this.fail(new Error(`the rehearsal has no provider for ${type}`));
    this.seen.add(key);
    const old = this.state.resources[key];
    if (old) for (const k of reg.ignoreChanges.map(topKey)) inputs = { ...inputs, [k]: old.inputs[k] };
    const step = (s: Omit<Step, "type" | "name">) => this.plan.push({ ...s, type, name });
    const entry = (id: string, outputs: Outputs): Entry => ({
      key,
      type,
      name,
      id,
      inputs,
      outputs,
      dependencies: reg.dependencies.map(keyOfUrn),
      protect: reg.protect,
    });
    const label = `${short(type)} ${name}`;
    try {
      if (!old) {
        this.log(`+ create   ${label}`);
        step({ op: "create" });
        const made = await this.timed("create", type, name, () => provider.create(name, inputs, this.log));
        this.record(entry(made.id, made.outputs));
        this.counts.created++;
        return { id: made.id, state: made.outputs };
      }
      // The provider diffs the state it read back against the new inputs (a bridged
      // provider's Diff gets the old outputs): a value it spells differently on read
      // is a diff on every update.
      const changed = changedKeys(provider.readBack ? provider.readBack(old.inputs) : old.inputs, inputs);
      if (!old.tainted && changed.length === 0) {
        this.counts.same++;
        return { id: old.id, state: old.outputs };
      }
      const forced = changed.filter((k) => reg.replaceOnChanges.some((p) => topKey(p) === k));
      if (!old.tainted && provider.updatable(changed) && forced.length === 0) {
        this.log(`~ update   ${label} (${changed.join(", ")})`);
        step({ op: "update", diffs: changed });
        const outputs = await this.timed("update", type, name, () => provider.update!(old.id, old.outputs, inputs, this.log));
        this.record({ ...entry(old.id, outputs) });
        this.counts.updated++;
        return { id: old.id, state: outputs };
      }
      if (old.protect) throw new Error(`${label} is protected and cannot be replaced (changed: ${changed.join(", ")})`);
      const deleteFirst = reg.deleteBeforeReplace ?? type === "docker:index/container:Container";
      this.log(
        `+-replace  ${label} (${old.tainted ? "failed last time" : changed.join(", ")}; ${deleteFirst ? "delete first" : "create first"})`,
      );
      const replaces = provider.replaceKeys
        ? provider.replaceKeys(changed)
        : changed.filter((k) => forced.includes(k) || !provider.updatable([k]));
      if (deleteFirst) step({ op: "delete-replaced" });
      step({ op: "replace", diffs: changed, replaces, deleteFirst });
      if (deleteFirst) {
        await this.deleteAll(this.dependentsOf(old));
        await provider.delete(old.id, old.outputs, this.log);
        delete this.state.resources[key];
        this.save();
      } else {
        // The old object keeps running (and serving) until the deletes at the end.
        this.state.pendingDeletes.push(old);
      }
      const made = await this.timed("replace", type, name, () => provider.create(name, inputs, this.log));
      this.record(entry(made.id, made.outputs));
      this.counts.replaced++;
      return { id: made.id, state: made.outputs };
    } catch (e) {
      const err = e as Error;
      if (err instanceof StepError && err.partial) {
        // Pulumi keeps a created-but-failed resource in state (the one it was replacing
        // is already a pending delete, still running until the next good update).
        const failed = entry(err.partial.id, { ...inputs, ...err.partial.outputs });
        this.record({ ...failed, inputs: provider.failedState ? provider.failedState(inputs) : inputs, tainted: true });
      } else if (old && this.state.pendingDeletes.includes(old)) {
        // Nothing was created: the old resource stays the live one, not a pending delete
        // (recorded real plan conformance/fixtures/05-good-tag-after-bad.json: the
        // replica watch whose replacement failed is neither deleted nor replaced).
        this.state.pendingDeletes.splice(this.state.pendingDeletes.indexOf(old), 1);
        this.save();
      }
      this.log(`x failed   ${label}: ${err.message}`);
      this.failedStep ??= `${type} ${name}`;
      if (process.env.REHEARSAL_DEBUG) this.log(String(err.stack));
      throw this.fail(err);
    }
  }

  /** Containers whose inputs name `old`'s container id, and theirs in turn: replaced with it. */
  private dependentsOf(old: Entry): Entry[] {
    const direct = Object.values(this.state.resources).filter(
      (e) => e.type === "docker:index/container:Container" && e.dependencies.includes(old.key) && JSON.stringify(e.inputs).includes(old.id),
    );
    return direct.flatMap((d) => [...this.dependentsOf(d), d]);
  }

  private async timed<T>(op: Timing["op"], type: string, name: string, call: () => Promise<T>): Promise<T> {
    const start = Date.now();
    try {
      return await call();
    } finally {
      this.timings.push({ op, type, name, start, end: Date.now() });
    }
  }

  private fail(err: Error): Error {
    this.failure ??= err;
    this.save();
    return err;
  }

  private record(e: Entry): void {
    this.state.resources[e.key] = e;
    this.save();
  }

  /** After a successful program run: pending deletes and no-longer-declared resources. */
  async finish(): Promise<void> {
    const removed = Object.values(this.state.resources).filter((e) => !this.seen.has(e.key));
    await this.deleteAll(this.state.pendingDeletes, "delete-replaced");
    await this.deleteAll(removed);
  }

  /** `pulumi destroy`: everything, in reverse dependency order; protected resources refuse. */
  async destroy(): Promise<void> {
    await this.deleteAll([...this.state.pendingDeletes, ...Object.values(this.state.resources)]);
  }

  /** Deletes the objects and drops them from state (as a pending delete or a resource). */
  private async deleteAll(entries: Entry[], op: "delete" | "delete-replaced" = "delete"): Promise<void> {
    const protectedOnes = entries.filter((e) => e.protect);
    if (protectedOnes.length) {
      throw this.fail(
        new Error(`refusing to delete protected resources: ${protectedOnes.map((e) => e.name).join(", ")} (unprotect them first)`),
      );
    }
    // In parallel where nothing orders them, as Pulumi schedules deletes (v3.248.0
    // step_generator.go:2536 ScheduleDeletes: antichains of the dependency graph, each run
    // in parallel, one after another): each round deletes what no other condemned entry
    // depends on, of the lowest DELETE_RANK among those (containers before networks).
    const rank = (e: Entry) => DELETE_RANK[e.type] ?? 9;
    let remaining = [...entries];
    while (remaining.length > 0) {
      const free = remaining.filter((e) => !remaining.some((o) => o !== e && o.dependencies.includes(e.key)));
      const pool = free.length > 0 ? free : remaining;
      const lowest = Math.min(...pool.map(rank));
      const batch = pool.filter((e) => rank(e) === lowest);
      for (const e of batch) {
        this.log(`- delete   ${short(e.type)} ${e.name}${e.outputs.name && e.type.startsWith("docker") ? ` (${e.outputs.name})` : ""}`);
        this.plan.push({ op, type: e.type, name: e.name });
      }
      await Promise.all(batch.map((e) => this.timed("delete", e.type, e.name, () => PROVIDERS[e.type].delete(e.id, e.outputs, this.log))));
      for (const e of batch) {
        // By identity, not id: a pending delete can share its id with the live resource
        // (a RemoteImage's id is the image's, and a release can return to the same image).
        this.state.pendingDeletes = this.state.pendingDeletes.filter((p) => p !== e);
        if (this.state.resources[e.key] === e) delete this.state.resources[e.key];
        this.counts.deleted++;
      }
      this.save();
      remaining = remaining.filter((e) => !batch.includes(e));
    }
  }

  save(): void {
    mkdirSync(path.dirname(this.stateFile), { recursive: true });
    const tmp = `${this.stateFile}.tmp`;
    // The state holds generated passwords, like Pulumi's (encrypted) state: owner-only.
    writeFileSync(tmp, JSON.stringify(this.state, null, 1), { mode: 0o600 });
    renameSync(tmp, this.stateFile);
  }
}
