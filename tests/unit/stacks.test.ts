// Runs the real program for each shipped stack file under mocks and asserts what it
// declares: resources and key inputs, options, networks, ports, secrets and ordering.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";

import { canaryEnabled, REPLICA_REPLACE_ON_CHANGES } from "../../components";
import { secretsDigest } from "../../components/api/commands";
import { loadConfig, TaskflowConfig } from "../../config";
import { dockerCpus } from "../../config/dockerCpus";
import { caddyfileOf, find, isSecretValue, ofType, plainOccurrences, ProgramRun, Recorded, runProgram, stackFileConfig, T } from "../mocks";

const argvOf = (cmd: Recorded): string[] => JSON.parse(cmd.inputs.create);

describe.each(["dev", "staging", "production"])("the %s stack", (stack) => {
  let run: ProgramRun;
  let config: TaskflowConfig;
  const replicas = () => ofType(run, T.container).filter((r) => r.name.startsWith("taskflow-api-replica-"));
  const container = (name: string) => find(run, T.container, name);
  const command = (name: string) => find(run, T.command, name);
  const gatewayCaddyfile = () => caddyfileOf(container("taskflow-gateway-caddy"));

  beforeAll(async () => {
    config = loadConfig(stackFileConfig(stack));
    run = await runProgram(stack, stackFileConfig(stack));
  });

  it("declares the whole runtime and nothing else", () => {
    // The GitHub side is tested in github.test.ts.
    const names = run.resources
      .filter((r) => !/^(taskflow|github|pulumi:providers:github)/.test(r.type))
      .map((r) => `${r.type} ${r.name}`)
      .sort();
    const expected = [
      `${T.command} taskflow-api-migration`,
      `${T.command} taskflow-postgres-roles`,
      `${T.command} taskflow-postgres-secrets-write`,
      `${T.command} taskflow-redis-secrets-write`,
      `${T.command} taskflow-cutover-reload`,
      `${T.command} taskflow-health-gate-check`,
      `${T.command} taskflow-replica-gate-check`,
      // Outside dev the canary runs before the cutover.
      ...(canaryEnabled(config) ? [`${T.command} taskflow-canary-analysis`] : []),
      ...(config.backup.enabled ? [`${T.command} taskflow-backup-dump`] : []),
      ...Array.from({ length: config.api.replicas }, (_, i) => `${T.container} taskflow-api-replica-${i}`),
      `${T.container} taskflow-gateway-caddy`,
      `${T.container} taskflow-gateway-edge`,
      `${T.container} taskflow-postgres-container`,
      `${T.container} taskflow-redis-container`,
      `${T.image} taskflow-api-image`,
      `${T.network} taskflow-network-edge`,
      `${T.network} taskflow-network-internal`,
      `${T.volume} taskflow-gateway-config`,
      ...(config.gateway.domain ? [`${T.volume} taskflow-gateway-certificates`] : []),
      `${T.volume} taskflow-postgres-volume`,
      `${T.volume} taskflow-postgres-backups`,
      `${T.volume} taskflow-postgres-secrets`,
      `${T.volume} taskflow-api-secret-key`,
      `${T.command} taskflow-api-secret-key-write`,
      `${T.command} taskflow-api-replica-watch`,
      `${T.volume} taskflow-redis-secrets`,
      `${T.volume} taskflow-redis-volume`,
      `${T.password} taskflow-api-secret-key`,
      `${T.password} taskflow-postgres-password`,
      `${T.password} taskflow-postgres-owner-password`,
      `${T.password} taskflow-postgres-app-password`,
      `${T.password} taskflow-redis-password`,
      `${T.password} taskflow-redis-app-password`,
      "pulumi:providers:docker docker",
    ].sort();
    expect(names).toEqual(expected);
  });

  it("runs the configured number of replicas", () => {
    expect(replicas()).toHaveLength({ dev: 1, staging: 2, production: 3 }[stack]!);
  });

  it("gives every resource a parent component (except the top components and providers)", () => {
    const urns = new Set(run.resources.map((r) => r.urn));
    const tops = ["taskflow:docker:TaskflowStack", "taskflow:github:GitHubEnvironments"];
    for (const r of run.resources) {
      if (tops.includes(r.type) || r.type.startsWith("pulumi:providers:")) continue;
      expect(urns.has(r.parent), `${r.name} has parent ${r.parent}`).toBe(true);
    }
  });

  it("replaces replicas create-before-delete, gated by health, with no fixed name or host port", () => {
    for (const r of replicas()) {
      expect(r.deleteBeforeReplace).toBe(false);
      expect(r.replaceOnChanges).toEqual(REPLICA_REPLACE_ON_CHANGES);
      expect(r.replaceOnChanges).toEqual(expect.arrayContaining(["image", "envs", "healthcheck"]));
      expect(r.inputs).not.toHaveProperty("name");
      expect(r.inputs).not.toHaveProperty("ports");
      expect(r.inputs.wait).toBe(true);
      expect(r.inputs.waitTimeout).toBe(config.api.waitTimeoutSeconds);
      // The image id of the RemoteImage: a tag re-pointed elsewhere is a new id, so a rollout.
      expect(r.inputs.image).toMatch(/^sha256:[a-f0-9]{64}$/);
      expect(r.dependencies).toContain(find(run, T.image, "taskflow-api-image").urn);
    }
  });

  it("hardens and bounds every replica", () => {
    for (const r of replicas()) {
      expect(r.inputs).toMatchObject({
        user: config.api.user,
        restart: "unless-stopped",
        securityOpts: ["no-new-privileges:true"],
        capabilities: { drops: ["ALL"] },
        privileged: false,
        readOnly: true,
        memory: config.api.memoryMb,
        cpus: dockerCpus(config.api.cpus),
        destroyGraceSeconds: config.api.destroyGraceSeconds,
        stopSignal: "SIGTERM",
        logDriver: "json-file",
        logOpts: { "max-size": "10m", "max-file": "3" },
      });
      expect(r.inputs.user).not.toMatch(/^(root|0)(:|$)/);
    }
  });

  it("keeps the image on the host after a rollout, for a fast rollback", () => {
    expect(find(run, T.image, "taskflow-api-image").inputs).toMatchObject({ name: config.image, keepLocally: true });
  });

  it("points the Docker HEALTHCHECK and the gateway's own replica checks at the same endpoint", () => {
    for (const r of replicas()) {
      expect(r.inputs.healthcheck.tests.at(-1)).toBe(`http://127.0.0.1:${config.api.port}${config.api.healthPath}`);
    }
    // The gateway's watcher gets them with each cutover, never from the edge's environment.
    const cutover = argvOf(command("taskflow-cutover-reload"));
    const flag = (f: string) => cutover[cutover.indexOf(f) + 1];
    expect([flag("--port"), flag("--health-path"), flag("--interval")]).toEqual([
      String(config.api.port),
      config.api.healthPath,
      String(config.gateway.healthIntervalSeconds),
    ]);
    expect(container("taskflow-gateway-edge").inputs.envs).toBeUndefined();
  });

  it("attaches the data stores only to the internal network, which has no route out", () => {
    const internal = find(run, T.network, "taskflow-network-internal");
    expect(internal.inputs.internal).toBe(true);
    for (const name of ["taskflow-postgres-container", "taskflow-redis-container"]) {
      const c = container(name);
      expect(c.inputs.networksAdvanced).toHaveLength(1);
      expect(c.dependencies).toContain(internal.urn);
      expect(c.inputs.networksAdvanced[0].name).toMatch(/^taskflow-network-internal-[a-f0-9]{7}$/);
      expect(c.inputs).not.toHaveProperty("ports");
    }
    expect(find(run, T.network, "taskflow-network-edge").inputs.internal).toBe(false);
  });

  it("publishes host ports on the gateway only: HTTP, and HTTPS when the stack has a domain", () => {
    const g = config.gateway;
    const published = ofType(run, T.container).flatMap((c) => (c.inputs.ports ?? []).map((p: any) => ({ c: c.name, ...p })));
    const port = (internal: number, external: number) => ({
      c: "taskflow-gateway-edge",
      internal,
      external,
      ip: g.bindAddress,
      protocol: "tcp",
    });
    expect(published).toEqual([port(g.listenPort, g.hostPort), ...(g.domain ? [port(g.httpsListenPort, g.httpsHostPort)] : [])]);
  });

  it("keeps certificates on a volume when it serves HTTPS, with HSTS in production", () => {
    const gw = container("taskflow-gateway-caddy");
    const cutover = gatewayCaddyfile();
    if (config.gateway.domain) {
      expect(gw.inputs.volumes).toContainEqual({
        volumeName: find(run, T.volume, "taskflow-gateway-certificates").inputs.name ?? expect.any(String),
        containerPath: "/data",
      });
      expect(gw.inputs.tmpfs).not.toHaveProperty("/data");
      expect(cutover).toContain(`${config.gateway.domain} {`);
      expect(cutover.includes("Strict-Transport-Security")).toBe(config.environment === "production");
    } else {
      expect(gw.inputs.tmpfs).toHaveProperty("/data");
      expect(cutover).toContain(`:${config.gateway.listenPort} {`);
    }
  });

  it("keeps generated passwords secret: in no plain input, command or output", () => {
    expect(run.generatedSecrets).toHaveLength(6);
    const replicaEnvs = JSON.stringify(container("taskflow-api-replica-0").inputs.envs);
    for (const secret of run.generatedSecrets) {
      for (const r of run.resources) {
        expect(plainOccurrences(r.raw, secret), `${r.name} holds a password in plain text`).toEqual([]);
      }
      for (const c of ofType(run, T.command)) expect(c.inputs.create).not.toContain(secret);
      expect(plainOccurrences(run.rawOutputs, secret)).toEqual([]);
      // No replica has it in its environment, which `docker inspect` shows...
      expect(replicaEnvs).not.toContain(secret);
      // ...while what needs it gets it, as a secret: a secrets writer's or the roles' stdin
      // (the data stores' writers read `name base64(content)` lines).
      const decoded = (stdin: string) =>
        stdin
          .split("\n")
          .filter(Boolean)
          .map((l) => Buffer.from(l.split(" ")[1], "base64").toString("utf8"));
      expect(
        JSON.stringify([
          command("taskflow-api-secret-key-write").inputs.stdin,
          command("taskflow-postgres-roles").inputs.stdin,
          decoded(command("taskflow-postgres-secrets-write").inputs.stdin),
          decoded(command("taskflow-redis-secrets-write").inputs.stdin),
        ]),
      ).toContain(secret);
    }
  });

  it("passes connection strings to the migration through its environment, not its command", () => {
    const migration = command("taskflow-api-migration");
    // The owner role: it owns the schema the migrations change, and is no superuser.
    expect(migration.inputs.environment.DATABASE_URL).toMatch(/^postgresql:\/\/taskflow_owner:pw[a-f0-9]+@postgres:5432\/taskflow$/);
    expect(migration.inputs.environment.REDIS_URL).toMatch(/^redis:\/\/app:pw[a-f0-9]+@redis:6379\/0$/);
    expect(migration.dependencies).toContain(command("taskflow-postgres-roles").urn);
    expect(argvOf(migration)).toEqual(expect.arrayContaining(["-e", "DATABASE_URL"]));
    expect(argvOf(migration).join(" ")).not.toContain("postgresql://");
  });

  it("migrates after the data stores (and backup), before any replica; gates before and after the cutover", () => {
    const migration = command("taskflow-api-migration");
    expect(migration.dependencies).toEqual(
      expect.arrayContaining([container("taskflow-postgres-container").urn, container("taskflow-redis-container").urn]),
    );
    if (config.backup.enabled) expect(migration.dependencies).toContain(command("taskflow-backup-dump").urn);
    for (const r of replicas()) expect(r.dependencies).toContain(migration.urn);
    const replicaGate = command("taskflow-replica-gate-check");
    expect(replicaGate.dependencies).toEqual(expect.arrayContaining(replicas().map((r) => r.urn)));
    const cutover = command("taskflow-cutover-reload");
    expect(cutover.dependencies).toEqual(
      expect.arrayContaining([
        ...replicas().map((r) => r.urn),
        replicaGate.urn,
        container("taskflow-gateway-edge").urn,
        container("taskflow-gateway-caddy").urn,
      ]),
    );
    expect(command("taskflow-health-gate-check").dependencies).toContain(cutover.urn);
  });

  it("tries the new replicas on a share of traffic after the replica gate and before the cutover, with the stack's canary settings", () => {
    // On in staging and production by default; off in dev (each rollout would take the window longer).
    expect(canaryEnabled(config)).toBe(config.environment !== "dev");
    if (!canaryEnabled(config)) {
      expect(run.resources.filter((r) => r.name === "taskflow-canary-analysis")).toEqual([]);
      return;
    }
    const canary = command("taskflow-canary-analysis");
    expect(canary.dependencies).toEqual(
      expect.arrayContaining([
        ...replicas().map((r) => r.urn),
        command("taskflow-replica-gate-check").urn,
        container("taskflow-gateway-caddy").urn,
      ]),
    );
    expect(command("taskflow-cutover-reload").dependencies).toContain(canary.urn);
    const c = config.canary;
    // prettier-ignore
    expect(argvOf(canary)).toEqual(["node", "components/gates/canary-gate.js",
      "--gateway", container("taskflow-gateway-edge").state.name, "--stack", stack, "--log", "/var/log/gateway/upstreams.log",
      "--port", String(config.api.port), "--health-path", config.api.healthPath, "--interval", String(config.gateway.healthIntervalSeconds),
      "--canary-count", String(c.replicas), "--window", String(c.windowSeconds), "--min-requests", String(c.minRequests),
      "--max-error-increase", String(c.maxErrorIncrease), "--max-latency-ratio", String(c.maxLatencyRatio), "--latency-slack-ms", String(c.latencySlackMs),
      ...replicas().flatMap((r) => ["--replica", r.state.name])]);
    // Only new replicas run it again; a setting change runs nothing.
    expect(canary.inputs.triggers).toEqual([replicas().map((r) => r.state.name)]);
    expect(JSON.parse(canary.inputs.update)).toEqual(["node", "-e", "0"]);
  });

  it("watches a new image's replicas beside their creation: runs after the migration, before the gates, re-runs only for a new image", () => {
    const watch = command("taskflow-api-replica-watch");
    const imageId = find(run, T.image, "taskflow-api-image").state.imageId;
    expect(argvOf(watch)).toEqual([
      "node",
      "components/api/replica-watch.js",
      "--stack",
      stack,
      "--image",
      imageId,
      "--count",
      String(config.api.replicas),
      "--timeout",
      String(config.api.waitTimeoutSeconds + 10),
    ]);
    expect(watch.dependencies).toContain(command("taskflow-api-migration").urn);
    // Beside the replicas, not before them: no replica waits for it.
    for (const r of replicas()) expect(r.dependencies).not.toContain(watch.urn);
    expect(command("taskflow-replica-gate-check").dependencies).toContain(watch.urn);
    expect(command("taskflow-cutover-reload").dependencies).toContain(watch.urn);
    expect(watch.inputs.triggers).toEqual([imageId]);
    // Any other change (replica count, wait timeout) is an update, which does nothing.
    expect(JSON.parse(watch.inputs.update)).toEqual(["node", "-e", "0"]);
  });

  it("stops a data store before starting its replacement (one server per volume)", () => {
    expect(container("taskflow-postgres-container").deleteBeforeReplace).toBe(true);
    expect(container("taskflow-redis-container").deleteBeforeReplace).toBe(true);
  });

  it("protects data volumes exactly when the stack says so", () => {
    for (const v of ["taskflow-postgres-volume", "taskflow-postgres-backups", "taskflow-redis-volume"]) {
      expect(find(run, T.volume, v).protect).toBe(stack === "production");
    }
  });

  it("labels every replica with a digest of the secrets it reads, so a rotated password rolls the replicas", () => {
    const write = command("taskflow-api-secret-key-write");
    const stdin = write.inputs.stdin as string;
    const digests = replicas().map((r) => r.inputs.labels.find((l: { label: string }) => l.label === "taskflow.rotation")?.value);
    expect(new Set(digests)).toEqual(new Set([secretsDigest(stdin)]));
    expect(digests[0]).toMatch(/^[0-9a-f]{16}$/);
    // Labels force a replacement, and replicas are replaced new first.
    expect(REPLICA_REPLACE_ON_CHANGES).toContain("labels");
    // Another password, another digest; the digest shows nothing of the secret.
    expect(secretsDigest(stdin.replace(/pw[0-9a-f]{30}/, "pw" + "0".repeat(30)))).not.toBe(digests[0]);
    expect(stdin).not.toContain(digests[0]);
  });

  it("gives the API its deploy contract: SECRET_KEY and its connections as 0400 files on a read-only volume, TASKFLOW_ENV and a graceful timeout below the stop timeout", () => {
    const r = container("taskflow-api-replica-0");
    const keyVolume = find(run, T.volume, "taskflow-api-secret-key");
    expect(r.inputs.volumes).toEqual([{ volumeName: keyVolume.state.name, containerPath: "/run/secrets", readOnly: true }]);
    const write = command("taskflow-api-secret-key-write");
    expect(r.dependencies).toContain(write.urn);
    // The secrets reach the writer on stdin (a secret), never in its argv or environment,
    // which `docker inspect` would show: one line per file.
    const argv = argvOf(write);
    expect(argv.slice(argv.indexOf("-v"), argv.indexOf("-v") + 2)).toEqual(["-v", `${keyVolume.state.name}:/run/secrets`]);
    expect(argv).toEqual(
      expect.arrayContaining([
        "-i",
        "--network",
        "none",
        "--cap-drop",
        "ALL",
        "--cap-add",
        "CHOWN",
        "SECRET_DIR=/run/secrets",
        `API_USER=${config.api.user}`,
      ]),
    );
    expect(argv.join(" ")).not.toContain("SECRET_KEY");
    expect(write.inputs.environment).toEqual({ DOCKER_HOST: config.docker.host });
    expect(isSecretValue(write.raw.stdin)).toBe(true);
    const lines = (write.inputs.stdin as string).split("\n").filter(Boolean);
    expect(lines.map((l) => l.split(" ")[0])).toEqual(["database-url", "redis-url", "secret-key"]);
    expect(lines[0]).toMatch(/^database-url postgresql:\/\/taskflow_app:pw[a-f0-9]+@postgres:5432\/taskflow$/);
    expect(lines[1]).toMatch(/^redis-url redis:\/\/app:pw[a-f0-9]+@redis:6379\/0$/);
    // A numeric user needs no lookup in the API image: the writer runs in one a release
    // does not change, so a new tag does not re-run it (pulumi-command re-runs create).
    expect(argv).toContain(config.postgres.image);
    expect(argv).not.toContain(find(run, T.image, "taskflow-api-image").state.imageId);
    const envs: string[] = r.inputs.envs;
    expect(envs).toEqual(
      expect.arrayContaining([
        "SECRET_KEY_FILE=/run/secrets/secret-key",
        "DATABASE_URL_FILE=/run/secrets/database-url",
        "REDIS_URL_FILE=/run/secrets/redis-url",
      ]),
    );
    expect(envs.join("\n")).not.toMatch(/postgresql:|redis:\/\/|^(DATABASE_URL|REDIS_URL)=/m);
    expect(envs).toContain(`TASKFLOW_ENV=${{ dev: "development", staging: "staging", production: "production" }[stack]}`);
    expect(envs).toContain(`GRACEFUL_TIMEOUT=${Math.max(1, config.api.destroyGraceSeconds - 5)}`);
    expect(Math.max(1, config.api.destroyGraceSeconds - 5)).toBeLessThan(r.inputs.stopTimeout);
    expect(envs.some((e) => e.startsWith("SECRET_KEY="))).toBe(false);
  });

  it("keeps Postgres dumps on a volume of their own, not on the data volume", () => {
    const mounts = container("taskflow-postgres-container").inputs.volumes as { volumeName: string; containerPath: string }[];
    expect(mounts.map((m) => m.containerPath)).toEqual(["/var/lib/postgresql/data", "/var/lib/postgresql/backups", "/run/secrets"]);
    expect(mounts[1].volumeName).toBe(find(run, T.volume, "taskflow-postgres-backups").state.name);
    expect(new Set(mounts.map((m) => m.volumeName)).size).toBe(3);
  });

  it("gives every long-running container a read-only root, with tmpfs owned by its user, no uploads, and data stores' secrets written first onto a read-only volume", () => {
    for (const r of ofType(run, T.container)) {
      expect(r.inputs.readOnly, r.name).toBe(true);
      const [uid, gid = uid] = (r.inputs.user as string).split(":");
      for (const [dir, options] of Object.entries((r.inputs.tmpfs ?? {}) as Record<string, string>)) {
        // The API's /tmp keeps the image's mode 1777; every other tmpfs belongs to the server's user.
        if (!r.name.startsWith("taskflow-api-replica-")) expect(options, `${r.name} ${dir}`).toContain(`uid=${uid},gid=${gid}`);
        expect(options, `${r.name} ${dir}`).toMatch(/^rw,noexec,nosuid,size=\d+m/);
      }
      // Docker refuses an upload into a read-only root (the provider extracts at "/").
      expect(r.inputs.uploads ?? [], r.name).toEqual([]);
    }
    for (const [name, dirs] of [
      ["taskflow-postgres-container", ["/run/postgresql", "/tmp"]],
      ["taskflow-redis-container", ["/tmp"]],
      ["taskflow-gateway-edge", ["/run/gateway", "/tmp"]],
    ] as const)
      expect(Object.keys(container(name).inputs.tmpfs), name).toEqual(dirs);
    expect(Object.keys(container("taskflow-gateway-caddy").inputs.tmpfs)).toEqual(
      expect.arrayContaining(["/run/gateway", "/tmp", "/config"]),
    );
    for (const store of ["postgres", "redis"]) {
      const c = container(`taskflow-${store}-container`);
      const secretsVolume = find(run, T.volume, `taskflow-${store}-secrets`).state.name;
      expect(c.inputs.volumes).toContainEqual({ volumeName: secretsVolume, containerPath: "/run/secrets", readOnly: true });
      const writer = command(`taskflow-${store}-secrets-write`);
      const argv: string[] = JSON.parse(writer.inputs.create);
      expect(argv).toContain(`${secretsVolume}:/run/secrets`);
      expect(argv).toContain(`OWNER=${c.inputs.user}`);
      // The container waits for its files.
      expect(c.dependencies).toContain(writer.urn);
    }
  });

  it("gates the replicas alone before the cutover, without touching the gateway", () => {
    const argv = argvOf(command("taskflow-replica-gate-check"));
    expect(argv).not.toContain("--gateway-url");
    expect(argv.filter((_, i) => argv[i - 1] === "--replica")).toEqual(run.outputs.replicaNames);
  });

  it("runs the health gate over every current replica and the gateway", () => {
    const argv = argvOf(command("taskflow-health-gate-check"));
    const names = run.outputs.replicaNames as string[];
    expect(argv.slice(0, 2)).toEqual(["node", "components/gates/health-gate.js"]);
    expect(argv.filter((_, i) => argv[i - 1] === "--replica")).toEqual(names);
    expect(argv[argv.indexOf("--expect-version") + 1]).toBe(run.outputs.version);
    expect(argv[argv.indexOf("--attempts") + 1]).toBe(String(config.healthGate.attempts));
  });

  it("runs the health gate again through the port when a new Caddy serves (a gateway change), before the old one goes", () => {
    const gate = command("taskflow-health-gate-check");
    const caddy = container("taskflow-gateway-caddy");
    expect(gate.inputs.triggers).toContain(`${caddy.name}-id`); // the mocks give a resource the id "<name>-id"
    expect(gate.dependencies).toContain(caddy.urn);
    expect(command("taskflow-replica-gate-check").inputs.triggers).not.toContain(`${caddy.name}-id`);
  });

  it("sets the current replicas as the gateway's upstreams, without reloading Caddy", () => {
    const cutover = command("taskflow-cutover-reload");
    const names = run.outputs.replicaNames as string[];
    expect(names).toHaveLength(config.api.replicas);
    expect(argvOf(cutover)).toEqual([
      "docker",
      "exec",
      run.outputs.gatewayContainer,
      "gateway-upstreams",
      "set",
      "--port",
      String(config.api.port),
      "--health-path",
      config.api.healthPath,
      "--interval",
      String(config.gateway.healthIntervalSeconds),
      ...names,
    ]);
    expect(cutover.inputs).not.toHaveProperty("stdin");
    expect(cutover.inputs.triggers).toEqual([container("taskflow-gateway-edge").inputs.id ?? expect.anything(), names]);
  });

  it("starts Caddy with the Caddyfile rendered now, never a resumed one", () => {
    const gw = container("taskflow-gateway-caddy");
    // The command writes the Caddyfile from the environment onto the /etc/caddy tmpfs, then
    // runs the image's gateway-proxy-init. Run here with a hostile Caddyfile: the file holds
    // exactly the value, and nothing in it was executed.
    const [shell, flag, script] = gw.inputs.command as string[];
    expect([shell, flag]).toEqual(["sh", "-c"]);
    expect(script).toMatch(/ > \/etc\/caddy\/Caddyfile && exec gateway-proxy-init$/);
    expect(Object.keys(gw.inputs.tmpfs)).toContain("/etc/caddy");
    const dir = mkdtempSync(path.join(os.tmpdir(), "caddyfile-"));
    try {
      const hostile = `:80 {\n\trespond "$(touch ${dir}/pwned)" \`touch ${dir}/pwned2\`\n}\n'; touch ${dir}/pwned3; '`;
      const written = spawnSync("sh", ["-c", script.replace("/etc/caddy", dir).replace("exec gateway-proxy-init", "exec true")], {
        env: { PATH: process.env.PATH, GATEWAY_CADDYFILE: hostile },
      });
      expect(written.status).toBe(0);
      expect(readFileSync(path.join(dir, "Caddyfile"), "utf8")).toBe(`${hostile}\n`);
      expect(readdirSync(dir)).toEqual(["Caddyfile"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(JSON.stringify(gw.inputs)).not.toContain("--resume");
    expect(gatewayCaddyfile()).toContain(`dynamic a upstreams.taskflow.internal ${config.api.port} {`);
  });

  it("runs Caddy inside the edge's network namespace, so a new Caddy can listen beside the old one", () => {
    const edge = container("taskflow-gateway-edge");
    const caddy = container("taskflow-gateway-caddy");
    expect(edge.inputs.command).toEqual(["gateway-edge-init"]);
    expect(edge.inputs.sysctls).toEqual({ "net.ipv4.tcp_migrate_req": "1" });
    expect(caddy.inputs.networkMode).toBe(`container:${edge.name}-id`); // the mocks give a resource the id "<name>-id"
    expect(caddy.inputs.ports).toBeUndefined();
    expect(caddy.inputs.networksAdvanced).toBeUndefined();
    expect(caddy.dependencies).toContain(edge.urn);
    // Its own health check reaches it through its private socket, not the shared port.
    expect(caddy.inputs.healthcheck.tests).toEqual(expect.arrayContaining(["--unix-socket", "/run/gateway/health.sock"]));
    expect(gatewayCaddyfile()).toContain("\tbind unix//run/gateway/health.sock\n");
    // A replaced Caddy drains, then gets Caddy's grace period, before Docker kills it.
    const g = config.gateway;
    expect(caddy.inputs.envs).toContain(`GATEWAY_DRAIN_SECONDS=${g.drainSeconds}`);
    expect(caddy.inputs.stopTimeout).toBe(g.drainSeconds + g.gracePeriodSeconds + 5);
    expect(caddy.inputs.destroyGraceSeconds).toBe(caddy.inputs.stopTimeout);
  });

  it("sends every Docker command to the configured host", () => {
    for (const c of ofType(run, T.command)) expect(c.inputs.environment.DOCKER_HOST).toBe(config.docker.host);
    expect(find(run, "pulumi:providers:docker", "docker").inputs.host).toBe(config.docker.host);
  });

  it("labels every container, network and volume with its stack", () => {
    for (const r of [...ofType(run, T.container), ...ofType(run, T.network), ...ofType(run, T.volume)]) {
      expect(r.inputs.labels).toEqual(expect.arrayContaining([{ label: "taskflow.stack", value: stack }]));
    }
  });

  it("exports the URL, image, version, replica names, data store hosts and (empty without swarm) the API service", () => {
    expect(run.outputs).toEqual({
      url:
        config.gateway.publicUrl ??
        (config.gateway.domain ? `https://${config.gateway.domain}` : `http://127.0.0.1:${config.gateway.hostPort}`),
      image: config.image,
      version: config.image.split(":")[config.image.includes("://") ? 2 : 1].split("@")[0],
      replicaNames: replicas().map((r) => expect.stringMatching(new RegExp(`^${r.name}-[a-f0-9]{7}$`))),
      databaseHost: "postgres",
      cacheHost: "redis",
      gatewayContainer: expect.stringMatching(/^taskflow-gateway-edge-[a-f0-9]{7}$/),
      // Always a value: an undefined export makes every real preview warn.
      apiService: "",
    });
  });
});
