// The gateway's Caddyfile in both modes: plain HTTP on one port (dev, previews), and
// HTTPS for a domain with a redirect and optional HSTS. The real Caddy parses both in
// tests/rehearsal/https.test.ts.
import { describe, expect, it } from "vitest";

import { hstsValue, renderCaddyfile, UPSTREAM_DNS_NAME, UPSTREAM_RESOLVER } from "../../components/gateway";
import { loadConfig, TaskflowConfig } from "../../config";
import { stackFileConfig, withSetting } from "../../config/stackFile";

const gatewayOf = (sets: Record<string, unknown> = {}): TaskflowConfig["gateway"] => {
  let config = stackFileConfig("dev");
  for (const [k, v] of Object.entries(sets)) config = withSetting(config, k, v);
  return loadConfig(config).gateway;
};
const PROXY = `reverse_proxy {\n\t\t\tdynamic a ${UPSTREAM_DNS_NAME} 8000 {\n\t\t\t\tresolvers ${UPSTREAM_RESOLVER}\n\t\t\t\trefresh 1s\n\t\t\t}`;

describe("renderCaddyfile without a domain (plain HTTP)", () => {
  const gateway = gatewayOf();

  it("keeps its own health endpoint and follows the gateway's upstream name, looked up every second from its own resolver", () => {
    const text = renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: false });
    expect(text).toContain("handle /__gateway/health {");
    expect(text).toContain(PROXY);
    for (const line of [
      "lb_try_duration 5s",
      "grace_period 10s",
      "admin unix//run/gateway/admin.sock",
      "auto_https off",
      ":8080 {",
      "fail_duration 10s",
      "dial_timeout 1s",
      "keepalive 30s",
    ]) {
      expect(text).toContain(line);
    }
    expect(text).not.toMatch(/https_port|Strict-Transport-Security|redir/);
  });

  it("logs each upstream round trip to its own file for the canary, without request data, and takes a replica out only when it cannot be reached", () => {
    const text = renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: false });
    const global = text.slice(0, text.indexOf("\n}\n"));
    expect(global).toContain(
      "\tlog upstreams {\n\t\toutput file /var/log/gateway/upstreams.log {\n\t\t\troll_size 4MiB\n\t\t\troll_keep 1\n\t\t\troll_uncompressed\n\t\t}\n" +
        "\t\tformat filter {\n\t\t\twrap json\n\t\t\tfields {\n\t\t\t\trequest delete\n\t\t\t\theaders delete\n\t\t\t}\n\t\t}\n" +
        "\t\tlevel DEBUG\n\t\tinclude http.handlers.reverse_proxy\n\t}\n",
    );
    // One endpoint that always answers 500 must not take every replica out (measured: 503 for all).
    expect(text).not.toContain("unhealthy_status");
  });

  it("answers `Connection: close` on the port while the drain file exists, and its own health on a private socket", () => {
    const text = renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: false });
    const main = text.slice(text.indexOf(":8080 {"), text.indexOf("\n}\n", text.indexOf(":8080 {")));
    expect(main).toContain(
      "\t@draining file {\n\t\troot /run/gateway\n\t\ttry_files /draining\n\t}\n\theader @draining Connection close\n",
    );
    expect(text).toContain('http:// {\n\tbind unix//run/gateway/health.sock\n\trespond "ok" 200\n}\n');
    // No TCP admin endpoint: two Caddys share the edge's network namespace.
    expect(text).not.toMatch(/admin [0-9]|:2019/);
  });

  it("is the same text whatever replicas serve: a release never changes (or reloads) it", () => {
    const text = renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: false });
    // No replica name, no static upstream list, no Caddy-side active check (the gateway's watcher does that).
    expect(text).not.toMatch(/reverse_proxy [a-z0-9]|health_uri|to [a-z]/);
    expect(renderCaddyfile({ gateway, apiPort: 9000, healthPath: "/health", hsts: false })).toContain(
      `dynamic a ${UPSTREAM_DNS_NAME} 9000 {`,
    );
  });
});

