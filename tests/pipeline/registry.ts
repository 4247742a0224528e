// A local image registry for the pipeline tests: Debian's docker-registry (the
// distribution project's registry) on 127.0.0.1, its storage in the test's folder. Docker
// talks plain HTTP to a registry on 127.0.0.0/8 without further set-up.
import { ChildProcess, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import * as path from "node:path";

import { docker } from "../../rehearsal/client";

export const REGISTRY_BINARY = "/usr/bin/docker-registry";

export interface Registry {
  /** host:port, what image references and `docker login` name. */
  address: string;
  stop: () => void;
}

/** Starts a registry on 127.0.0.1:port with its data in `dir`; resolves once /v2/ answers. */
export async function startRegistry(dir: string, port: number): Promise<Registry> {
  const config = path.join(dir, "registry.yml");
  writeFileSync(
    config,
    [
      "version: 0.1",
      "log: { level: warn }",
      `storage: { filesystem: { rootdirectory: ${JSON.stringify(path.join(dir, "registry-data"))} }, delete: { enabled: true } }`,
      `http: { addr: "127.0.0.1:${port}" }`,
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn(REGISTRY_BINARY, ["serve", config], { stdio: "ignore" });
  const address = `127.0.0.1:${port}`;
  for (let i = 0; i < 50; i++) {
    try {
      const res = await fetch(`http://${address}/v2/`);
      if (res.ok) return { address, stop: () => child.kill() };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill();
  throw new Error(`registry on ${address} did not answer /v2/ within 10 s`);
}

/** Pushes a local image under `name` to the registry; returns `name@sha256:…` as Docker reports it. */
export function pushByDigest(image: string, name: string): string {
  docker("tag", image, name);
  docker("push", "-q", name);
  const digests: string[] = JSON.parse(docker("image", "inspect", "--format", "{{json .RepoDigests}}", name));
  const repo = name.slice(0, name.lastIndexOf(":"));
  const digest = digests.find((d) => d.startsWith(`${repo}@`));
  if (!digest) throw new Error(`no digest for ${name} after the push (${digests.join(", ")})`);
  return `${name}${digest.slice(repo.length)}`;
}
