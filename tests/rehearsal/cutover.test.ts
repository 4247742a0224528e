// The cutover and a gateway configuration change close no client connection, measured
// with a client that never retries. First the instrument is checked against a failure
// caused on purpose: three `caddy reload`s of the unchanged config (what the cutover
// used to do) must show failed requests to it. Then the same load across three upstream
// switches must show none, and a switch to a replica that is not healthy must be
// refused. A Caddyfile or image change of the gateway replaces its Caddy start-first
// beside the old one in the edge's namespace, and must show none either.
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { containers, docker, dockerAsync, freePort, get, rehearse, removeStack, startLoad, storedWritesOf, uniqueStack } from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));
const GATEWAY_HEALTH = "/__gateway/health";

describe.skipIf(skipRehearsal)("cutover without a reload, under a strict client", () => {
  requireDocker();
  const stack = uniqueStack("rh-cutover");
  let port: number;
  let gateway: string;
  let replicas: string[];
  let base: Record<string, unknown>;
  // A second name for the gateway image: "a new Caddy image" without building one.
  const caddyImageB = `taskflow-caddy:2.6-${stack}`;

  beforeAll(async () => {
    port = await freePort();
    base = { "gateway.hostPort": port, "api.replicas": 2, image: "taskflow-api:v1" };
    const first = await rehearse(stack, base);
    if (!first.ok) throw new Error(`deploy failed: ${first.error}\n${first.log}`);
    [gateway] = containers(stack, "gateway");
    replicas = first.outputs.replicaNames as string[];
  }, 180_000);
  afterAll(async () => {
    await removeStack(stack);
    try {
      docker("rmi", caddyImageB);
    } catch {
      /* not created */
    }
  }, 120_000);

  /** `action` three times, two seconds apart, under `connections` strict keep-alive clients on `urlPath`. */
  const threeTimesUnderLoad = async (connections: number, action: () => Promise<string>, urlPath = "/api/v1/status") => {
    const load = startLoad(port, connections, { path: urlPath, mode: "saturating" });
    await sleep(1.5);
    for (let i = 0; i < 3; i++) {
      await action();
      await sleep(2);
    }
    return load.stop();
  };

  // The gateway's own health answer never waits on the API, so its connections sit idle
  // between requests far more often: the path on which a closed idle connection shows.
  // (Through the API a connection is mostly busy upstream: 3 reloads cost about 2 of
  // 5,000 requests there, measured.)
  it("the strict client sees the resets a Caddy reload causes (the instrument works)", async () => {
    const report = await threeTimesUnderLoad(
      100,
      () =>
        dockerAsync(
          "exec",
          containers(stack, "gateway-caddy")[0],
          "caddy",
          "reload",
          "--config",
          "/etc/caddy/Caddyfile",
          "--adapter",
          "caddyfile",
          "--address",
          "unix//run/gateway/admin.sock",
          "--force",
        ),
      GATEWAY_HEALTH,
    );
    console.log(`3 caddy reloads under 100 strict clients on ${GATEWAY_HEALTH}: ${JSON.stringify({ ...report, titles: undefined })}`);
    expect(report.requests).toBeGreaterThan(1000);
    expect(report.errors + report.non2xx + report.timeouts).toBeGreaterThan(0);
  }, 60_000);

  it("switches the upstream set three times under 100 clients with no failed request", async () => {
    const sets = [[replicas[0]], [replicas[1]], replicas];
    let i = 0;
    const report = await threeTimesUnderLoad(100, () => dockerAsync("exec", gateway, "gateway-upstreams", "set", ...sets[i++]));
    console.log(`3 upstream switches under 100 strict clients: ${JSON.stringify({ ...report, titles: undefined })}`);
    expect(report.requests).toBeGreaterThan(1000);
    expect(report).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
  }, 60_000);

  it("sends no new request to a replica outside the set once the switch returns", async () => {
    docker("exec", gateway, "gateway-upstreams", "set", replicas[0]);
    const hostname = (c: string) => docker("inspect", "-f", "{{.Config.Hostname}}", c);
    const servedBy = new Set<string>();
    for (let n = 0; n < 30; n++) servedBy.add((await get(port, "/api/v1/status")).body.replica);
    expect(servedBy).toEqual(new Set([hostname(replicas[0])]));
    docker("exec", gateway, "gateway-upstreams", "set", ...replicas);
  }, 60_000);

  it("refuses a set with a replica that does not answer its health check, and keeps the old set", async () => {
    const before = docker("exec", gateway, "gateway-upstreams", "show");
    docker("pause", replicas[1]);
    try {
      expect(() => docker("exec", gateway, "gateway-upstreams", "set", replicas[1])).toThrow(
        /does not answer \/health with 200; the upstream set is unchanged/,
      );
      expect(() => docker("exec", gateway, "gateway-upstreams", "set", "no-such-replica")).toThrow(/has no address on this network/);
      expect(() => docker("exec", gateway, "gateway-upstreams", "set", "a;rm -rf /")).toThrow(/is not a container name/);
      expect(() => docker("exec", gateway, "gateway-upstreams", "set", "--port", "0", replicas[0])).toThrow(/--port needs a port/);
      expect(() => docker("exec", gateway, "gateway-upstreams", "set", "--health-path", "/x;id", replicas[0])).toThrow(
        /--health-path needs a path/,
      );
    } finally {
      docker("unpause", replicas[1]);
    }
    expect(docker("exec", gateway, "gateway-upstreams", "show").split("served:")[0]).toBe(before.split("served:")[0]);
  }, 60_000);

  // Each change under its own load: the Caddyfile (a retry setting and Caddy's grace
  // period), then the image. Two loads at once: the API (every 20th request POSTs a
  // task) and 20 clients on the gateway's own health answer, the path that shows a
  // closed idle connection (the instrument test above).
  const changes: [string, number, () => Record<string, unknown>][] = [
    ["a Caddyfile change", 10, () => ({ "gateway.lbTryDurationSeconds": 6 })],
    ["a Caddyfile change", 100, () => ({ "gateway.lbTryDurationSeconds": 6, "gateway.gracePeriodSeconds": 12 })],
    [
      "a new gateway image",
      100,
      () => {
        docker("tag", "taskflow-caddy:2.6", caddyImageB);
        return { "gateway.lbTryDurationSeconds": 6, "gateway.gracePeriodSeconds": 12, "gateway.image": caddyImageB };
      },
    ],
  ];
  it.each(changes)(
    "applies %s under %i strict clients with no failed request: a new Caddy, the same edge and port",
    async (what, connections, settings) => {
      const edge = containers(stack, "gateway");
      const caddy = containers(stack, "gateway-caddy");
      const sets = settings();
      const api = startLoad(port, connections, { postEvery: 20, mode: "saturating" });
      const fast = startLoad(port, 20, { path: GATEWAY_HEALTH, mode: "saturating" });
      await sleep(1);
      const result = await rehearse(stack, { ...base, ...sets });
      await sleep(1);
      const { titles, ...report } = await api.stop();
      const { titles: _none, ...fastReport } = await fast.stop();
      console.log(
        `${what} under ${connections} strict clients: ${JSON.stringify(report)}; 20 more on ${GATEWAY_HEALTH}: ${JSON.stringify(fastReport)}`,
      );
      expect(result.error).toBeUndefined();
      expect(result.log).toMatch(/\+-replace {2}docker:Container taskflow-gateway-caddy \(.*create first\)/);
      // Gated through the port before the old Caddy is deleted (the deletes come last).
      expect(result.log).toMatch(
        /taskflow-health-gate-check[\s\S]*health-gate: round 3: pass[\s\S]*- delete {3}docker:Container taskflow-gateway-caddy/,
      );
      expect(containers(stack, "gateway")).toEqual(edge);
      const [now] = containers(stack, "gateway-caddy");
      expect(containers(stack, "gateway-caddy")).toHaveLength(1);
      expect(now).not.toBe(caddy[0]);
      if (sets["gateway.image"]) expect(docker("inspect", "-f", "{{.Config.Image}}", now)).toBe(caddyImageB);
      expect(report.requests).toBeGreaterThan(1000);
      expect(fastReport.requests).toBeGreaterThan(1000);
      expect(report).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
      expect(fastReport).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
      const { answered, stored } = storedWritesOf(stack, titles);
      expect(answered.length).toBeGreaterThan(10);
      expect(stored).toEqual(answered);
      base = { ...base, ...sets };
    },
    180_000,
  );

  it("changes how the gateway probes the replicas (a new interval) under 100 clients, replacing nothing at the gateway", async () => {
    const edge = containers(stack, "gateway");
    const caddy = containers(stack, "gateway-caddy");
    const load = startLoad(port, 100, { mode: "saturating" });
    await sleep(1);
    const result = await rehearse(stack, { ...base, "gateway.healthIntervalSeconds": 3 });
    await sleep(1);
    const report = await load.stop();
    console.log(`a probe interval change under 100 strict clients: ${JSON.stringify({ ...report, titles: undefined })}`);
    expect(result.error).toBeUndefined();
    expect(containers(stack, "gateway")).toEqual(edge);
    expect(containers(stack, "gateway-caddy")).toEqual(caddy);
    expect(docker("exec", edge[0], "gateway-upstreams", "show")).toContain("every 3s");
    expect(report).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    base = { ...base, "gateway.healthIntervalSeconds": 3 };
  }, 180_000);

  it("starts a replaced edge with the config rendered now (a new listen port), not the old one", async () => {
    const before = containers(stack, "gateway");
    const load = startLoad(port, 10, { mode: "saturating" });
    const result = await rehearse(stack, { ...base, "gateway.listenPort": 9090 });
    const report = await load.stop();
    // The edge holds the host port, so replacing it is stop-first: its cost is logged, not hidden.
    console.log(`edge replaced for a new listen port under 10 strict clients: ${JSON.stringify({ ...report, titles: undefined })}`);
    expect(result.error).toBeUndefined();
    const [after] = containers(stack, "gateway");
    expect(after).not.toBe(before[0]);
    expect(docker("exec", after, "wget", "-q", "-O", "-", "http://127.0.0.1:9090/__gateway/health")).toBe("ok");
    expect(containers(stack, "gateway-caddy")).toHaveLength(1);
    expect((await get(port, "/api/v1/status")).body.version).toBe("v1");
    gateway = after;
  }, 180_000);
});
