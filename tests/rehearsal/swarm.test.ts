// The swarm runtime on a single-node swarm (`docker swarm init --advertise-addr
// 127.0.0.1`): the API is a service updated start-first by swarm itself, the gateway
// follows its tasks in DNS. A rollout, a bad tag (swarm rolls it back by itself and
// `pulumi up` fails) and a rollback by reverting the tag, all under load, with no
// failed request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { docker, freePort, get, RehearsalResult, rehearse, removeStack, underLoad, uniqueStack } from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

const DATA_LABEL = "taskflow.data";

/** Joins a single-node swarm when the engine is in none; says whether it did (to leave it after). */
function ensureSwarm(): boolean {
  const joined = docker("info", "--format", "{{.Swarm.LocalNodeState}}") !== "active";
  if (joined) docker("swarm", "init", "--advertise-addr", "127.0.0.1");
  docker("node", "update", "--label-add", `${DATA_LABEL}=true`, docker("node", "inspect", "self", "--format", "{{.ID}}"));
  return joined;
}

describe.skipIf(skipRehearsal)("swarm runtime on a single-node swarm", () => {
  requireDocker();
  const stack = uniqueStack("rh-swarm");
  let port: number;
  let joined = false;
  let first: RehearsalResult;
  const deploy = (image: string) => rehearse(stack, { runtime: "swarm", image, "api.replicas": 2, "gateway.hostPort": port });
  const service = () => docker("service", "ls", "-q", "--filter", `label=taskflow.stack=${stack}`);
  const serviceImage = () => docker("service", "inspect", "-f", "{{.Spec.TaskTemplate.ContainerSpec.Image}}", service());
  const status = async (n: number) => Promise.all(Array.from({ length: n }, async () => (await get(port, "/api/v1/status")).body));

  async function deployUnderLoad(connections: number, image: string) {
    const run = await underLoad(port, connections, () => deploy(image));
    // The figures the closing note quotes.
    console.log(
      `swarm ${image} @${connections}: ${run.load.requests} requests, p99 ${run.load.p99} ms, max ${run.load.max} ms; update ${run.result.seconds.toFixed(1)}s`,
    );
    return run;
  }

  beforeAll(async () => {
    joined = ensureSwarm();
    port = await freePort();
    first = await deploy("taskflow-api:v1");
  }, 240_000);
  afterAll(async () => {
    await removeStack(stack);
    if (joined) {
      docker("swarm", "leave", "--force");
      // `swarm init` also made this bridge; leaving keeps it. Remove it unless something uses it.
      try {
        docker("network", "rm", "docker_gwbridge");
      } catch {
        /* in use or gone */
      }
    }
  }, 180_000);

  it("deploys the API as a two-task service behind the gateway, on overlay networks", async () => {
    expect(first.error).toBeUndefined();
    expect(first.outputs.apiService).toMatch(/^taskflow-api-service-[a-f0-9]{7}$/);
    const seen = await status(20);
    expect(new Set(seen.map((s) => s.version))).toEqual(new Set(["v1"]));
    expect(new Set(seen.map((s) => s.replica)).size).toBe(2);
    const spec = JSON.parse(docker("service", "inspect", "-f", "{{json .Spec}}", service()));
    expect(spec.UpdateConfig).toMatchObject({ Order: "start-first", FailureAction: "rollback" });
    expect(spec.EndpointSpec.Mode).toBe("dnsrr");
    for (const role of ["edge", "internal"]) {
      expect(
        docker(
          "network",
          "ls",
          "--filter",
          `label=taskflow.stack=${stack}`,
          "--filter",
          `label=taskflow.role=${role}`,
          "--format",
          "{{.Driver}}",
        ),
      ).toBe("overlay");
    }
  });

  it("hands the tasks their connection strings and SECRET_KEY as Docker secrets, never in the service spec", () => {
    const spec = docker("service", "inspect", service());
    expect(spec).not.toMatch(/postgresql:\/\/|redis:\/\/|DATABASE_URL=|REDIS_URL=|SECRET_KEY=/);
    expect(spec).toContain("DATABASE_URL_FILE=/run/secrets/database-url");
    expect(spec).toContain("SECRET_KEY_FILE=/run/secrets/secret-key");
    expect(
      JSON.parse(spec)[0]
        .Spec.TaskTemplate.ContainerSpec.Secrets.map((s: { File: { Name: string } }) => s.File.Name)
        .sort(),
    ).toEqual(["/run/secrets/database-url", "/run/secrets/redis-url", "/run/secrets/secret-key"]);
  });

  it("rolls out v1 -> v2 under 10 clients with no failed request", async () => {
    const { result, load } = await deployUnderLoad(10, "taskflow-api:v2");
    expect(result.error).toBeUndefined();
    expect(load.requests).toBeGreaterThan(500);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expect(new Set((await status(20)).map((s) => s.version))).toEqual(new Set(["v2"]));
  }, 240_000);

  it("a tag that never becomes healthy: swarm rolls back by itself, the update fails, v2 keeps serving every request", async () => {
    const { result, load } = await deployUnderLoad(10, "taskflow-api:never-healthy");
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/rolled the update of taskflow-api-service-\w+ back/);
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expect(serviceImage()).toBe("taskflow-api:v2");
    expect(new Set((await status(20)).map((s) => s.version))).toEqual(new Set(["v2"]));
  }, 300_000);

  it("rolls back to v1 by reverting the tag, under 100 clients, with no failed request", async () => {
    const { result, load } = await deployUnderLoad(100, "taskflow-api:v1");
    expect(result.error).toBeUndefined();
    expect(load).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    expect(new Set((await status(20)).map((s) => s.version))).toEqual(new Set(["v1"]));
    expect(serviceImage()).toBe("taskflow-api:v1");
  }, 240_000);
});
