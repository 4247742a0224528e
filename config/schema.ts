// The one schema for all stack config. Every key has its default here, so what a
// stack runs with is readable in one place. Keys live under the `taskflow:` namespace.
import { z } from "zod";
import {
  bool,
  commandArgv,
  digestExpectation,
  hasDigest,
  identifier,
  imageRef,
  intBetween,
  isPinnedRef,
  cpuLimit,
  pinnedExpectation,
  port,
  sizeWithUnit,
  hostname,
  urlPath,
  userSpec,
} from "./fields";
import { parseImageRef } from "./imageRef";

const limits = (memoryMb: number, cpus: number) => ({
  memoryMb: intBetween(32, 262144).default(memoryMb),
  cpus: cpuLimit(0.05, 64).default(cpus),
});

/**
 * Variables the program sets on every replica, and APP_VERSION (what the image reports
 * as its version, which the gates check: a stack file must not fake it); `api.env` may
 * not set them.
 */
export const RESERVED_ENV = ["APP_VERSION", "DATABASE_URL", "DATABASE_URL_FILE", "REDIS_URL", "REDIS_URL_FILE", "SECRET_KEY", "SECRET_KEY_FILE",
  "PORT", "TASKFLOW_VERSION", "TASKFLOW_ENV", "GRACEFUL_TIMEOUT", "PATH", "HOME", "LD_PRELOAD", "LD_LIBRARY_PATH", "PYTHONPATH", "PYTHONSTARTUP"];

// What the status endpoint reports and the gates compare: one line, no shell or path characters.
const VERSION_ERROR = "a version such as v1.2.3 or a commit SHA: letters, digits, '.', '_', '+' and '-', one line, at most 128 characters";

// Where clients reach the gateway, which the health gate requests: http(s) only, one line.
const PUBLIC_URL_ERROR = "an http(s) URL where clients reach the gateway";

const apiSchema = z
  .strictObject({
    replicas: intBetween(1, 20).default(2),
    port: port().default(8000),
    healthPath: urlPath().default("/health"),
    statusPath: urlPath().default("/api/v1/status"),
    /** The version the status endpoint must report; defaults to the image tag. */
    version: z.string({ error: VERSION_ERROR }).regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, { error: VERSION_ERROR }).optional(),
    user: userSpec().default("10001:10001"),
    ...limits(512, 1),
    readOnlyRootFilesystem: bool().default(true),
    waitTimeoutSeconds: intBetween(10, 1800).default(120),
    destroyGraceSeconds: intBetween(0, 600).default(30),
    migrationCommand: commandArgv().default(["alembic", "upgrade", "head"]),
    healthcheck: z
      .strictObject({
        intervalSeconds: intBetween(1, 300).default(5),
        timeoutSeconds: intBetween(1, 60).default(3),
        retries: intBetween(1, 10).default(3),
        startPeriodSeconds: intBetween(0, 600).default(10),
      })
      .prefault({}),
    env: z
      .record(
        z.string()
          .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, { error: "environment variable names: A-Z, 0-9 and _" })
          .refine((k) => !RESERVED_ENV.includes(k), { error: `a name the program does not set itself (reserved: ${RESERVED_ENV.join(", ")})` }),
        z.string({ error: "a string value" }).max(4096, { error: "a value of at most 4096 characters" })
          .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: "a single-line value without control characters" }),
        { error: "a map of NAME: value" },
      )
      .default({}),
  })
  .prefault({});

const gatewaySchema = z
  .strictObject({
    image: imageRef(),
    hostPort: port().default(8080),
    bindAddress: z.ipv4({ error: "an IPv4 address to publish on, e.g. 0.0.0.0 or 127.0.0.1" }).default("0.0.0.0"),
    /** Port Caddy listens on inside the container: above 1024 so it runs without root. */
    listenPort: intBetween(1025, 65535).default(8080),
    user: userSpec().default("1000:1000"),
    ...limits(256, 0.5),
    lbTryDurationSeconds: intBetween(1, 60).default(5),
    healthIntervalSeconds: intBetween(1, 60).default(2),
    gracePeriodSeconds: intBetween(0, 300).default(10),
    /**
     * How long a Caddy that a configuration change replaces answers `Connection: close`
     * before it stops (images/caddy/gateway-proxy-init): long enough for every busy
     * keep-alive client to send one more request.
     */
    drainSeconds: intBetween(1, 60).default(3),
    publicUrl: z.url({ protocol: /^https?$/, error: PUBLIC_URL_ERROR })
      .refine((u) => !/[\s\u0000-\u001f\u007f]/.test(u), { error: PUBLIC_URL_ERROR }).optional(),
    /** With a domain Caddy serves HTTPS for it (certificates on a volume); without, plain HTTP. */
    domain: hostname().optional(),
    /** acme: a public CA (Let's Encrypt/ZeroSSL); internal: Caddy's own CA (rehearsals, closed networks). */
    tls: z.enum(["acme", "internal"], { error: "acme (a public CA) or internal (Caddy's own CA)" }).default("acme"),
    acmeEmail: z.email({ error: "an e-mail address for the CA's expiry notices" }).optional(),
    httpsHostPort: port().default(443),
    httpsListenPort: intBetween(1025, 65535).default(8443),
    /** Strict-Transport-Security on HTTPS responses; defaults to on in production only. */
    hsts: bool().optional(),
    /**
     * includeSubDomains in that header: opt-in, because browsers then refuse plain HTTP
     * on every subdomain (staging or previews under the production domain).
     */
    hstsIncludeSubdomains: bool().default(false),
  });

