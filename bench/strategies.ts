// The three ways of replacing the API that the benchmark compares, on one Docker engine.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { HTTP_PROBE_PY } from "../components/gates";
import { renderCaddyfile } from "../components/gateway";
import { cutoverArgv } from "../components/gateway";
import { LABELS } from "../components/shared";
import type { TaskflowConfig } from "../config";
import { containers, docker, networkOf, rehearse } from "../rehearsal/client";
import type { Timing } from "../rehearsal/engine";

/** Retries `attempt` every 500 ms until it stops throwing, for at most `seconds`. */
export function waitFor(attempt: () => void, seconds: number): void {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      attempt();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      execFileSync("sleep", ["0.5"]);
    }
  }
}

export interface Strategy {
  name: string;
  /** Deploys `image` and resolves when the tool says it is done, with its step timings where it has them. */
  rollTo(image: string): Promise<Timing[] | void>;
  port: number;
}

/** This project: `pulumi up` with a new tag (the rehearsal of it). */
export function pulumiWay(stack: string, port: number, sets: Record<string, unknown>): Strategy {
  return {
    name: "pulumi (this project)",
    port,
    async rollTo(image) {
      const r = await rehearse(stack, { ...sets, image });
      if (!r.ok) throw new Error(`rehearsal failed: ${r.error}`);
      return r.timings;
    },
  };
}

