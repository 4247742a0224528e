// The gateway in HTTPS mode under mocks (the dev stack with a domain and Caddy's
// internal CA): ports, the certificate volume, the URL and the gate's trust.
import { beforeAll, describe, expect, it } from "vitest";

import { withSetting } from "../../config/stackFile";
import { caddyfileOf, find, ProgramRun, runProgram, stackFileConfig, T } from "../mocks";

describe("the dev stack with gateway.domain and tls internal", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    let config = stackFileConfig("dev");
    for (const [k, v] of Object.entries({ "gateway.domain": "localhost", "gateway.tls": "internal", "gateway.httpsHostPort": 18443 }))
      config = withSetting(config, k, v);
    run = await runProgram("dev", config);
  });

  it("publishes HTTP and HTTPS and serves https://<domain>:<port>", () => {
    expect(
      find(run, T.container, "taskflow-gateway-edge").inputs.ports.map(
        (p: { internal: number; external: number }) => `${p.external}->${p.internal}`,
      ),
    ).toEqual(["8080->8080", "18443->8443"]);
    expect(run.outputs.url).toBe("https://localhost:18443");
  });

  it("keeps certificates on a labeled volume the gateway mounts at /data", () => {
    const volume = find(run, T.volume, "taskflow-gateway-certificates");
    expect(volume.inputs.labels).toContainEqual({ label: "taskflow.role", value: "gateway-certificates" });
    expect(find(run, T.container, "taskflow-gateway-caddy").inputs.volumes).toContainEqual({
      volumeName: volume.state.name,
      containerPath: "/data",
    });
  });

  it("has the health gate verify the certificate against the gateway's own CA; HSTS stays off outside production", () => {
    const argv: string[] = JSON.parse(find(run, T.command, "taskflow-health-gate-check").inputs.create);
    expect(argv[argv.indexOf("--gateway-url") + 1]).toBe("https://localhost:18443");
    expect(argv[argv.indexOf("--gateway-ca-from") + 1]).toBe(find(run, T.container, "taskflow-gateway-caddy").state.name);
    const caddyfile = caddyfileOf(find(run, T.container, "taskflow-gateway-caddy"));
    expect(caddyfile).toContain("localhost {\n\ttls internal\n");
    expect(caddyfile).not.toContain("Strict-Transport-Security");
  });
});
