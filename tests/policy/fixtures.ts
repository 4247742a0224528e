// Compliant fixtures: each policy test changes one field of these.
import { Fixture } from "./harness";

export const CONTAINER = "docker:index/container:Container";

export const apiReplica = (): Fixture => ({
  type: CONTAINER,
  name: "taskflow-api-replica-0",
  opts: { deleteBeforeReplace: false },
  props: {
    image: "sha256:" + "a".repeat(64),
    name: "taskflow-api-replica-0-abc1234",
    user: "10001:10001",
    memory: 512,
    cpus: "1",
    restart: "unless-stopped",
    securityOpts: ["no-new-privileges:true"],
    capabilities: { drops: ["ALL"] },
    privileged: false,
    readOnly: true,
    tmpfs: { "/tmp": "rw,noexec,nosuid,size=64m" },
    envs: ["DATABASE_URL=postgresql://taskflow:x@postgres:5432/taskflow", "PORT=8000"],
    labels: [
      { label: "taskflow.stack", value: "dev" },
      { label: "taskflow.role", value: "api" },
    ],
    healthcheck: { tests: ["CMD", "python3", "-c", "probe", "http://127.0.0.1:8000/health"] },
    volumes: [],
    wait: true,
    waitTimeout: 120,
  },
});

/** A compliant fixture with some props changed. */
export function withProps(f: Fixture, props: Record<string, unknown>, opts: Fixture["opts"] = {}): Fixture {
  return { ...f, props: { ...f.props, ...props }, opts: { ...f.opts, ...opts } };
}

/** A compliant swarm API service (runtime: swarm). */
export const apiService = (): Fixture => ({
  type: "docker:index/service:Service",
  name: "taskflow-api-service",
  opts: {},
  props: {
    labels: [
      { label: "taskflow.stack", value: "dev" },
      { label: "taskflow.role", value: "api" },
    ],
    taskSpec: {
      containerSpec: {
        image: "taskflow-api:v1",
        user: "10001:10001",
        readOnly: true,
        healthcheck: { tests: ["CMD", "python3", "-c", "probe", "http://127.0.0.1:8000/health"] },
      },
      resources: { limits: { memoryBytes: 536870912, nanoCpus: 1e9 } },
    },
    updateConfig: { order: "start-first", failureAction: "rollback", monitor: "15s" },
    endpointSpec: { mode: "dnsrr" },
  },
});
