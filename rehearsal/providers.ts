// What create/update/delete mean for each resource type the program uses, done for
// real on the local Docker engine (containers, networks, volumes through the Engine
// API; commands as processes; passwords from crypto). Mirrors the providers' behavior
// that the rollout depends on; everything else is out of scope.
import { spawn } from "node:child_process";
import { randomBytes, randomInt } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

import { dockerCpus } from "../config/dockerCpus";
import { ROOT } from "../config/stackFile";
import { dockerApi, DockerApiError, ignoreMissing, tarOneFile } from "./dockerApi";

export type Inputs = Record<string, any>;
export type Outputs = Record<string, any>;

export class StepError extends Error {
  /** Set when the object exists although the step failed (Pulumi keeps it in state, to replace next time). */
  constructor(
    message: string,
    public readonly partial?: { id: string; outputs: Outputs },
  ) {
    super(message);
  }
}

export interface Provider {
  create(name: string, inputs: Inputs, log: (line: string) => void): Promise<{ id: string; outputs: Outputs }>;
  /** Changes the provider applies in place; anything else is a replacement. */
  updatable(changed: string[]): boolean;
  /** The inputs as the provider's read puts them into state, where it respells any (diffed against the next inputs). */
  readBack?(inputs: Inputs): Inputs;
  /** The state a failed create leaves, where it holds more than the inputs (diffed against the next inputs). */
  failedState?(inputs: Inputs): Inputs;
  /**
   * The properties the engine names as forcing a replacement (its step's `keys`), of
   * those that changed; default: the ones the provider cannot update in place.
   */
  replaceKeys?(changed: string[]): string[];
  update?(id: string, old: Outputs, inputs: Inputs, log: (line: string) => void): Promise<Outputs>;
  delete(id: string, outputs: Outputs, log: (line: string) => void): Promise<void>;
}

/** Pulumi auto-naming: `<resource name>-<7 random hex>` (sdk autonaming, pulumi-docker's AutoName). */
export const autoName = (name: string) => `${name}-${randomBytes(4).toString("hex").slice(0, 7)}`;

/** The provider's `[{label, value}]` as the Engine API's label map. */
export const labelsOf = (l?: Inputs[]) => Object.fromEntries((l ?? []).map((x) => [x.label, x.value]));

export const durationNs = (d: string | undefined): number | undefined => {
  if (!d) return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(d);
  if (!m) throw new Error(`unsupported duration ${d}`);
  return Math.round(Number(m[1]) * { ms: 1e6, s: 1e9, m: 60e9 }[m[2] as "ms" | "s" | "m"]);
};

export function containerCreateBody(inputs: Inputs): Record<string, unknown> {
  const networks: Inputs[] = inputs.networksAdvanced ?? [];
  const ports: Inputs[] = inputs.ports ?? [];
  const portKey = (p: Inputs) => `${p.internal}/${p.protocol ?? "tcp"}`;
  const mb = (n: number | undefined) => (n ? n * 1024 * 1024 : undefined);
  const hc = inputs.healthcheck;
  return {
    Image: inputs.image,
    Cmd: inputs.command,
    Entrypoint: inputs.entrypoints,
    Env: inputs.envs,
    User: inputs.user,
    Labels: labelsOf(inputs.labels),
    Healthcheck: hc && {
      Test: hc.tests,
      Interval: durationNs(hc.interval),
      Timeout: durationNs(hc.timeout),
      Retries: hc.retries,
      StartPeriod: durationNs(hc.startPeriod),
    },
    StopSignal: inputs.stopSignal,
    StopTimeout: inputs.stopTimeout,
    ExposedPorts: Object.fromEntries(ports.map((p) => [portKey(p), {}])),
    HostConfig: {
      Memory: mb(inputs.memory),
      MemorySwap: mb(inputs.memorySwap),
      NanoCpus: inputs.cpus ? Math.round(Number(inputs.cpus) * 1e9) : undefined,
      CapDrop: inputs.capabilities?.drops,
      CapAdd: inputs.capabilities?.adds,
      SecurityOpt: inputs.securityOpts,
      Privileged: inputs.privileged ?? false,
      ReadonlyRootfs: inputs.readOnly ?? false,
      Tmpfs: inputs.tmpfs,
      RestartPolicy: inputs.restart ? { Name: inputs.restart } : undefined,
      NetworkMode: inputs.networkMode,
      Sysctls: inputs.sysctls,
      PortBindings: Object.fromEntries(ports.map((p) => [portKey(p), [{ HostIp: p.ip ?? "", HostPort: String(p.external) }]])),
      Mounts: (inputs.volumes ?? []).map((v: Inputs) => ({
        Type: "volume",
        Source: v.volumeName,
        Target: v.containerPath,
        ReadOnly: v.readOnly ?? false,
      })),
      LogConfig: inputs.logDriver ? { Type: inputs.logDriver, Config: inputs.logOpts ?? {} } : undefined,
    },
    NetworkingConfig: networks.length ? { EndpointsConfig: { [networks[0].name]: { Aliases: networks[0].aliases ?? [] } } } : undefined,
  };
}

