// The gateway's Caddyfile in both modes: plain HTTP on one port (dev, previews), and
// HTTPS for a domain with a redirect and optional HSTS. The real Caddy parses both in
// tests/rehearsal/https.test.ts.
import { describe, expect, it } from "vitest";
import { HSTS_VALUE, renderCaddyfile } from "../../components/caddyfile";
import { loadConfig, TaskflowConfig } from "../../components/config";
import { stackFileConfig, withSetting } from "../support/stackConfig";

const gatewayOf = (sets: Record<string, unknown> = {}): TaskflowConfig["gateway"] => {
  let config = stackFileConfig("dev");
  for (const [k, v] of Object.entries(sets)) config = withSetting(config, k, v);
  return loadConfig(config).gateway;
};
const upstreams = ["api-a:8000", "api-b:8000"];

describe("renderCaddyfile without a domain (plain HTTP)", () => {
  const gateway = gatewayOf();

  it("answers 503 before the first release and keeps its own health endpoint", () => {
    const text = renderCaddyfile({ gateway, upstreams: [], healthPath: "/health", hsts: false });
    expect(text).toContain('respond "no release deployed yet" 503');
    expect(text).toContain("handle /__gateway/health {");
    expect(text).not.toContain("reverse_proxy");
  });

  it("proxies to exactly the given replicas with active checks, retries and a drain period", () => {
    const text = renderCaddyfile({ gateway, upstreams, healthPath: "/health", hsts: false });
    expect(text).toContain("reverse_proxy api-a:8000 api-b:8000 {");
    for (const line of ["health_uri /health", "health_interval 2s", "lb_try_duration 5s", "grace_period 10s", "admin 127.0.0.1:2019", "auto_https off", ":8080 {"]) {
      expect(text).toContain(line);
    }
    expect(text).not.toMatch(/https_port|Strict-Transport-Security|redir/);
  });

  it("can follow a DNS name's A records instead of a list (a swarm service's tasks)", () => {
    const text = renderCaddyfile({ gateway, upstreams: [], dynamic: { name: "tasks.api", port: 8000 }, healthPath: "/health", hsts: false });
    expect(text).toContain("\t\t\tdynamic a tasks.api 8000 {\n\t\t\t\trefresh 1s\n\t\t\t}");
    expect(text).not.toContain("no release deployed yet");
  });
});

describe("renderCaddyfile with a domain (HTTPS)", () => {
  const site = (text: string, header: string) => text.slice(text.indexOf(`${header} {`), text.indexOf("\n}\n", text.indexOf(`${header} {`)));

  it("serves the domain over HTTPS on the listen port Docker publishes, certificates from the public CA", () => {
    const gateway = gatewayOf({ "gateway.domain": "taskflow.example.com", "gateway.acmeEmail": "ops@example.com" });
    const text = renderCaddyfile({ gateway, upstreams, healthPath: "/health", hsts: true });
    for (const line of ["\thttp_port 8080", "\thttps_port 8443", "\tauto_https disable_redirects", "\temail ops@example.com", "\t\tprotocols h1 h2"]) expect(text).toContain(line);
    expect(text).not.toContain("auto_https off");
    expect(text).not.toContain("tls internal");
    const https = site(text, "taskflow.example.com");
    expect(https).toContain(`header Strict-Transport-Security "${HSTS_VALUE}"`);
    expect(https).toContain("reverse_proxy api-a:8000 api-b:8000 {");
  });

  it("redirects plain HTTP to HTTPS (308) but still answers the container health check", () => {
    const gateway = gatewayOf({ "gateway.domain": "taskflow.example.com" });
    const http = site(renderCaddyfile({ gateway, upstreams, healthPath: "/health", hsts: true }), "http://:8080");
    expect(http).toContain("handle /__gateway/health {");
    expect(http).toContain("redir https://{host}{uri} 308");
    expect(http).not.toContain("reverse_proxy");
  });

  it("names a non-standard public HTTPS port in the redirect, uses the internal CA when told, and leaves HSTS off when told", () => {
    const gateway = gatewayOf({ "gateway.domain": "localhost", "gateway.tls": "internal", "gateway.httpsHostPort": 18443 });
    const text = renderCaddyfile({ gateway, upstreams, healthPath: "/health", hsts: false });
    expect(text).toContain("redir https://{host}:18443{uri} 308");
    expect(site(text, "localhost")).toContain("\ttls internal");
    expect(text).toContain("\tskip_install_trust");
    expect(text).not.toContain("Strict-Transport-Security");
  });
});