const postgresSchema = z.strictObject({
  image: imageRef(),
  database: identifier().default("taskflow"),
  user: identifier().default("taskflow"),
  passwordLength: intBetween(16, 128).default(32),
  /** uid:gid the server runs as; 999 is the postgres user of the official image. */
  runAs: userSpec().default("999:999"),
  ...limits(1024, 1),
});

const redisSchema = z.strictObject({
  image: imageRef(),
  maxmemoryMb: intBetween(16, 131072).default(256),
  maxmemoryPolicy: z
    .enum(["noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"], {
      error: "a Redis maxmemory-policy such as allkeys-lru or noeviction",
    })
    .default("allkeys-lru"),
  appendonly: bool().default(true),
  passwordLength: intBetween(16, 128).default(32),
  /** uid:gid the server runs as; 999 is the redis user of the official image. */
  runAs: userSpec().default("999:999"),
  ...limits(384, 0.5),
});

const healthGateSchema = z
  .strictObject({
    /** K: consecutive passing rounds required. */
    attempts: intBetween(1, 50).default(3),
    intervalSeconds: intBetween(1, 60).default(2),
    timeoutSeconds: intBetween(5, 1800).default(120),
  })
  .prefault({});

const backupSchema = z
  .strictObject({
    enabled: bool().default(false),
    keep: intBetween(1, 365).default(14),
  })
  .prefault({});

const loggingSchema = z
  .strictObject({
    maxSize: sizeWithUnit().default("10m"),
    maxFiles: intBetween(1, 20).default(3),
  })
  .prefault({});

// tcp:// is refused: the program passes no TLS settings, and a Docker engine on plain
// TCP is root on its host for anyone who can reach the port. ssh:// is the remote way.
const DOCKER_HOST_ERROR = "a Docker host: unix:///path or ssh://user@host[:port] (tcp:// is refused: plain TCP to a Docker engine gives root to anyone on the network)";
// The host starts with a letter or digit: `ssh://u@-oProxyCommand=...` would reach ssh as an option.
const DOCKER_HOST = /^(unix:\/\/\/[A-Za-z0-9._\/-]+|ssh:\/\/[a-z_][a-z0-9_-]*@[A-Za-z0-9][A-Za-z0-9.-]*(:(\d{1,5}))?)$/;
export const isDockerHost = (v: string) => {
  const m = DOCKER_HOST.exec(v);
  return m !== null && (m[3] === undefined || (Number(m[3]) >= 1 && Number(m[3]) <= 65535));
};
const dockerHostField = () => z
  .string({ error: DOCKER_HOST_ERROR })
  .refine(isDockerHost, { error: DOCKER_HOST_ERROR });
const dockerSchema = z
  .strictObject({
    host: dockerHostField().default("unix:///var/run/docker.sock"),
  })
  .prefault({});

/** `{ staging: {NAME: value}, production: {NAME: value} }` */
// One map per GitHub environment (components/githubEnvironments.ts ENVIRONMENT_RULES).
const perEnvironment = (value: z.ZodString) => {
  const map = () => z.record(githubName(), value, { error: "a map of NAME: value" }).default({});
  return z.strictObject({ staging: map(), production: map(), preview: map(), "production-preview": map() }).prefault({});
};

// An empty list would let anything merge to main unchecked.
const REQUIRED_CHECKS_ERROR = "a non-empty list of check names (one line each): main must require at least one";

/** A DOCKER_HOST variable is where a workflow's `pulumi up` reaches Docker: the same rules as docker.host. */
function dockerHostVariables(vars: Record<string, Record<string, string>>, ctx: z.RefinementCtx): void {
  for (const [environment, map] of Object.entries(vars)) {
    const value = map.DOCKER_HOST;
    if (value !== undefined && !isDockerHost(value)) {
      ctx.addIssue({ code: "custom", path: [environment, "DOCKER_HOST"], message: DOCKER_HOST_ERROR });
    }
  }
}

