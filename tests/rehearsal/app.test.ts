// The TaskFlow API's own tests (app/tests, pytest from Debian) inside its `test` image,
// against a real Postgres and Redis on a network this test creates, and the production
// image's contract: non-root, a HEALTHCHECK on /health, SIGTERM, no test code.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { docker } from "./harness";
import { requireDocker, skipRehearsal } from "./preflight";

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

describe.skipIf(skipRehearsal)("the TaskFlow API image", () => {
  requireDocker();
  const id = `rh-app-${randomBytes(3).toString("hex")}`;
  const label = ["--label", `taskflow.stack=${id}`];
  const password = randomBytes(12).toString("hex");

  beforeAll(async () => {
    docker("network", "create", ...label, id);
    docker(
      "run",
      "-d",
      ...label,
      "--name",
      `${id}-pg`,
      "--network",
      id,
      "--network-alias",
      "postgres",
      "-e",
      "POSTGRES_USER=taskflow",
      "-e",
      "POSTGRES_DB=taskflow",
      "-e",
      `POSTGRES_PASSWORD=${password}`,
      "taskflow-postgres:15",
    );
    docker("run", "-d", ...label, "--name", `${id}-redis`, "--network", id, "--network-alias", "redis", "taskflow-redis:7");
    for (let i = 0; i < 60; i++) {
      try {
        docker("exec", `${id}-pg`, "pg_isready", "-h", "127.0.0.1", "-U", "taskflow");
        return;
      } catch {
        await sleep(1);
      }
    }
    throw new Error("Postgres did not become ready in 60 s");
  }, 90_000);

  afterAll(() => {
    const ids = docker("ps", "-aq", "--filter", `label=taskflow.stack=${id}`).split("\n").filter(Boolean);
    if (ids.length) docker("rm", "-f", ...ids);
    docker("network", "rm", id);
  });

  it("passes its own tests (pytest) against Postgres and Redis", () => {
    let out: string;
    try {
      out = docker(
        "run",
        "--rm",
        ...label,
        "--network",
        id,
        "--read-only",
        "--tmpfs",
        "/tmp",
        "-e",
        `DATABASE_URL=postgresql://taskflow:${password}@postgres:5432/taskflow`,
        "-e",
        "REDIS_URL=redis://redis:6379/0",
        "taskflow-api:test",
      );
    } catch (e) {
      throw new Error(`pytest failed:\n${(e as { stdout?: string }).stdout ?? ""}${(e as Error).message}`);
    }
    const summary = /(\d+) passed/.exec(out);
    expect(out).not.toMatch(/failed|error/i);
    expect(Number(summary?.[1])).toBeGreaterThanOrEqual(15);
  }, 180_000);

  it("ships a production image that runs as non-root with a HEALTHCHECK on /health and no test or fault code", () => {
    const config = JSON.parse(docker("image", "inspect", "-f", "{{json .Config}}", "taskflow-api:v1"));
    expect(config.User).toBe("10001:10001");
    expect(config.Healthcheck.Test.join(" ")).toContain("/health");
    expect(config.StopSignal).toBe("SIGTERM");
    expect(config.Cmd).toEqual(["gunicorn", "-c", "/app/gunicorn.conf.py", "taskflow.asgi:app"]);
    expect(config.Env).toContain("APP_VERSION=v1");
    const files = docker(
      "run",
      "--rm",
      ...label,
      "--entrypoint",
      "sh",
      "taskflow-api:v1",
      "-c",
      "ls /app /app/migrations/versions; command -v gcc cc pytest || true",
    );
    expect(files).not.toMatch(/taskflow_faults|tests|0099|gcc|pytest/);
    expect(files).toContain("0002_add_done_at.py");
  });

  it("serves, drains on SIGTERM and exits before the stop timeout, as gunicorn with uvicorn workers", async () => {
    const name = `${id}-api`;
    docker(
      "run",
      "--rm",
      ...label,
      "--network",
      id,
      "-e",
      `DATABASE_URL=postgresql://taskflow:${password}@postgres:5432/taskflow`,
      "-e",
      "REDIS_URL=redis://redis:6379/0",
      "-e",
      "TASKFLOW_ENV=production",
      "-e",
      `SECRET_KEY=${"s".repeat(40)}`,
      "taskflow-api:v1",
      "alembic",
      "upgrade",
      "head",
    );
    docker(
      "run",
      "-d",
      ...label,
      "--name",
      name,
      "--network",
      id,
      "--read-only",
      "--tmpfs",
      "/tmp",
      "--stop-timeout",
      "10",
      "-e",
      `DATABASE_URL=postgresql://taskflow:${password}@postgres:5432/taskflow`,
      "-e",
      "REDIS_URL=redis://redis:6379/0",
      "-e",
      "TASKFLOW_ENV=production",
      "-e",
      `SECRET_KEY=${"s".repeat(40)}`,
      "-e",
      "GRACEFUL_TIMEOUT=5",
      "taskflow-api:v1",
    );
    let health = "";
    for (let i = 0; i < 60 && health !== "healthy"; i++) {
      await sleep(1);
      health = docker("inspect", "-f", "{{.State.Health.Status}}", name);
    }
    expect(health).toBe("healthy");
    // A gunicorn master and its two uvicorn workers (no procps in the image: read /proc).
    const count = docker(
      "exec",
      name,
      "python3",
      "-c",
      "import os; print(sum(1 for p in os.listdir('/proc') if p.isdigit() and b'gunicorn' in open(f'/proc/{p}/cmdline', 'rb').read()))",
    );
    expect(Number(count)).toBeGreaterThanOrEqual(3);
    const started = Date.now();
    docker("stop", name);
    expect(Date.now() - started).toBeLessThan(9000);
    const logs = spawnSync("docker", ["logs", name], { encoding: "utf8" });
    expect(logs.stdout + logs.stderr).toContain("Handling signal: term");
  }, 120_000);
});
