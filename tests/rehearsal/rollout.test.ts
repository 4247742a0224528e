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
  pacedRate,
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

  // The canary (components/gates/canary-gate.js) is on in staging and production; these turn it on here.
  const CANARY = { "canary.enabled": true, "canary.windowSeconds": 10 };
  /** A task that exists, so a GET of it answers 200 from a good release. */
  const aTask = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/tasks`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "canary-read" }),
    });
    return ((await res.json()) as { id: number }).id;
  };

  it("passes a good release through its canary under 10 clients with no failed request, judged on real traffic", async () => {
    const { result, load } = await underLoad(port, 10, () => deploy("taskflow-api:v1", CANARY), { postEvery: 20 });
    expect(result.error).toBeUndefined();
    expect(result.log).toMatch(
      /canary: taskflow-api-replica-0-\w+ serves beside taskflow-api-replica-0-\w+, taskflow-api-replica-1-\w+ for 10s/,
    );
    // Judged (not "not judged"): 100 requests a second, a third of them to the canary.
    expect(result.log).toMatch(/canary: passed: new: 0\.0 % 5xx over \d{3,} requests, p99 \d+ ms; old: 0\.0 % 5xx over/);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expectWritesKept(load.titles);
    expect(await versions(20)).toEqual(new Set(["v1"]));
  }, 180_000);

  it("rolls a release that 500s a share of real requests back at its canary, under load: the update fails naming the figures and v1 serves", async () => {
    const before = containers(stack, "api", "v1");
    const id = await aTask();
    const share = 0.25;
    const { result, load } = await underLoad(
      port,
      10,
      () => deploy("taskflow-api:errors", { ...CANARY, "api.env": { TASKFLOW_APP_ERROR_SHARE: String(share) } }),
      { path: `/api/v1/tasks/${id}`, postEvery: 20 },
    );
    const { titles: _titles, ...seen } = load;
    console.log(`errors release under its canary: ${JSON.stringify(seen)}; ${result.error}`);
    expect(result.ok).toBe(false);
    expect(result.failedStep).toBe("command:local:Command taskflow-canary-analysis");
    expect(result.error).toMatch(
      /canary: FAILED after \d+s: new: (2\d|1\d)\.\d % 5xx over [\d,]+ requests.*; old: 0\.0 % 5xx over [\d,]+ requests.*rolled back: the gateway serves taskflow-api-replica-0-\w+, taskflow-api-replica-1-\w+ again/,
    );
    expect(result.plan!.filter((s) => s.name === "taskflow-cutover-reload")).toEqual([]);
    // Clients saw no socket error; the 5xx they saw came from the canary only: at most
    // its share of traffic (1 of 3 replicas) x the fault's share, over the window.
    expect(load).toMatchObject({ errors: 0, timeouts: 0 });
    expect(load.non2xx).toBeGreaterThan(0);
    expect(load.non2xx).toBeLessThanOrEqual(Math.ceil(pacedRate(10) * (10 + 3) * (1 / 3) * share));
    expectWritesKept(load.titles);
    expect(await versions(20)).toEqual(new Set(["v1"]));
    expect(containers(stack, "api", "v1")).toEqual(before);
    // The next update, with the old tag, is a normal one: fresh v1 replicas through the canary.
    const again = await deploy("taskflow-api:v1", { ...CANARY, "canary.windowSeconds": 5 });
    expect(again.error).toBeUndefined();
    expect(containers(stack, "api", "errors")).toEqual([]);
    expect(await versions(20)).toEqual(new Set(["v1"]));
  }, 240_000);

  // Without the canary (dev's default) the gates probe /health and /api/v1/status only,
  // and such a release takes all traffic: the gap the canary closes.
  it("without the canary passes that release, and one endpoint that always fails does not take the replicas out", async () => {
    const result = await deploy("taskflow-api:errors", { "api.env": { TASKFLOW_APP_ERROR_SHARE: "1" } });
    expect(result.error).toBeUndefined();
    expect(result.log).not.toContain("canary:");
    // Every real request fails now (share 1)...
    const tasks = await Promise.all(Array.from({ length: 20 }, async () => (await get(port, "/api/v1/tasks/0")).status));
    expect(new Set(tasks)).toEqual(new Set([500]));
    // ...and the replicas still answer what they answer well, at once: a 5xx does not
    // mark a replica unhealthy at the gateway (with `unhealthy_status 5xx` every replica
    // was out for 10 s and these answered 503 after lb_try_duration).
    for (let i = 0; i < 20; i++) {
      const started = Date.now();
      expect((await get(port, "/api/v1/status")).status).toBe(200);
      expect(Date.now() - started).toBeLessThan(1000);
    }
  }, 180_000);
});
