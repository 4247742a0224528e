// The rollout, end to end on the local Docker engine: fresh deploy, zero-error
// rollouts under load, a bad tag, a failed migration and a release that turns
// unhealthy are all harmless, and a config revert rolls back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import {
  containers,
  docker,
  freePort,
  get,
  networkOf,
  RehearsalResult,
  rehearse,
  removeStack,
  storedWritesOf,
  underLoad,
  uniqueStack,
} from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

describe.skipIf(skipRehearsal)("rollout on real Docker", () => {
  requireDocker();
  const stack = uniqueStack("rh-rollout");
  let port: number;
  let base: Record<string, unknown>;
  let first: RehearsalResult;
  const deploy = (image: string, more: Record<string, unknown> = {}) => rehearse(stack, { ...base, image, ...more });
  const versions = async (n: number) =>
    new Set(await Promise.all(Array.from({ length: n }, async () => (await get(port, "/api/v1/status")).body.version)));

  /**
   * Deploys `image` under `connections` strict keep-alive clients, paced (every 20th
   * request of the load POSTs a task); returns the update and what clients saw, and logs it.
   */
  const deployUnderLoad = async (connections: number, image: string, more: Record<string, unknown> = {}) => {
    const run = await underLoad(port, connections, () => deploy(image, more), { postEvery: 20 });
    const { titles: _titles, ...load } = run.load;
    console.log(`${image} under ${connections} strict clients: ${JSON.stringify(load)}`);
    return run;
  };

  /** Every task answered 201 is stored exactly once, and no other task of this load is. */
  const expectWritesKept = (titles: string[]) => {
    expect(titles.length).toBeGreaterThan(10);
    const { answered, stored } = storedWritesOf(stack, titles);
    expect(stored).toEqual(answered);
  };

  beforeAll(async () => {
    port = await freePort();
    base = { "gateway.hostPort": port, "api.replicas": 2 };
    first = await deploy("taskflow-api:v1");
  }, 180_000);
  afterAll(() => removeStack(stack), 120_000);

  it("deploys fresh: the gateway answers /health 200 and serves v1 from two replicas", async () => {
    expect(first.error).toBeUndefined();
    expect(first.ok).toBe(true);
    expect((await get(port, "/health")).status).toBe(200);
    expect(await versions(10)).toEqual(new Set(["v1"]));
    expect(containers(stack, "api", "v1")).toHaveLength(2);
  });

  it("keeps Postgres and Redis off the host and out of reach from the edge network", () => {
    const edge = networkOf(stack, "edge");
    const internal = networkOf(stack, "internal");
    expect(docker("network", "inspect", "-f", "{{.Internal}}", internal)).toBe("true");
    const probe = (network: string, host: string, p: number) => {
      try {
        docker(
          "run",
          "--rm",
          "--network",
          network,
          "--label",
          `taskflow.stack=${stack}`,
          "taskflow-api:v1",
          "python3",
          "-c",
          `import socket; socket.create_connection((${JSON.stringify(host)}, ${p}), timeout=3)`,
        );
        return "reachable";
      } catch {
        return "unreachable";
      }
    };
    for (const [role, host, p] of [
      ["postgres", "postgres", 5432],
      ["redis", "redis", 6379],
    ] as const) {
      const [name] = containers(stack, role);
      expect(docker("inspect", "-f", "{{json .NetworkSettings.Ports}}", name)).toMatch(/^(\{\}|null|\{"\d+\/tcp":null\})$/);
      expect(docker("inspect", "-f", "{{json .HostConfig.PortBindings}}", name)).toMatch(/^(\{\}|null)$/);
      expect(probe(edge, host, p)).toBe("unreachable");
      expect(probe(edge, name, p)).toBe("unreachable");
      expect(probe(internal, host, p)).toBe("reachable"); // the probe itself works
    }
  }, 60_000);

  it("rolls out v1 -> v2 under 10 clients with no failed request and no lost write; v1 containers are gone", async () => {
    const { result, load } = await deployUnderLoad(10, "taskflow-api:v2");
    expect(result.error).toBeUndefined();
    expect(load.requests).toBeGreaterThan(500);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expectWritesKept(load.titles);
    expect(await versions(20)).toEqual(new Set(["v2"]));
    expect(containers(stack, "api", "v1")).toEqual([]);
    expect(containers(stack, "api", "v2")).toHaveLength(2);
  }, 180_000);

  it("rolls back to v1 by reverting the tag, under 100 clients, with no failed request", async () => {
    const { result, load } = await deployUnderLoad(100, "taskflow-api:v1");
    expect(result.error).toBeUndefined();
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expectWritesKept(load.titles);
    expect(await versions(20)).toEqual(new Set(["v1"]));
    expect(containers(stack, "api", "v2")).toEqual([]);
  }, 180_000);

  it("rolls out v1 -> v2 under 100 clients with no failed request and no lost or doubled write", async () => {
    const { result, load } = await deployUnderLoad(100, "taskflow-api:v2");
    expect(result.error).toBeUndefined();
    expect(load.requests).toBeGreaterThan(1000);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expectWritesKept(load.titles);
    expect(await versions(20)).toEqual(new Set(["v2"]));
    expect(containers(stack, "api", "v1")).toEqual([]);
  }, 180_000);

  it("fails a tag that never becomes healthy, while v2 keeps serving every request", async () => {
    const before = containers(stack, "api", "v2");
    const { result, load } = await deployUnderLoad(100, "taskflow-api:never-healthy", { "api.waitTimeoutSeconds": 60 });
    expect(result.ok).toBe(false);
    // The replica watch removed the new replicas as soon as Docker called them unhealthy:
    // the update failed well before the 60 s wait timeout, and left nothing running.
    expect(result.error).toMatch(/the new image never became healthy|error inspecting container state/);
    expect(result.seconds).toBeLessThan(60);
    expect(containers(stack, "api", "never-healthy")).toEqual([]);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expectWritesKept(load.titles);
    expect(await versions(20)).toEqual(new Set(["v2"]));
    expect(containers(stack, "api", "v2")).toEqual(before);
    // Retrying the bad tag fails the same way and still takes nothing down.
    const retry = await deploy("taskflow-api:never-healthy", { "api.waitTimeoutSeconds": 60 });
    expect(retry.error).toMatch(/the new image never became healthy|error inspecting container state/);
    expect(containers(stack, "api", "never-healthy")).toEqual([]);
    expect(containers(stack, "api", "v2")).toEqual(before);
  }, 240_000);

  it("then recovers with the previous config and leaves no stray container", async () => {
    const result = await deploy("taskflow-api:v2");
    expect(result.error).toBeUndefined();
    expect(containers(stack, "api", "never-healthy")).toEqual([]);
    expect(containers(stack, "api")).toHaveLength(2);
    expect(await versions(20)).toEqual(new Set(["v2"]));
  }, 180_000);

  it("fails a release whose migration fails before any replica is replaced, with no failed request", async () => {
    const before = containers(stack, "api");
    const { result, load } = await deployUnderLoad(100, "taskflow-api:bad-migration");
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe("command:local:Command taskflow-api-migration");
    expect(result.plan!.filter((s) => s.name.startsWith("taskflow-api-replica"))).toEqual([]);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expectWritesKept(load.titles);
    expect(containers(stack, "api")).toEqual(before);
    expect(await versions(20)).toEqual(new Set(["v2"]));
    expect((await deploy("taskflow-api:v2")).error).toBeUndefined();
  }, 180_000);

  it("stops a release that turns unhealthy seconds after start at the replica gate, before any traffic moves", async () => {
    const before = containers(stack, "api", "v2");
    const { result, load } = await deployUnderLoad(100, "taskflow-api:flaky", {
      "api.env": { TASKFLOW_APP_UNHEALTHY_AFTER: "4" },
      "healthGate.attempts": 5,
      "healthGate.timeoutSeconds": 15,
    });
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe("command:local:Command taskflow-replica-gate-check");
    expect(result.plan!.filter((s) => s.name === "taskflow-cutover-reload")).toEqual([]);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expect(await versions(20)).toEqual(new Set(["v2"]));
    expect((await deploy("taskflow-api:v2")).error).toBeUndefined();
    expect(containers(stack, "api", "flaky")).toEqual([]);
    expect(containers(stack, "api", "v2")).toHaveLength(2);
    expect(containers(stack, "api", "v2")).not.toEqual(before); // the recovery rolled fresh v2 replicas
  }, 240_000);

  // The gap issue #27 closes: today's gates probe /health and /api/v1/status only, so a
  // release that fails a share of real requests passes them and takes all traffic. When
  // the canary's analysis lands, this test turns into its failing case.
  it("passes a release that answers /health and /api/v1/status but 500s a share of real requests (the gates' blind spot)", async () => {
    const result = await deploy("taskflow-api:errors", { "api.env": { TASKFLOW_APP_ERROR_SHARE: "0.25" } });
    expect(result.error).toBeUndefined();
    const statuses = (urlPath: string) => Promise.all(Array.from({ length: 40 }, async () => (await get(port, urlPath)).status));
    expect(new Set(await statuses("/health"))).toEqual(new Set([200]));
    expect(new Set(await statuses("/api/v1/status"))).toEqual(new Set([200]));
    // Each worker fails exactly a quarter of what it sees; spread over the replicas'
    // workers, 40 requests get about 10 (one per worker more or less). A read of one task
    // (none has id 0: 404), not the list: earlier tests in this file leave thousands of rows.
    const tasks = await statuses("/api/v1/tasks/0");
    const failed = tasks.filter((s) => s === 500).length;
    console.log(`taskflow-api:errors (share 0.25) deployed through every gate; GET /api/v1/tasks/0: ${failed} of 40 answered 500`);
    expect(failed).toBeGreaterThanOrEqual(4);
    expect(failed).toBeLessThanOrEqual(16);
    expect(tasks.filter((s) => s !== 500 && s !== 404)).toEqual([]);
  }, 240_000);
});