// A GitHub user or organization name: up to 39 letters, digits and dashes.
const GITHUB_LOGIN = /^[A-Za-z0-9-]{1,39}$/;

// GitHub secret and variable names: what GitHub accepts.
const githubName = () => {
  const error = "a GitHub secret/variable name: letters, digits and _, not starting with a digit or GITHUB_";
  return z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error }).refine((n) => !/^GITHUB_/i.test(n), { error });
};

// The GitHub side of the release path, owned by the production stack: the staging,
// production, preview and production-preview environments, their protection rules,
// secrets and variables, and branch protection on main.
const githubSchema = z
  .strictObject({
    enabled: bool().default(false),
    owner: z.string({ error: "a GitHub user or organization name" }).regex(GITHUB_LOGIN, { error: "a GitHub user or organization name" }).optional(),
    repository: z.string({ error: "a repository name" }).regex(/^[A-Za-z0-9._-]{1,100}$/, { error: "a repository name" }).optional(),
    reviewers: z
      .strictObject({
        users: z.array(z.string().regex(GITHUB_LOGIN, { error: "GitHub logins" }), { error: "a list of GitHub logins" }).default([]),
        teams: z.array(z.string().regex(/^[a-z0-9_-]{1,100}$/, { error: "team slugs" }), { error: "a list of team slugs" }).default([]),
      })
      .prefault({}),
    waitTimerMinutes: intBetween(0, 43200).default(0),
    /** Status checks main requires: the CI and preview jobs' check names. */
    requiredChecks: z.array(z.string().regex(/^[^\u0000-\u001f\u007f]{1,255}$/), { error: REQUIRED_CHECKS_ERROR })
      .min(1, { error: REQUIRED_CHECKS_ERROR })
      .default(["test", "image", "preview (staging)", "preview (production)"]),
    variables: perEnvironment(z.string({ error: "a string value" })).superRefine(dockerHostVariables),
    /** The bot user whose token commits the deployed tag to Pulumi.<stack>.yaml (may push to main without a PR). */
    tagCommitter: z.string().regex(GITHUB_LOGIN, { error: "a GitHub login" }).optional(),
  })
  .prefault({});

// The swarm runtime: the API as a swarm service; Postgres and Redis stay single
// containers on the data node (the node docker.host reaches, labeled dataNodeLabel=true).
const swarmSchema = z
  .strictObject({
    /** Node label the data node must carry (`docker node update --label-add <label>=true <node>`). */
    dataNodeLabel: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, { error: "a node label key such as taskflow.data" }).default("taskflow.data"),
    /** Replicas replaced at once during an update (start-first: the new one is healthy before the old stops). */
    updateParallelism: intBetween(1, 20).default(1),
    updateDelaySeconds: intBetween(0, 600).default(0),
    /** How long swarm watches each new task after it starts; a failure in that window rolls the update back. */
    monitorSeconds: intBetween(1, 600).default(15),
    /** Extra placement constraints for API tasks, e.g. node.role==worker. */
    apiConstraints: z.array(z.string().regex(/^[\w.-]+\s*(==|!=)\s*[\w.-]+$/, { error: "constraints such as node.role==worker" }), { error: "a list of constraints" }).default([]),
  })
  .prefault({});

// Per-pull-request preview stacks (pr-<n>), derived from the staging config by
// previews/cli.ts; these settings live in the staging stack file.
const previewsSchema = z
  .strictObject({
    maxConcurrent: intBetween(1, 50).default(5),
    /** Preview n publishes hostPortBase + (n mod portSlots). */
    hostPortBase: intBetween(1025, 64000).default(20000),
    portSlots: intBetween(10, 1000).default(1000),
    /** URLs become http://pr-<n>.<domain>:<port> (a wildcard DNS record to the previews' host). */
    domain: hostname().optional(),
    replicas: intBetween(1, 20).default(1),
    /**
     * The Docker host previews deploy to: never staging's. Pull-request code runs there
     * with the preview environment's key, which must not reach staging's containers
     * (root on a Docker host reaches every container on it).
     */
    dockerHost: dockerHostField().optional(),
  })
  .prefault({});

