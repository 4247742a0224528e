// The rehearsal's swarm resources (runtime: swarm), through the Engine API: a service
// (create, rolling update, delete) and a Docker secret. The service update waits as
// the provider's convergeConfig does: until swarm finished rolling, every task of
// the new spec runs, or swarm rolled back (then the step fails, like a failed update).
import { dockerApi, ignoreMissing } from "./dockerApi";
import { autoName, durationNs, Inputs, labelsOf, Provider, StepError } from "./providers";

const rollout = (u: Inputs | undefined) =>
  u && {
    Parallelism: u.parallelism,
    Delay: durationNs(u.delay),
    FailureAction: u.failureAction,
    Monitor: durationNs(u.monitor),
    MaxFailureRatio: Number(u.maxFailureRatio ?? 0),
    Order: u.order,
  };

/** The Engine API ServiceSpec for the docker provider's Service inputs this program uses. */
export function serviceSpec(name: string, inputs: Inputs): Record<string, unknown> {
  const t = inputs.taskSpec;
  const c = t.containerSpec;
  const hc = c.healthcheck;
  return {
    Name: name,
    Labels: labelsOf(inputs.labels),
    TaskTemplate: {
      ContainerSpec: {
        Image: c.image,
        Env: Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${v}`),
        User: c.user,
        ReadOnly: c.readOnly ?? false,
        Labels: labelsOf(c.labels),
        Mounts: (c.mounts ?? []).map((m: Inputs) => ({
          Type: m.type,
          Target: m.target,
          TmpfsOptions: m.tmpfsOptions && { SizeBytes: m.tmpfsOptions.sizeBytes },
        })),
        Healthcheck: hc && {
          Test: hc.tests,
          Interval: durationNs(hc.interval),
          Timeout: durationNs(hc.timeout),
          Retries: hc.retries,
          StartPeriod: durationNs(hc.startPeriod),
        },
        Secrets: (c.secrets ?? []).map((s: Inputs) => ({
          SecretID: s.secretId,
          SecretName: s.secretName,
          File: { Name: s.fileName, UID: s.fileUid, GID: s.fileGid, Mode: s.fileMode },
        })),
        StopSignal: c.stopSignal,
        StopGracePeriod: durationNs(c.stopGracePeriod),
        CapabilityDrop: c.capDrops,
      },
      Networks: (t.networksAdvanceds ?? []).map((n: Inputs) => ({ Target: n.name, Aliases: n.aliases ?? [] })),
      Resources: { Limits: { MemoryBytes: t.resources?.limits?.memoryBytes, NanoCPUs: t.resources?.limits?.nanoCpus } },
      RestartPolicy: t.restartPolicy && { Condition: t.restartPolicy.condition, Delay: durationNs(t.restartPolicy.delay) },
      Placement: { Constraints: t.placement?.constraints ?? [] },
      LogDriver: t.logDriver && { Name: t.logDriver.name, Options: t.logDriver.options },
    },
    Mode: { Replicated: { Replicas: inputs.mode?.replicated?.replicas ?? 1 } },
    UpdateConfig: rollout(inputs.updateConfig),
    RollbackConfig: rollout(inputs.rollbackConfig),
    EndpointSpec: { Mode: inputs.endpointSpec?.mode ?? "vip" },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until `replicas` tasks of the service's current spec run (swarm reports running only once healthy). */
async function converged(id: string, replicas: number, timeoutSeconds: number, name: string): Promise<number> {
  const started = Date.now();
  for (;;) {
    const svc = await dockerApi("GET", `/services/${id}`);
    const tasks: Inputs[] = await dockerApi(
      "GET",
      `/tasks?filters=${encodeURIComponent(JSON.stringify({ service: [id], "desired-state": ["running"] }))}`,
    );
    const current = tasks.filter((t) => t.Spec?.ContainerSpec?.Image === svc.Spec.TaskTemplate.ContainerSpec.Image);
    const running = current.filter((t) => t.Status?.State === "running");
    if (running.length === replicas && tasks.length === replicas) return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutSeconds * 1000) {
      const states = tasks.map((t) => `${t.Status?.State}${t.Status?.Err ? ` (${t.Status.Err})` : ""}`).join(", ");
      throw new StepError(
        `service ${name} did not converge within ${timeoutSeconds}s: ${running.length}/${replicas} running; tasks: ${states || "none"}`,
      );
    }
    await sleep(500);
  }
}

const convergeTimeout = (inputs: Inputs) => (durationNs(inputs.convergeConfig?.timeout) ?? 120e9) / 1e9;

const service: Provider = {
  async create(name, inputs, log) {
    const serviceName = inputs.name ?? autoName(name);
    const { ID: id } = await dockerApi("POST", "/services/create", serviceSpec(serviceName, inputs));
    const replicas = inputs.mode?.replicated?.replicas ?? 1;
    try {
      const took = await converged(id, replicas, convergeTimeout(inputs), serviceName);
      log(`    ${serviceName}: ${replicas} task(s) running after ${took.toFixed(1)}s`);
    } catch (e) {
      throw new StepError((e as Error).message, { id, outputs: { ...inputs, name: serviceName } });
    }
    return { id, outputs: { ...inputs, name: serviceName } };
  },
  updatable: (changed) => !changed.includes("name"),
  // A rolling update by swarm itself (updateConfig); then wait for its outcome.
  async update(id, old, inputs, log) {
    const before = await dockerApi("GET", `/services/${id}`);
    const startedBefore = before.UpdateStatus?.StartedAt;
    await dockerApi("POST", `/services/${id}/update?version=${before.Version.Index}`, serviceSpec(old.name, inputs));
    const begun = Date.now();
    const timeout = convergeTimeout(inputs);
    for (;;) {
      const s = await dockerApi("GET", `/services/${id}`);
      const u = s.UpdateStatus;
      if (u && u.StartedAt !== startedBefore) {
        if (u.State === "completed") break;
        if (u.State === "rollback_completed") throw new StepError(`swarm rolled the update of ${old.name} back: ${u.Message}`);
        if (u.State === "paused" || u.State === "rollback_paused")
          throw new StepError(`the update of ${old.name} is ${u.State}: ${u.Message}`);
      } else if (Date.now() - begun > 3000) {
        break; // no rolling update started: the task spec did not change (e.g. only replicas)
      }
      if (Date.now() - begun > timeout * 1000) throw new StepError(`the update of ${old.name} did not finish within ${timeout}s`);
      await sleep(500);
    }
    const took = await converged(id, inputs.mode?.replicated?.replicas ?? 1, timeout, old.name);
    log(`    ${old.name}: updated, all tasks running (${((Date.now() - begun) / 1000).toFixed(1)}s; converged +${took.toFixed(1)}s)`);
    return { ...old, ...inputs, name: old.name };
  },
  // Removing a service stops its tasks (SIGTERM, stopGracePeriod); wait until their
  // containers are gone, or the networks they were on cannot be deleted.
  async delete(id) {
    await ignoreMissing(dockerApi("DELETE", `/services/${id}`));
    const filter = encodeURIComponent(JSON.stringify({ label: [`com.docker.swarm.service.id=${id}`] }));
    for (let i = 0; i < 240; i++) {
      if ((await dockerApi("GET", `/containers/json?all=1&filters=${filter}`)).length === 0) return;
      await sleep(500);
    }
  },
};

const secret: Provider = {
  async create(name, inputs) {
    const secretName = inputs.name ?? autoName(name);
    const { ID: id } = await dockerApi("POST", "/secrets/create", { Name: secretName, Data: inputs.data, Labels: labelsOf(inputs.labels) });
    return { id, outputs: { ...inputs, name: secretName } };
  },
  updatable: () => false,
  async delete(id) {
    await ignoreMissing(dockerApi("DELETE", `/secrets/${id}`));
  },
};

export const SWARM_PROVIDERS: Record<string, Provider> = {
  "docker:index/service:Service": service,
  "docker:index/secret:Secret": secret,
};
