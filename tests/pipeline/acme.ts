// A private ACME CA for the pipeline's production stack, which must serve HTTPS from an
// ACME CA (config/schema.ts: no `tls internal` in production): Caddy's own `acme_server`
// (the gateway image's Caddy 2.6.2), as a company's step-ca would be.
// - It serves its directory on the Docker bridge's host address, where the gateway's Caddy
//   reaches it from its own network (gateway.acmeCa), over TLS from its local CA, whose
//   root the test hands the stack (gateway.acmeCaRoot).
// - It validates HTTP-01 on port 80 or TLS-ALPN-01 on port 443 of the domain (Caddy picks
//   either challenge), which it resolves to 127.0.0.1 (the container runs on the host's
//   network): the stack must publish gateway.hostPort 80 and gateway.httpsHostPort 443 there.
import { execFileSync } from "node:child_process";
import * as https from "node:https";

import { labelArgs } from "../../components/shared/labels.js";
import { docker } from "../../rehearsal/client";

export interface AcmeCa {
  /** The ACME directory URL, for gateway.acmeCa. */
  directory: string;
  /** The PEM root its directory's and its certificates' chains end in, for gateway.acmeCaRoot. */
  root: string;
  stop: () => void;
}

/** Where Caddy keeps its local CA's root (XDG_DATA_HOME=/tmp/data). */
const ROOT_FILE = "/tmp/data/caddy/pki/authorities/local/root.crt";

/**
 * The host's address on Docker's default bridge: a host-local address every container
 * network reaches. Read off the bridge's interface (docker0, with iproute2's `ip`): a dockerd that found docker0
 * already addressed leaves the IPAM config without a Gateway (measured: Debian's 20.10 on
 * a fresh machine answered `[{"Subnet":"172.17.0.0/16"}]`), so that is only the fallback.
 */
export function bridgeHostAddress(): string {
  const name = docker("network", "inspect", "bridge", "--format", '{{index .Options "com.docker.network.bridge.name"}}');
  // `ip`, not os.networkInterfaces(): libuv lists only running interfaces, and docker0
  // has no carrier while no container is on the default bridge.
  const addresses = JSON.parse(execFileSync("ip", ["-j", "-4", "addr", "show", "dev", name], { encoding: "utf8" })) as {
    addr_info?: { local?: string }[];
  }[];
  const v4 = addresses.flatMap((a) => a.addr_info ?? []).find((a) => a.local)?.local;
  if (v4) return v4;
  const gateway = docker("network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}");
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(gateway))
    throw new Error(
      `no host address on Docker's default bridge: interface "${name}" has no IPv4 address and IPAM names no gateway ("${gateway}")`,
    );
  return gateway;
}

/**
 * Starts the CA (image: a Caddy 2.6 image) on bridgeHostAddress():port, validating `domain`
 * at 127.0.0.1:80; labeled with `stack` (removeLabeled removes it); resolves once its
 * root exists and its directory answers.
 */
export async function startAcmeCa(image: string, stack: string, domain: string, port: number): Promise<AcmeCa> {
  const host = bridgeHostAddress();
  const caddyfile = [
    "{",
    "\tadmin off",
    "\tskip_install_trust",
    // Only the directory's HTTPS site: no HTTP listener of its own on the host's port 80.
    "\tauto_https disable_redirects",
    "}",
    `https://${host}:${port} {`,
    `\tbind ${host}`,
    "\ttls internal",
    "\tacme_server",
    "}",
  ].join("\n");
  const id = docker(
    "run", "-d",
    ...labelArgs(stack, "acme-ca"),
    "--network", "host",
    "--add-host", `${domain}:127.0.0.1`,
    "-e", "XDG_DATA_HOME=/tmp/data",
    "-e", "XDG_CONFIG_HOME=/tmp/config",
    "-e", `ACME_CADDYFILE=${caddyfile}`,
    "--entrypoint", "sh",
    image,
    "-c", 'printf "%s\\n" "$ACME_CADDYFILE" > /tmp/Caddyfile && exec caddy run --config /tmp/Caddyfile --adapter caddyfile',
  ); // prettier-ignore
  const stop = () => {
    try {
      docker("rm", "-f", id);
    } catch {
      /* already gone */
    }
  };
  let root = "";
  for (let i = 0; i < 100 && !root; i++) {
    try {
      root = docker("exec", id, "cat", ROOT_FILE);
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  if (!root) {
    const logs = (() => {
      try {
        return docker("logs", "--tail", "20", id);
      } catch (e) {
        return (e as Error).message;
      }
    })();
    stop();
    throw new Error(`the ACME CA made no root within 20 s: ${logs}`);
  }
  // The root exists before the directory listens: a Caddy that asks too early waits out
  // certmagic's retry backoff (a minute and more).
  const directory = `https://${host}:${port}/acme/local/directory`;
  for (let i = 0; i < 100; i++) {
    if ((await statusOf(directory, root)) === 200) return { directory, root: `${root.trim()}\n`, stop };
    await new Promise((r) => setTimeout(r, 200));
  }
  stop();
  throw new Error(`the ACME CA's directory ${directory} did not answer 200 within 20 s`);
}

/** The status of a GET on `url` trusting `ca` only; 0 when nothing answers. */
function statusOf(url: string, ca: string): Promise<number> {
  return new Promise((resolve) => {
    const req = https.get(url, { ca, agent: false, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(0));
  });
}