/** One site block of a rendered Caddyfile, by its header. */
const site = (text: string, header: string) => text.slice(text.indexOf(`${header} {`), text.indexOf("\n}\n", text.indexOf(`${header} {`)));

describe("renderCaddyfile: what clients may not reach", () => {
  for (const domain of [undefined, "taskflow.example.com"]) {
    it(`answers 404 for metrics and API docs, and reduces the public /health to ok or unavailable (${domain ?? "plain HTTP"})`, () => {
      const gateway = gatewayOf(domain ? { "gateway.domain": domain } : {});
      const text = renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/healthz", hsts: false });
      const public_ = site(text, domain ?? ":8080");
      expect(public_).toContain("\t@internal path /metrics /metrics/* /docs /docs/* /redoc /redoc/* /openapi.json");
      expect(public_).toMatch(/\thandle @internal \{\n\t\trespond 404\n\t\}/);
      expect(public_).toContain("\thandle /healthz {");
      expect(public_).toContain('respond `{"status":"ok"}` 200');
      expect(public_).toContain('respond `{"status":"unavailable"}` 503');
      // The internal paths are matched before the catch-all proxy.
      expect(public_.indexOf("handle @internal")).toBeLessThan(public_.lastIndexOf("\thandle {"));
    });
  }
});

describe("renderCaddyfile with a domain (HTTPS)", () => {
  it("serves the domain over HTTPS on the listen port Docker publishes, certificates from the public CA", () => {
    const gateway = gatewayOf({ "gateway.domain": "taskflow.example.com", "gateway.acmeEmail": "ops@example.com" });
    const text = renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: true });
    for (const line of [
      "\thttp_port 8080",
      "\thttps_port 8443",
      "\tauto_https disable_redirects",
      "\temail ops@example.com",
      "\t\tprotocols h1 h2",
    ])
      expect(text).toContain(line);
    expect(text).not.toContain("auto_https off");
    expect(text).not.toContain("tls internal");
    const https = site(text, "taskflow.example.com");
    // No includeSubDomains unless asked: it would break plain-HTTP staging and previews under the domain.
    expect(https).toContain('header Strict-Transport-Security "max-age=31536000"\n');
    expect(hstsValue(false)).toBe("max-age=31536000");
    expect(https).toContain(PROXY);
    // Both public sites drain before a replaced Caddy stops; the health site stays private.
    expect(https).toContain("\theader @draining Connection close\n");
    expect(site(text, "http://:8080")).toContain("\theader @draining Connection close\n");
    expect(text).toContain("http:// {\n\tbind unix//run/gateway/health.sock\n");
  });

  it("adds includeSubDomains to HSTS only when gateway.hstsIncludeSubdomains is set", () => {
    const gateway = gatewayOf({ "gateway.domain": "taskflow.example.com", "gateway.hstsIncludeSubdomains": true });
    expect(renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: true })).toContain(
      'header Strict-Transport-Security "max-age=31536000; includeSubDomains"',
    );
    expect(renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: false })).not.toContain("Strict-Transport-Security");
  });

  it("redirects plain HTTP to HTTPS (308) but still answers the container health check", () => {
    const gateway = gatewayOf({ "gateway.domain": "taskflow.example.com" });
    const http = site(renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: true }), "http://:8080");
    expect(http).toContain("handle /__gateway/health {");
    // To the configured name, never the client's Host header: no open redirect.
    expect(http).toContain("redir https://taskflow.example.com{uri} 308");
    expect(http).not.toContain("{host}");
    expect(http).not.toContain("reverse_proxy");
  });

  it("names a non-standard public HTTPS port in the redirect, uses the internal CA when told, and leaves HSTS off when told", () => {
    const gateway = gatewayOf({ "gateway.domain": "localhost", "gateway.tls": "internal", "gateway.httpsHostPort": 18443 });
    const text = renderCaddyfile({ gateway, apiPort: 8000, healthPath: "/health", hsts: false });
    expect(text).toContain("redir https://localhost:18443{uri} 308");
    expect(site(text, "localhost")).toContain("\ttls internal");
    expect(text).toContain("\tskip_install_trust");
    expect(text).not.toContain("Strict-Transport-Security");
  });
});