/** The connections of a running replica (read from its secret files), as a 0600 env file (never on an argv). */
export function envFileFrom(container: string): { file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-env-"));
  const env = JSON.parse(docker("inspect", "-f", "{{json .Config.Env}}", container)) as string[];
  const file = path.join(dir, "env");
  const fromFile = (name: string) => {
    const at = env.find((e) => e.startsWith(`${name}_FILE=`))?.slice(name.length + 6);
    return at ? [`${name}=${docker("exec", container, "cat", at)}`] : [];
  };
  // TASKFLOW_ENV too: the dev stack's `development` lets the API start without the key file.
  const plain = env.filter((e) => /^(PORT|TASKFLOW_ENV)=/.test(e));
  writeFileSync(file, [...fromFile("DATABASE_URL"), ...fromFile("REDIS_URL"), ...plain].join("\n") + "\n", { mode: 0o600 });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Makes `targets` a gateway's upstream set, the way the program's cutover does (no reload). */
function setUpstreams(gateway: string, targets: string[]) {
  docker(
    ...cutoverArgv(gateway, targets, { port: 8000, healthPath: "/health", intervalSeconds: BENCH_GATEWAY.healthIntervalSeconds }).slice(1),
  );
}

// The benchmark's own swarm gateway: the program's defaults, plain HTTP on 8080.
const BENCH_GATEWAY = {
  listenPort: 8080,
  healthIntervalSeconds: 2,
  lbTryDurationSeconds: 5,
  gracePeriodSeconds: 10,
} as TaskflowConfig["gateway"];

/**
 * `docker compose up -d` after a tag change: stop and remove the one API container,
 * start the new one under the same name, behind the same gateway (same Caddy config,
 * retries and health checks included).
 */
export function naiveWay(stack: string, port: number): Strategy & { setup(): void; teardown(): void } {
  const name = `bench-naive-api-${stack}`;
  let env: { file: string; cleanup: () => void } | undefined;
  // As compose does: the container is on both networks before it starts.
  const run = (image: string) => {
    docker(
      "create",
      "--name",
      name,
      "--label",
      `${LABELS.stack}=${stack}`,
      "--network",
      networkOf(stack, "edge"),
      "--env-file",
      env!.file,
      "--user",
      "10001:10001",
      image,
    );
    docker("network", "connect", networkOf(stack, "internal"), name);
    docker("start", name);
  };
  return {
    name: "naive stop + recreate",
    port,
    setup() {
      env = envFileFrom(containers(stack, "api")[0]);
      run("taskflow-api:v1");
      // The gateway refuses a replica that does not answer /health yet.
      waitFor(() => setUpstreams(containers(stack, "gateway")[0], [name]), 60);
    },
    async rollTo(image) {
      docker("stop", name);
      docker("rm", name);
      run(image);
    },
    teardown() {
      try {
        docker("rm", "-f", name);
      } catch {
        /* gone */
      }
      env?.cleanup();
    },
  };
}

/** A single-node swarm service, `update-order start-first`, health-checked, behind its own Caddy. */
export function swarmWay(stack: string, port: number): Strategy & { setup(): void; teardown(): void } {
  const service = `bench-swarm-api-${stack}`;
  const net = `bench-swarm-net-${stack}`;
  const gw = `bench-swarm-gw-${stack}`;
  let initialized = false;
  let env: { file: string; cleanup: () => void } | undefined;
  return {
    name: "swarm start-first",
    port,
    setup() {
      if (docker("info", "-f", "{{.Swarm.LocalNodeState}}") !== "active") {
        docker("swarm", "init", "--advertise-addr", "127.0.0.1");
        initialized = true;
      }
      docker("network", "create", "-d", "overlay", "--attachable", "--label", `${LABELS.stack}=${stack}`, net);
      for (const role of ["postgres", "redis"]) docker("network", "connect", "--alias", role, net, containers(stack, role)[0]);
      env = envFileFrom(containers(stack, "api")[0]);
      docker(
        "service",
        "create",
        "--name",
        service,
        "--replicas",
        "2",
        "--network",
        net,
        "--env-file",
        env.file,
        "--user",
        "10001:10001",
        "--label",
        `${LABELS.stack}=${stack}`,
        // The replicas' own HEALTHCHECK probe; --health-cmd is a shell string, so it is quoted once here.
        "--health-cmd",
        `python3 -c ${shellQuote(HTTP_PROBE_PY)} http://127.0.0.1:8000/health`,
        "--health-interval",
        "2s",
        "--health-retries",
        "3",
        "--health-start-period",
        "10s",
        "--update-order",
        "start-first",
        "--update-parallelism",
        "1",
        "--update-failure-action",
        "rollback",
        "--update-monitor",
        "5s",
        "--stop-grace-period",
        "10s",
        "--quiet",
        "taskflow-api:v1",
      );
      // The program's gateway image and Caddyfile, following the service's tasks in DNS:
      // an edge holding the port and the upstream set, and Caddy in its namespace.
      const dir = mkdtempSync(path.join(os.tmpdir(), "bench-caddy-"));
      writeFileSync(
        path.join(dir, "Caddyfile"),
        renderCaddyfile({ gateway: BENCH_GATEWAY, apiPort: 8000, healthPath: "/health", hsts: false }),
      );
      docker(
        "run",
        "-d",
        "--name",
        gw,
        "--label",
        `${LABELS.stack}=${stack}`,
        "--network",
        net,
        "-p",
        `127.0.0.1:${port}:8080`,
        "--user",
        "1000:1000",
        "taskflow-caddy:2.6",
        "gateway-edge-init",
      );
      docker(
        "create",
        "--name",
        `${gw}-caddy`,
        "--label",
        `${LABELS.stack}=${stack}`,
        "--network",
        `container:${gw}`,
        "--user",
        "1000:1000",
        "taskflow-caddy:2.6",
        "gateway-proxy-init",
      );
      docker("cp", path.join(dir, "Caddyfile"), `${gw}-caddy:/etc/caddy/Caddyfile`);
      rmSync(dir, { recursive: true, force: true });
      docker("start", `${gw}-caddy`);
      waitFor(() => {
        docker("exec", gw, "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/__gateway/health");
      }, 30);
      waitFor(() => setUpstreams(gw, [`tasks.${service}`]), 60);
    },
    async rollTo(image) {
      docker("service", "update", "--quiet", "--image", image, service);
    },
    teardown() {
      for (const cmd of [
        ["service", "rm", service],
        ["rm", "-f", `${gw}-caddy`],
        ["rm", "-f", gw],
      ]) {
        try {
          docker(...cmd);
        } catch {
          /* gone */
        }
      }
      for (const role of ["postgres", "redis"]) {
        try {
          docker("network", "disconnect", "-f", net, containers(stack, role)[0]);
        } catch {
          /* gone */
        }
      }
      // The overlay's endpoints go away with the service's tasks, a little later.
      try {
        waitFor(() => {
          docker("network", "rm", net);
        }, 30);
      } catch {
        /* left for the label sweep */
      }
      if (initialized) {
        try {
          docker("swarm", "leave", "--force");
        } catch {
          /* not in a swarm */
        }
      }
      env?.cleanup();
    },
  };
}

/** One POSIX shell word: single quotes, with each ' written as '\''. */
function shellQuote(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}
