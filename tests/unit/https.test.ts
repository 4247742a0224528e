// The gateway in HTTPS mode under mocks (the dev stack with a domain and Caddy's
// internal CA): ports, the certificate volume, the URL and the gate's trust.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { ACME_CA_ROOT_ENV, ACME_CA_ROOT_FILE, CADDYFILE_ENV } from "../../components/gateway";
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

// A company's own ACME CA (step-ca, Vault) or a CA's staging directory: Caddy asks it,
// trusts its root for the directory, and the health gate trusts that root for the
// certificate it issued. Other stacks' Caddy command is unchanged (the conformance
// fixtures hold their plans).
describe("the production stack with gateway.acmeCa and gateway.acmeCaRoot", () => {
  // A real root (made with openssl; no key kept): the schema parses it.
  const ROOT_PEM = readFileSync(path.join(__dirname, "certificates", "root-ca.pem"), "utf8");
  let run: ProgramRun;
  let dev: ProgramRun;
  beforeAll(async () => {
    let config = stackFileConfig("production");
    for (const [k, v] of Object.entries({
      "gateway.acmeCa": "https://ca.internal:9443/acme/local/directory",
      "gateway.acmeCaRoot": ROOT_PEM,
    }))
      config = withSetting(config, k, v);
    run = await runProgram("production", config);
    dev = await runProgram("dev", stackFileConfig("dev"));
  });

  it("names the CA and its root file in the Caddyfile's global options", () => {
    const caddyfile = caddyfileOf(find(run, T.container, "taskflow-gateway-caddy"));
    const global = caddyfile.slice(0, caddyfile.indexOf("\n}\n"));
    expect(global).toContain("\tacme_ca https://ca.internal:9443/acme/local/directory\n");
    expect(global).toContain(`\tacme_ca_root ${ACME_CA_ROOT_FILE}`);
  });

  it("writes the root from the environment to that file before Caddy starts, exactly as given and nothing else", () => {
    const caddy = find(run, T.container, "taskflow-gateway-caddy");
    expect(caddy.inputs.envs).toContain(`${ACME_CA_ROOT_ENV}=${ROOT_PEM.trimEnd()}`);
    const [, , script] = caddy.inputs.command as string[];
    const dir = mkdtempSync(path.join(os.tmpdir(), "acme-root-"));
    try {
      const written = spawnSync("sh", ["-c", script.replaceAll("/etc/caddy", dir).replace("exec gateway-proxy-init", "exec true")], {
        env: { PATH: process.env.PATH, [ACME_CA_ROOT_ENV]: ROOT_PEM.trimEnd(), [CADDYFILE_ENV]: "{\n}" },
      });
      expect(written.status).toBe(0);
      expect(readFileSync(path.join(dir, path.basename(ACME_CA_ROOT_FILE)), "utf8")).toBe(ROOT_PEM);
      expect(readdirSync(dir).sort()).toEqual(["Caddyfile", path.basename(ACME_CA_ROOT_FILE)]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    // Without a root, the command is the one every stack ran before gateway.acmeCaRoot existed.
    const [, , devScript] = find(dev, T.container, "taskflow-gateway-caddy").inputs.command as string[];
    expect(devScript).toBe(`printf '%s\\n' "$${CADDYFILE_ENV}" > /etc/caddy/Caddyfile && exec gateway-proxy-init`);
    expect(find(dev, T.container, "taskflow-gateway-caddy").inputs.envs.join("\n")).not.toContain(ACME_CA_ROOT_ENV);
  });

  it("has the health gate trust that root, read from the serving Caddy", () => {
    const argv: string[] = JSON.parse(find(run, T.command, "taskflow-health-gate-check").inputs.create);
    expect(argv[argv.indexOf("--gateway-url") + 1]).toBe("https://taskflow.example");
    expect(argv[argv.indexOf("--gateway-ca-from") + 1]).toBe(find(run, T.container, "taskflow-gateway-caddy").state.name);
    expect(argv[argv.indexOf("--gateway-ca-path") + 1]).toBe(ACME_CA_ROOT_FILE);
    const plain: string[] = JSON.parse(find(dev, T.command, "taskflow-health-gate-check").inputs.create);
    expect(plain).not.toContain("--gateway-ca-from");
    expect(plain).not.toContain("--gateway-ca-path");
  });
});