async function containerLogs(id: string): Promise<string> {
  const raw: string = await dockerApi("GET", `/containers/${id}/logs?stdout=1&stderr=1&tail=15`).catch(() => "");
  // Multiplexed stream: strip the 8-byte frame headers.
  return (
    String(raw)
      // eslint-disable-next-line no-control-regex -- Docker's log stream frame headers are control bytes
      .replace(/[\x00-\x08][\x00]{3}[\s\S]{4}/g, "")
      .trim()
  );
}

/**
 * The docker provider's `wait`: polls Docker's health status once a second until
 * `healthy`; any other status, `unhealthy` and a container that exited included, keeps
 * it polling until `waitTimeout` (terraform-provider-docker
 * internal/provider/resource_docker_container_funcs.go:590-628, pulumi-docker v5.1.0's
 * upstream), then fails with the provider's own words.
 */
async function waitHealthy(id: string, name: string, timeoutSeconds: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    // Gone (removed by components/api/replica-watch.js): the provider's inspect fails and so does its wait, at once.
    const info = await dockerApi("GET", `/containers/${id}/json`).catch((e) => {
      throw new StepError(`error inspecting container state: ${e.message}`, { id, outputs: { name } });
    });
    const health = info.State.Health?.Status ?? "none";
    if (health === "healthy") return (Date.now() - started) / 1000;
    if (Date.now() - started > timeoutSeconds * 1000) {
      const exited = info.State.Status === "exited" || info.State.Status === "dead";
      throw new StepError(
        `container failed to be in healthy state (${name} after ${timeoutSeconds}s: health ${health}` +
          `${exited ? `, exited with code ${info.State.ExitCode}:\n${await containerLogs(id)}` : ""})`,
        { id, outputs: { name } },
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Uploads files, joins the other networks, starts, then (with `wait`) waits for healthy. */
async function prepareAndStart(id: string, containerName: string, inputs: Inputs, log: (line: string) => void): Promise<void> {
  for (const u of inputs.uploads ?? []) {
    const mode = u.permissions ? parseInt(u.permissions, 8) : u.executable ? 0o755 : 0o644;
    const tar = tarOneFile(u.file, Buffer.from(u.content ?? "", "utf8"), mode, Number(u.owner ?? 0), Number(u.group ?? u.owner ?? 0));
    await dockerApi("PUT", `/containers/${id}/archive?path=/`, tar, "application/x-tar");
  }
  for (const n of (inputs.networksAdvanced ?? []).slice(1)) {
    await dockerApi("POST", `/networks/${encodeURIComponent(n.name)}/connect`, {
      Container: id,
      EndpointConfig: { Aliases: n.aliases ?? [] },
    });
  }
  await dockerApi("POST", `/containers/${id}/start`);
  if (inputs.wait) {
    const took = await waitHealthy(id, containerName, inputs.waitTimeout ?? 60);
    log(`    ${containerName} healthy after ${took.toFixed(1)}s`);
  }
}

/**
 * Container inputs the docker provider does not mark ForceNew (terraform-provider-docker
 * internal/provider/resource_docker_container.go): a change to only these is an update
 * in place; any other change (image, env, labels, cpus, ...) replaces the container.
 * Note healthcheck and tmpfs are here: the provider cannot change them on a running
 * container, which is why the program lists them in replaceOnChanges.
 */
export const CONTAINER_IN_PLACE = [
  "memory",
  "memorySwap",
  "cpuShares",
  "cpuSet",
  "cpuPeriod",
  "cpuQuota",
  "restart",
  "maxRetryCount",
  "healthcheck",
  "tmpfs",
  "wait",
  "waitTimeout",
  "destroyGraceSeconds",
  "mustRun",
  "start",
  "init",
  "rm",
  "attach",
  "logs",
  "removeVolumes",
  "containerReadRefreshTimeoutMilliseconds",
  // Computed only: a difference shows in the diff, never as a reason to replace.
  "networkDatas",
];

const container: Provider = {
  // NanoCPUs read back through nanoInt64ToDecimalString (config/dockerCpus.ts): "1" -> "1.0".
  readBack: (inputs) => (inputs.cpus === undefined ? inputs : { ...inputs, cpus: dockerCpus(Number(inputs.cpus)) }),
  // A container whose `wait` failed is kept in state as Docker reported it: with its
  // image's command and entrypoint and its network data, which the program leaves
  // unset. The next update therefore also diffs those (recorded real plan
  // conformance/fixtures/05-good-tag-after-bad.json); command and entrypoint force
  // the replacement, networkDatas (computed) does not.
  failedState: (inputs) => ({
    ...inputs,
    ...(inputs.command === undefined ? { command: ["(the image's)"] } : {}),
    ...(inputs.entrypoints === undefined ? { entrypoints: ["(the image's)"] } : {}),
    networkDatas: [{ fromDocker: true }],
  }),
  async create(name, inputs, log) {
    const containerName = inputs.name ?? autoName(name);
    const { Id: id } = await dockerApi("POST", `/containers/create?name=${encodeURIComponent(containerName)}`, containerCreateBody(inputs));
    try {
      await prepareAndStart(id, containerName, inputs, log);
    } catch (e) {
      // The container exists: report it, so state keeps it and the next update removes it.
      throw e instanceof StepError
        ? e
        : new StepError(`container ${containerName}: ${(e as Error).message}`, { id, outputs: { name: containerName } });
    }
    return { id, outputs: { ...inputs, name: containerName } };
  },
  updatable: (changed) => changed.every((k) => CONTAINER_IN_PLACE.includes(k)),
  // What the provider's update applies to a running container (`docker update`); the
  // other in-place fields (healthcheck, tmpfs, wait, ...) only change the state.
  async update(id, old, inputs) {
    await dockerApi("POST", `/containers/${id}/update`, {
      Memory: inputs.memory * 1024 * 1024,
      MemorySwap: inputs.memorySwap * 1024 * 1024,
      CpuShares: inputs.cpuShares,
      RestartPolicy: { Name: inputs.restart },
    });
    return { ...old, ...inputs, name: old.name };
  },
  // destroyGraceSeconds: stop (SIGTERM, then SIGKILL after the grace period), then remove.
  async delete(id, outputs) {
    await ignoreMissing(
      dockerApi("POST", `/containers/${id}/stop?t=${outputs.destroyGraceSeconds ?? 10}`).catch((e) => {
        if (String(e.message).includes("is not running") || e.status === 304) return undefined;
        throw e;
      }),
    );
    await ignoreMissing(dockerApi("DELETE", `/containers/${id}?force=true&v=true`));
  },
};

const network: Provider = {
  async create(name, inputs) {
    const netName = inputs.name ?? autoName(name);
    const { Id: id } = await dockerApi("POST", "/networks/create", {
      Name: netName,
      Driver: inputs.driver ?? "bridge",
      Internal: inputs.internal ?? false,
      Attachable: inputs.attachable ?? false,
      CheckDuplicate: true,
      Labels: labelsOf(inputs.labels),
    });
    return { id, outputs: { ...inputs, name: netName } };
  },
  updatable: () => false,
  async delete(id) {
    await deleteNetwork(id);
  },
};

/**
 * A network delete as the docker provider does it (terraform-provider-docker v4.5.0,
 * internal/provider/resource_docker_network_funcs.go:110-135 and 205-225, timings at
 * :21-23): the first try 2 s after the delete starts, then again at least 5 s apart while
 * the engine answers "has active endpoints", for up to 30 s; any other error fails it.
 * The 2 s matter under swarm: a service's tasks hold its overlay networks for a moment
 * after their containers are gone ("network … is in use by task"; measured once in CI).
 */
async function deleteNetwork(id: string): Promise<void> {
  const until = Date.now() + 30_000;
  await sleep(2_000);
  for (;;) {
    try {
      await ignoreMissing(dockerApi("DELETE", `/networks/${id}`));
      return;
    } catch (e) {
      if (!(e instanceof DockerApiError && /has active endpoints/.test(e.message)) || Date.now() + 5_000 > until) throw e;
      await sleep(5_000);
    }
  }
}

const volume: Provider = {
  async create(name, inputs) {
    const volName = inputs.name ?? autoName(name);
    await dockerApi("POST", "/volumes/create", { Name: volName, Labels: labelsOf(inputs.labels) });
    return { id: volName, outputs: { ...inputs, name: volName } };
  },
  updatable: () => false,
  async delete(id) {
    await ignoreMissing(dockerApi("DELETE", `/volumes/${encodeURIComponent(id)}`));
  },
};

const remoteImage: Provider = {
  // There is no registry here: the image must already be on the engine (scripts/build-images.sh).
  async create(_name, inputs) {
    const info = await ignoreMissing(dockerApi("GET", `/images/${encodeURIComponent(inputs.name)}/json`));
    if (!info)
      throw new StepError(`image ${inputs.name} is not on this Docker engine (the rehearsal never pulls; run scripts/build-images.sh)`);
    return { id: info.Id, outputs: { ...inputs, imageId: info.Id, repoDigest: info.RepoDigests?.[0] ?? "" } };
  },
  updatable: () => false,
  async delete() {
    // keepLocally: true — the image stays for a fast rollback.
  },
};

const PASSWORD_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const randomPassword: Provider = {
  async create(name, inputs) {
    const chars = PASSWORD_CHARS + (inputs.special ? "!#$%&*()-_=+[]{}<>:?" : "");
    const result = Array.from({ length: inputs.length }, () => chars[randomInt(chars.length)]).join("");
    return { id: name, outputs: { ...inputs, result } };
  },
  updatable: () => false,
  async delete() {},
};

/** Runs `interpreter + [script]` with the command's environment and stdin, as pulumi-command does. */
export function runCommand(inputs: Inputs, script: string, log: (line: string) => void): Promise<{ stdout: string; stderr: string }> {
  const [cmd, ...args] = [...(inputs.interpreter ?? ["/bin/sh", "-c"]), script];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...(inputs.environment ?? {}) }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const relay = (buf: Buffer, into: "out" | "err") => {
      const text = buf.toString();
      if (into === "out") stdout += text;
      else stderr += text;
      for (const line of text.split("\n").filter(Boolean)) log(`    | ${line}`);
    };
    child.stdout.on("data", (b) => relay(b, "out"));
    child.stderr.on("data", (b) => relay(b, "err"));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve({ stdout: stdout.trim(), stderr: stderr.trim() });
      else reject(new StepError(`command exited with code ${code}: ${stderr.trim().split("\n").slice(-3).join(" / ")}`));
    });
    child.stdin.end(inputs.stdin ?? "");
  });
}