export const configSchema = z
  .strictObject({
    environment: z.enum(["dev", "preview", "staging", "production"], { error: "one of dev, preview, staging, production" }),
    image: imageRef(),
    /** container: N containers and a cutover (one host); swarm: a swarm service (many nodes). */
    runtime: z.enum(["container", "swarm"], { error: "container (one Docker host) or swarm (a Docker Swarm service)" }).default("container"),
    swarm: swarmSchema,
    docker: dockerSchema,
    api: apiSchema,
    gateway: gatewaySchema,
    postgres: postgresSchema,
    redis: redisSchema,
    healthGate: healthGateSchema,
    backup: backupSchema,
    logging: loggingSchema,
    /** Protect data volumes from deletion (`pulumi destroy` refuses). */
    protectData: bool().default(false),
    github: githubSchema,
    previews: previewsSchema,
    /** Environment secrets for GitHub Actions: set each with `pulumi config set --secret --path`. */
    githubSecrets: perEnvironment(z.string({ error: "a string value" }).min(1, { error: "a non-empty value" })),
  })
  .superRefine((c, ctx) => {
    if (c.environment !== "dev") {
      const images: [string[], string][] = [
        [["image"], c.image],
        [["gateway", "image"], c.gateway.image],
        [["postgres", "image"], c.postgres.image],
        [["redis", "image"], c.redis.image],
      ];
      for (const [path, value] of images) {
        if (!isPinnedRef(value)) ctx.addIssue({ code: "custom", path, message: pinnedExpectation });
        else if (c.environment === "production" && !hasDigest(value)) ctx.addIssue({ code: "custom", path, message: digestExpectation });
      }
    }
    httpsRules(c, ctx);
    if (!c.docker.host.startsWith("unix://") && c.gateway.publicUrl === undefined && c.gateway.domain === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["gateway", "publicUrl"],
        message: "the URL clients use to reach the gateway; required when `docker.host` is not a local socket (the health gate calls it)",
      });
    }
    if (c.github.enabled) {
      if (c.environment !== "production") {
        ctx.addIssue({ code: "custom", path: ["github", "enabled"], message: "true only in the production stack, which declares both GitHub environments" });
      }
      for (const key of ["owner", "repository"] as const) {
        if (!c.github[key]) ctx.addIssue({ code: "custom", path: ["github", key], message: `the GitHub ${key}, required when github.enabled is true` });
      }
      const reviewers = c.github.reviewers.users.length + c.github.reviewers.teams.length;
      if (reviewers === 0) {
        ctx.addIssue({ code: "custom", path: ["github", "reviewers"], message: "at least one user or team: production deploys need an approval" });
      }
      if (reviewers > 6) {
        ctx.addIssue({ code: "custom", path: ["github", "reviewers"], message: `at most 6 users and teams in all (GitHub's limit; got ${reviewers})` });
      }
    }
    const ref = parseImageRef(c.image);
    if (ref && ref.tag === undefined && c.api.version === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["api", "version"],
        message: "the version the status endpoint reports, required when `image` has a digest but no tag",
      });
    }
    if (c.redis.memoryMb < Math.ceil(c.redis.maxmemoryMb * 1.25)) {
      ctx.addIssue({
        code: "custom",
        path: ["redis", "memoryMb"],
        message: `at least ${Math.ceil(c.redis.maxmemoryMb * 1.25)} (redis.maxmemoryMb + 25% for Redis's own overhead), or the kernel kills Redis before it evicts`,
      });
    }
    if (c.healthGate.timeoutSeconds < c.healthGate.attempts * c.healthGate.intervalSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["healthGate", "timeoutSeconds"],
        message: `at least attempts x intervalSeconds = ${c.healthGate.attempts * c.healthGate.intervalSeconds}, or the gate can never pass`,
      });
    }
  });

export type TaskflowConfig = z.output<typeof configSchema>;

/** HTTPS at the gateway: required in production with a public CA; ports must not clash. */
function httpsRules(c: { environment: string; gateway: z.output<typeof gatewaySchema> }, ctx: z.RefinementCtx): void {
  const g = c.gateway;
  if (c.environment === "production") {
    if (g.domain === undefined) ctx.addIssue({ code: "custom", path: ["gateway", "domain"], message: "the host name production serves over HTTPS (required in production)" });
    if (g.tls === "internal") ctx.addIssue({ code: "custom", path: ["gateway", "tls"], message: "acme in production: browsers do not trust Caddy's internal CA" });
  }
  if (g.domain === undefined) return;
  if (g.httpsListenPort === g.listenPort) {
    ctx.addIssue({ code: "custom", path: ["gateway", "httpsListenPort"], message: `a port other than gateway.listenPort (${g.listenPort}): HTTP and HTTPS listen side by side` });
  }
  if (g.httpsHostPort === g.hostPort) {
    ctx.addIssue({ code: "custom", path: ["gateway", "httpsHostPort"], message: `a host port other than gateway.hostPort (${g.hostPort})` });
  }
}
