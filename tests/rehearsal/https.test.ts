// HTTPS at the gateway, on the local engine: Caddy's internal CA (`tls internal`)
// stands in for a public one. The certificate verifies, HTTP redirects, HSTS is sent,
// a rollout under load over HTTPS has no failed request, and neither the cutover nor
// a gateway restart issues a new certificate (it lives on the gateway's volume).
import * as http from "node:http";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { INTERNAL_CA_ROOT } from "../../components/gates/health-gate.js";
import { hstsValue } from "../../components/gateway";
import { containers, docker, freePort, get, RehearsalResult, rehearse, removeStack, Tls, underLoad, uniqueStack } from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

describe.skipIf(skipRehearsal)("HTTPS at the gateway on real Docker", () => {
  requireDocker();
  const stack = uniqueStack("rh-https");
  let httpPort: number;
  let httpsPort: number;
  let tls: Tls;
  let first: RehearsalResult;
  const deploy = (image: string) =>
    rehearse(stack, {
      image,
      "api.replicas": 2,
      "gateway.domain": "localhost",
      "gateway.tls": "internal",
      "gateway.hsts": true,
      "gateway.hostPort": httpPort,
      "gateway.httpsHostPort": httpsPort,
    });
  // The edge holds the ports and the upstream set; Caddy (and its certificates) runs in its namespace.
  const edge = () => containers(stack, "gateway")[0];
  const caddy = () => containers(stack, "gateway-caddy")[0];

  beforeAll(async () => {
    httpPort = await freePort();
    httpsPort = await freePort();
    first = await deploy("taskflow-api:v1");
    tls = { servername: "localhost", ca: docker("exec", caddy(), "cat", INTERNAL_CA_ROOT) };
  }, 180_000);
  afterAll(() => removeStack(stack), 120_000);

  it("deploys, and its health gate verified the gateway's certificate against the internal CA", () => {
    expect(first.error).toBeUndefined();
    expect(first.outputs.url).toBe(`https://localhost:${httpsPort}`);
    expect(first.log).toMatch(/health-gate: round 3: pass \(3\/3\)[\s\S]*succeeded/);
  });

  it("serves v1 over verified HTTPS with HSTS", async () => {
    const res = await get(httpsPort, "/api/v1/status", tls);
    expect(res.status).toBe(200);
    expect(res.body.version).toBe("v1");
    expect(res.headers["strict-transport-security"]).toBe(hstsValue(false));
    // A client that trusts only the system's CAs refuses the internal CA's certificate.
    await expect(get(httpsPort, "/api/v1/status", { servername: "localhost" })).rejects.toThrow(
      /self.signed|unable to verify|certificate/i,
    );
  });

  it("redirects plain HTTP to the HTTPS port with 308 and answers its own health check over HTTP", async () => {
    const redirect = await plainGet(httpPort, "/api/v1/status?x=1", "localhost");
    expect(redirect.status).toBe(308);
    expect(redirect.location).toBe(`https://localhost:${httpsPort}/api/v1/status?x=1`);
    expect((await plainGet(httpPort, "/__gateway/health", "127.0.0.1")).status).toBe(200);
  });

  it("rolls out v1 -> v2 under 20 clients over HTTPS with no failed request, keeping the same certificate", async () => {
    const before = (await get(httpsPort, "/health", tls)).certificate;
    const { result, load: report } = await underLoad(httpsPort, 20, () => deploy("taskflow-api:v2"), { tls });
    console.log(
      `https v2 @20: ${report.requests} requests, p99 ${report.p99} ms, max ${report.max} ms; update ${result.seconds.toFixed(1)}s`,
    );
    expect(result.error).toBeUndefined();
    expect(report.requests).toBeGreaterThan(500);
    expect(report).toMatchObject({ non2xx: 0, errors: 0, timeouts: 0 });
    const after = await get(httpsPort, "/api/v1/status", tls);
    expect(after.body.version).toBe("v2");
    expect(after.certificate).toBe(before);
  }, 240_000);

  /** The status page over verified HTTPS once it answers 200 again (polling up to `seconds`). */
  const servedAgain = async (seconds: number) => {
    let res = await get(httpsPort, "/api/v1/status", tls).catch(() => undefined);
    for (let i = 0; i < seconds * 4 && res?.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 250));
      res = await get(httpsPort, "/api/v1/status", tls).catch(() => undefined);
    }
    return res;
  };

  it("keeps its certificate and its upstreams across a restart of Caddy, and of the edge", async () => {
    const before = (await get(httpsPort, "/health", tls)).certificate;
    docker("restart", "-t", "5", caddy());
    let res = await servedAgain(10);
    expect(res?.body.version).toBe("v2");
    expect(res?.certificate).toBe(before);
    // A restarted edge has a new network namespace: Caddy notices its resolver is gone,
    // exits, and its restart policy starts it again inside the new one.
    const caddyBefore = caddy();
    docker("restart", "-t", "5", edge());
    res = await servedAgain(40);
    expect(res?.body.version).toBe("v2");
    expect(res?.certificate).toBe(before);
    expect(caddy()).toBe(caddyBefore);
    expect(Number(docker("inspect", "-f", "{{.RestartCount}}", caddy()))).toBeGreaterThan(0);
  }, 120_000);
});

/** Plain HTTP GET to 127.0.0.1 with a Host header; no redirect is followed. */
function plainGet(port: number, path: string, host: string): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: "127.0.0.1", port, path, agent: false, timeout: 5000, headers: { host } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      })
      .on("error", reject);
  });
}