const localCommand: Provider = {
  async create(name, inputs, log) {
    const out = inputs.create ? await runCommand(inputs, inputs.create, log) : { stdout: "", stderr: "" };
    return { id: `${name}-${randomBytes(4).toString("hex")}`, outputs: { ...inputs, ...out } };
  },
  // pulumi-command: a change to `triggers` replaces; other changes run `update` (or `create`).
  updatable: (changed) => !changed.includes("triggers"),
  // Its replacements reach the engine through the detailed diff only: the step names no
  // replace keys (every recorded real plan, e.g. conformance/fixtures/03-v1-to-v2.json).
  replaceKeys: () => [],
  async update(_id, _old, inputs, log) {
    const script = inputs.update ?? inputs.create;
    const out = script ? await runCommand(inputs, script, log) : { stdout: "", stderr: "" };
    return { ...inputs, ...out };
  },
  async delete(_id, outputs, log) {
    if (outputs.delete) await runCommand(outputs, outputs.delete, log);
  },
};

/** Single-host resources; the swarm ones are in swarmProviders.ts (the engine uses both). */
export const PROVIDERS: Record<string, Provider> = {
  "docker:index/container:Container": container,
  "docker:index/network:Network": network,
  "docker:index/volume:Volume": volume,
  "docker:index/remoteImage:RemoteImage": remoteImage,
  "random:index/randomPassword:RandomPassword": randomPassword,
  "command:local:Command": localCommand,
};
