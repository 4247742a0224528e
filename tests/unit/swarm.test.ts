// The swarm runtime under mocks: what `runtime: swarm` declares instead of replica
// containers and a per-release cutover, and what stays the same.
import { spawnSync } from "node:child_process";

import { beforeAll, describe, expect, it } from "vitest";

import { SECRET_FILES } from "../../components/api";
// @ts-expect-error: plain CommonJS program
import { problem } from "../../components/api/swarm-check.js";
import { judgeService, serviceProbeArgv } from "../../components/gates/health-gate.js";
import { loadConfig, TaskflowConfig } from "../../config";
import { withSetting } from "../../config/stackFile";
import { find, isSecretValue, ofType, plainOccurrences, ProgramRun, Recorded, runProgram, stackFileConfig, T } from "../mocks";

const argvOf = (cmd: Recorded): string[] => JSON.parse(cmd.inputs.create);

describe("runtime: swarm (staging config)", () => {
  let run: ProgramRun;
  let config: TaskflowConfig;
  let raw: Record<string, string>;
  const service = () => find(run, T.service, "taskflow-api-service");

  beforeAll(async () => {
    raw = withSetting(withSetting(stackFileConfig("staging"), "runtime", "swarm"), "swarm.apiConstraints", ["node.role==worker"]);
    config = loadConfig(raw);
    run = await runProgram("staging", raw);
  });

  it("declares the API as one service with N replicas and no replica containers", () => {
    expect(
      ofType(run, T.container)
        .map((c) => c.name)
        .sort(),
    ).toEqual(["taskflow-gateway-caddy", "taskflow-gateway-edge", "taskflow-postgres-container", "taskflow-redis-container"]);
    expect(service().inputs.mode).toEqual({ replicated: { replicas: config.api.replicas } });
    expect(run.outputs.apiService).toBe(service().state.name);
    expect(run.outputs.replicaNames).toEqual([]);
  });

  it("lets swarm roll out start-first and roll back a failed update by itself", () => {
    expect(service().inputs.updateConfig).toEqual({
      parallelism: 1,
      delay: "0s",
      order: "start-first",
      monitor: "15s",
      maxFailureRatio: "0",
      failureAction: "rollback",
    });
    expect(service().inputs.rollbackConfig).toMatchObject({ order: "start-first", failureAction: "pause" });
    expect(service().inputs.convergeConfig).toEqual({ delay: "1s", timeout: `${config.api.waitTimeoutSeconds}s` });
    expect(service().inputs.endpointSpec).toEqual({ mode: "dnsrr" });
  });

  it("runs tasks with the same health check, limits, user and hardening as the containers", () => {
    const spec = service().inputs.taskSpec;
    expect(spec.containerSpec.healthcheck.tests.at(-1)).toBe(`http://127.0.0.1:${config.api.port}${config.api.healthPath}`);
    expect(spec.containerSpec).toMatchObject({
      user: config.api.user,
      readOnly: true,
      capDrops: ["ALL"],
      stopSignal: "SIGTERM",
      stopGracePeriod: "30s",
    });
    expect(spec.resources.limits).toEqual({ memoryBytes: config.api.memoryMb * 1024 * 1024, nanoCpus: config.api.cpus * 1e9 });
    expect(spec.placement.constraints).toEqual(["node.role==worker"]);
    // Tasks pull by digest on whichever node they land; an image id exists only where it was pulled.
    expect(spec.containerSpec.image).toBe(find(run, T.image, "taskflow-api-image").state.repoDigest);
    expect(spec.containerSpec.image).toMatch(/^ghcr\.io\/taskflow\/taskflow-api@sha256:[a-f0-9]{64}$/);
  });

  it("passes connection strings and the API's SECRET_KEY as Docker secrets (secret data, mounted as files), never as plain env", () => {
    const secrets = ofType(run, T.secret);
    expect(secrets.map((s) => s.name).sort()).toEqual(["taskflow-api-database-url", "taskflow-api-redis-url", "taskflow-api-secret-key"]);
    for (const s of secrets) {
      expect(isSecretValue(s.raw.data), `${s.name}.data is a Pulumi secret`).toBe(true);
      if (s.name !== "taskflow-api-secret-key") expect(Buffer.from(s.inputs.data, "base64").toString()).toMatch(/^(postgresql|redis):\/\//);
    }
    const c = service().inputs.taskSpec.containerSpec;
    expect(c.env).toMatchObject({
      DATABASE_URL_FILE: SECRET_FILES.DATABASE_URL,
      REDIS_URL_FILE: SECRET_FILES.REDIS_URL,
      SECRET_KEY_FILE: SECRET_FILES.SECRET_KEY,
    });
    expect(c.env).not.toHaveProperty("DATABASE_URL");
    expect(c.env).not.toHaveProperty("SECRET_KEY");
    expect(c.secrets.map((s: { fileName: string; fileMode: number }) => [s.fileName, s.fileMode])).toEqual([
      [SECRET_FILES.DATABASE_URL, 0o400],
      [SECRET_FILES.REDIS_URL, 0o400],
      [SECRET_FILES.SECRET_KEY, 0o400],
    ]);
    for (const secret of run.generatedSecrets) {
      for (const r of run.resources) expect(plainOccurrences(r.raw, secret), r.name).toEqual([]);
    }
  });

  it("uses attachable overlay networks, the internal one without a route out", () => {
    const edge = find(run, T.network, "taskflow-network-edge").inputs;
    const internal = find(run, T.network, "taskflow-network-internal").inputs;
    expect([edge.driver, edge.attachable, edge.internal]).toEqual(["overlay", true, false]);
    expect([internal.driver, internal.attachable, internal.internal]).toEqual(["overlay", true, true]);
  });

  it("checks for a swarm manager on the labeled data node before it creates any network", () => {
    const check = find(run, T.command, "taskflow-swarm-check");
    expect(argvOf(check)).toEqual(["node", "components/api/swarm-check.js", "--data-label", "taskflow.data"]);
    for (const n of ofType(run, T.network)) expect(n.dependencies).toContain(check.urn);
  });

  it("gates on the service's tasks, and points the gateway at them through DNS", () => {
    for (const gate of ["taskflow-replica-gate-check", "taskflow-health-gate-check"]) {
      const argv = argvOf(find(run, T.command, gate));
      const flag = (f: string) => argv[argv.indexOf(f) + 1];
      expect(flag("--service")).toBe(service().state.name);
      expect(flag("--task-count")).toBe(String(config.api.replicas));
      expect(flag("--network")).toBe(find(run, T.network, "taskflow-network-edge").state.name);
      expect(argv).not.toContain("--replica");
    }
    const cutover: string[] = JSON.parse(find(run, T.command, "taskflow-cutover-reload").inputs.create);
    expect(cutover.slice(3, 5)).toEqual(["gateway-upstreams", "set"]);
    expect(cutover.at(-1)).toBe(`tasks.${service().state.name}`);
  });
});

describe("the swarm gate and check scripts", () => {
  const opts = {
    service: { name: "api", taskCount: 2, network: "edge", probeImage: "img", stack: "s" },
    expectedVersion: "v2",
    port: 8000,
    healthPath: "/health",
    statusPath: "/api/v1/status",
  };

  /** What a round's results fail on (health-gate.js judgeService). */
  const failuresOf = (stdout: string) =>
    judgeService(stdout, opts)
      .filter((r) => !r.ok)
      .map((r) => r.why);

  it("passes only when exactly the expected number of tasks answer healthy with the new version", () => {
    expect(failuresOf("10.0.0.2 200 v2\n10.0.0.3 200 v2\n")).toEqual([]);
    expect(failuresOf("10.0.0.2 200 v2\n")).toEqual(["service api: 1 task(s) answer, expected 2"]);
    expect(failuresOf("10.0.0.2 200 v2\n10.0.0.3 200 v1\n")).toEqual(['task 10.0.0.3: reports version "v1", expected "v2"']);
    expect(failuresOf("10.0.0.2 503 v2\n10.0.0.3 200 v2\n10.0.0.4 200 v2\n")).toEqual([
      "task 10.0.0.2: health answered 503",
      "service api: 3 task(s) answer, expected 2",
    ]);
  });

  it("probes tasks.<service> from a labeled, unprivileged throwaway container on the service's network", () => {
    const argv = serviceProbeArgv(opts);
    expect(argv.slice(0, 9)).toEqual([
      "docker",
      "run",
      "--rm",
      "--network",
      "edge",
      "--label",
      "taskflow.stack=s",
      "--label",
      "taskflow.role=health-gate",
    ]);
    expect(argv.slice(-4)).toEqual(["tasks.api", "8000", "/health", "/api/v1/status"]);
    expect(argv).toEqual(expect.arrayContaining(["--cap-drop", "ALL", "--security-opt", "no-new-privileges:true"]));
  });

  it("says what to do when the host is not a swarm manager on the data node", () => {
    expect(problem("inactive false", "", "taskflow.data")).toMatch(
      /^this Docker host is not in a swarm \(state inactive\): run `docker swarm init`/,
    );
    expect(problem("active false", "", "taskflow.data")).toMatch(/swarm worker: point docker.host at a manager/);
    expect(problem("active true", "", "taskflow.data")).toMatch(
      /labeled taskflow.data=true .*docker node update --label-add taskflow.data=true/,
    );
    expect(problem("active true", "true", "taskflow.data")).toBeUndefined();
    expect(spawnSync("node", ["components/api/swarm-check.js"], { encoding: "utf8" }).status).toBe(64);
  });
});
