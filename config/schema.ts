// The one schema for all stack config. Every key has its default and its meaning here,
// so what a stack runs with is readable in one place. Keys live under the `taskflow:`
// namespace. Each key's meaning is a `.describe()`, written last (zod 4 keeps a
// description through refinements but not through a later `.default()` or
// `.optional()`); the README's config table is rendered from them (config/configDocs.ts,
// `npm run docs:config`).
import { X509Certificate } from "node:crypto";

import { z } from "zod";

import {
  bool,
  commandArgv,
  cpuLimit,
  digestExpectation,
  hasDigest,
  hostname,
  identifier,
  imageRef,
  intBetween,
  isPinnedRef,
  numberBetween,
  numericUserSpec,
  pinnedExpectation,
  port,
  sizeWithUnit,
  urlPath,
  userSpec,
} from "./fields";
import { parseImageRef } from "./imageRef";

/** Memory and CPU limits of `of` (e.g. "each API replica"); `memoryNote` adds a rule to the memory key's meaning. */
const limits = (memoryMb: number, cpus: number, of: string, memoryNote = "") => ({
  memoryMb: intBetween(32, 262144).default(memoryMb).describe(`memory limit of ${of}, in MB${memoryNote}`),
  cpus: cpuLimit(0.05, 64).default(cpus).describe(`CPU limit of ${of} (Docker's \`--cpus\`)`),
});

/**
 * Marks an optional key whose default the program computes elsewhere (its description
 * says how), so the config table shows "see meaning" rather than "no default".
 */
const computedDefault = <T extends z.ZodType>(schema: T): T => schema.meta({ computedDefault: true });

/** Whether `computedDefault` marked this key (a later `.describe()` keeps the mark). */
export const hasComputedDefault = (schema: z.ZodType): boolean => z.globalRegistry.get(schema)?.computedDefault === true;

/**
 * Variables the program sets on every replica, and APP_VERSION (what the image reports
 * as its version, which the gates check: a stack file must not fake it); `api.env` may
 * not set them.
 */
export const RESERVED_ENV = [
  "APP_VERSION",
  "DATABASE_URL",
  "DATABASE_URL_FILE",
  "REDIS_URL",
  "REDIS_URL_FILE",
  "SECRET_KEY",
  "SECRET_KEY_FILE",
  "PORT",
  "TASKFLOW_VERSION",
  "TASKFLOW_ENV",
  "GRACEFUL_TIMEOUT",
  "PATH",
  "HOME",
  "LD_PRELOAD",
  "LD_LIBRARY_PATH",
  "PYTHONPATH",
  "PYTHONSTARTUP",
];

const RESERVED_ENV_ERROR = `a name the program does not set itself (reserved: ${RESERVED_ENV.join(", ")})`;

/**
 * What `api.env` may set: the app's own settings (app/taskflow/settings.py,
 * app/gunicorn.conf.py), TZ, and names under TASKFLOW_APP_, the prefix for settings the
 * app adds later. An allow list, not a block list: a variable the runtime reads
 * (LD_AUDIT, PGHOSTADDR: libpq would send the credentials there, PGOPTIONS,
 * PYTHONWARNINGS, GUNICORN_CMD_ARGS, ...) changes what runs, and new ones keep appearing.
 */
export const APP_SETTINGS = ["CORS_ORIGINS", "LOG_LEVEL", "TZ", "WEB_CONCURRENCY"];
export const APP_SETTING_PREFIX = "TASKFLOW_APP_";
const isAppSetting = (k: string) => APP_SETTINGS.includes(k) || (k.startsWith(APP_SETTING_PREFIX) && k.length > APP_SETTING_PREFIX.length);
const APP_SETTING_ERROR = `one of the app's own settings: ${APP_SETTINGS.join(", ")} or ${APP_SETTING_PREFIX}<NAME> (variables the runtime reads, such as LD_*, PG*, PYTHON* or GUNICORN_CMD_ARGS, are refused)`;

// What the status endpoint reports and the gates compare: one line, no shell or path characters.
const VERSION_ERROR = "a version such as v1.2.3 or a commit SHA: letters, digits, '.', '_', '+' and '-', one line, at most 128 characters";

// Where clients reach the gateway, which the health gate requests: http(s) only, one line.
const PUBLIC_URL_ERROR = "an http(s) URL where clients reach the gateway";
/** An https ACME directory: host, port (1-65535) and path only, so nothing in it is Caddyfile syntax (space, braces, quotes). */
const ACME_CA_URL =
  /^https:\/\/[A-Za-z0-9.-]+(:(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[1-9][0-9]{0,3}))?(\/[A-Za-z0-9._~%/-]*)?$/;
const ACME_CA_ERROR = "an https URL of an ACME directory (host, port and path only), e.g. https://ca.internal/acme/acme/directory";
/** One PEM certificate: base64 lines between its markers, nothing else. */
const PEM_CERTIFICATE = /^-----BEGIN CERTIFICATE-----\n(?:[A-Za-z0-9+/=]{1,76}\n)+-----END CERTIFICATE-----\n?$/;
const ACME_CA_ROOT_ERROR =
  "one PEM certificate of a CA (-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE-----, basicConstraints CA:TRUE), at most 16 KiB";
/**
 * Parses as an X.509 CA certificate: Caddy refuses anything else at start (caddytls
 * acmeissuer.go, "unable to add ... to trust pool"), so the update would fail only at the
 * new Caddy's health check.
 */
const isCaCertificate = (pem: string): boolean => {
  try {
    return new X509Certificate(pem).ca;
  } catch {
    return false;
  }
};

const apiSchema = z
  .strictObject({
    replicas: intBetween(1, 20).default(2).describe("API replicas, 1–20"),
    port: port().default(8000).describe("the port the API listens on in each replica (its `PORT`)"),
    healthPath: urlPath()
      .default("/health")
      .describe("the API's health endpoint: Docker's HEALTHCHECK, Caddy's checks and the gates request it"),
    statusPath: urlPath()
      .default("/api/v1/status")
      .describe(
        'the status endpoint; it must return JSON `{"version": …}`, which the gates compare with the version being deployed (`api.version`)',
      ),
    version: computedDefault(
      z
        .string({ error: VERSION_ERROR })
        .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$/, { error: VERSION_ERROR })
        .optional(),
    ).describe("the version the status endpoint must report; defaults to the image tag; required for a digest-only image"),
    user: userSpec().default("10001:10001").describe("uid:gid the API runs as; never root"),
    ...limits(512, 1, "each API replica"),
    readOnlyRootFilesystem: bool().default(true).describe("a read-only root filesystem, with a 64 MB tmpfs on /tmp"),
    waitTimeoutSeconds: intBetween(10, 1800).default(120).describe("how long a new replica may take to become healthy"),
    destroyGraceSeconds: intBetween(0, 600).default(30).describe("SIGTERM, then this long to drain before SIGKILL"),
    migrationCommand: commandArgv()
      .default(["alembic", "upgrade", "head"])
      .describe("run once in the new image before any new replica starts"),
    healthcheck: z
      .strictObject({
        intervalSeconds: intBetween(1, 300).default(5).describe("the Docker HEALTHCHECK's interval (on the same path as Caddy's checks)"),
        timeoutSeconds: intBetween(1, 60).default(3).describe("the Docker HEALTHCHECK's timeout for one check"),
        retries: intBetween(1, 10).default(3).describe("failed Docker HEALTHCHECKs in a row before a replica is unhealthy"),
        startPeriodSeconds: intBetween(0, 600)
          .default(10)
          .describe("the Docker HEALTHCHECK's start period, in which failures do not count"),
      })
      .prefault({}),
    env: z
      .record(
        z
          .string()
          .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, { error: "environment variable names: A-Z, 0-9 and _" })
          .superRefine((k, ctx) => {
            if (RESERVED_ENV.includes(k)) ctx.addIssue({ code: "custom", message: RESERVED_ENV_ERROR });
            else if (!isAppSetting(k)) ctx.addIssue({ code: "custom", message: APP_SETTING_ERROR });
          }),
        z
          .string({ error: "a string value" })
          .max(4096, { error: "a value of at most 4096 characters" })
          // eslint-disable-next-line no-control-regex -- refusing control characters is the point
          .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: "a single-line value without control characters" }),
        { error: "a map of NAME: value" },
      )
      .default({})
      .describe(
        "extra plain environment variables, `NAME: value` (never secrets): the app's own settings only, `CORS_ORIGINS`, `LOG_LEVEL`, `TZ`, `WEB_CONCURRENCY` or `TASKFLOW_APP_<NAME>`; anything else (`LD_*`, `PG*`, `PYTHON*`, `GUNICORN_CMD_ARGS`, ...) is refused",
      ),
  })
  .prefault({});

const gatewaySchema = z.strictObject({
  image: imageRef().describe("a Caddy 2 image with the `components/gateway/image` scripts, `wget`, `curl` and a uid 1000 user"),
  hostPort: port().default(8080).describe("the one published HTTP port (held by the edge: a change replaces it stop-first)"),
  bindAddress: z
    .ipv4({ error: "an IPv4 address to publish on, e.g. 0.0.0.0 or 127.0.0.1" })
    .default("0.0.0.0")
    .describe("the host address the published ports bind to (`127.0.0.1`: this host only)"),
  listenPort: intBetween(1025, 65535).default(8080).describe("Caddy's HTTP port in the container: above 1024 so it runs without root"),
  user: numericUserSpec().default("1000:1000").describe("uid:gid Caddy runs as; never root"),
  ...limits(256, 0.5, "the gateway"),
  lbTryDurationSeconds: intBetween(1, 60).default(5).describe("how long Caddy retries a request on another replica (`lb_try_duration`)"),
  healthIntervalSeconds: intBetween(1, 60).default(2).describe("interval of the gateway's replica health checks (sent with each cutover)"),
  gracePeriodSeconds: intBetween(0, 300).default(10).describe("Caddy's grace for requests in flight when it stops"),
  // The replaced Caddy's drain is components/gateway/image/gateway-proxy-init.
  drainSeconds: intBetween(1, 60)
    .default(3)
    .describe(
      "how long a Caddy that a configuration change replaces answers `Connection: close` before it stops: long enough for every busy keep-alive client to send one more request",
    ),
  publicUrl: computedDefault(
    z
      .url({ protocol: /^https?$/, error: PUBLIC_URL_ERROR })
      // eslint-disable-next-line no-control-regex -- refusing control characters is the point
      .refine((u) => !/[\s\u0000-\u001f\u007f]/.test(u), { error: PUBLIC_URL_ERROR })
      .optional(),
  ).describe(
    "where the health gate reaches the gateway; defaults to `https://<domain>` (plus `:<httpsHostPort>` unless 443) with a domain, " +
      "else `http://127.0.0.1:<hostPort>`; required for a remote `docker.host` without a domain",
  ),
  domain: hostname()
    .optional()
    .describe(
      "serve this host name over HTTPS (Caddy's automatic HTTPS, certificates on a volume); without it, plain HTTP; **required in production**",
    ),
  tls: z
    .enum(["acme", "internal"], { error: "acme (a public CA) or internal (Caddy's own CA)" })
    .default("acme")
    .describe(
      "`acme`: a public CA such as Let's Encrypt or ZeroSSL (ports 80/443 must reach the host); `internal`: Caddy's own CA (rehearsals, closed networks; refused in production)",
    ),
  acmeEmail: z
    .email({ error: "an e-mail address for the CA's expiry notices" })
    .optional()
    .describe("an e-mail address for the CA's expiry notices"),
  acmeCa: z
    .string()
    .regex(ACME_CA_URL, { error: ACME_CA_ERROR })
    .optional()
    .describe(
      "the ACME directory Caddy asks for certificates (Caddy's `acme_ca`), when not Let's Encrypt's: a company CA (step-ca, Vault) or a CA's staging directory; with `tls: acme` only",
    ),
  acmeCaRoot: z
    .string()
    .max(16384, { error: ACME_CA_ROOT_ERROR })
    .regex(PEM_CERTIFICATE, { error: ACME_CA_ROOT_ERROR })
    .refine(isCaCertificate, { error: ACME_CA_ROOT_ERROR })
    .optional()
    .describe(
      "the PEM root certificate of `gateway.acmeCa` when no public root signs it: Caddy trusts it for the directory (`acme_ca_root`), and the health gate for the certificate it issues",
    ),
  httpsHostPort: port().default(443).describe("the published HTTPS port (not `gateway.hostPort`)"),
  httpsListenPort: intBetween(1025, 65535).default(8443).describe("Caddy's HTTPS port in the container (not `gateway.listenPort`)"),
  hsts: computedDefault(bool().optional()).describe(
    "`Strict-Transport-Security: max-age=31536000` on HTTPS responses; defaults to on in production only",
  ),
  hstsIncludeSubdomains: bool()
    .default(false)
    .describe(
      "add `includeSubDomains` to HSTS; opt-in, because browsers then refuse plain HTTP on every subdomain (staging or previews under the production domain)",
    ),
});

const postgresSchema = z.strictObject({
  image: imageRef().describe("a Postgres image honoring the official image's env contract"),
  database: identifier().default("taskflow").describe("the database the API uses"),
  user: identifier()
    .refine((u) => u.length <= 57, { error: "at most 57 characters (the roles <user>_owner and <user>_app must fit Postgres's 63)" })
    .default("taskflow")
    .describe(
      "the database's admin (a superuser, used only inside the container: backups, restores, roles); migrations connect as `<user>_owner` (owns the schema), the API as `<user>_app` (rows only)",
    ),
  passwordLength: intBetween(16, 128).default(32).describe("length of the generated Postgres password"),
  runAs: numericUserSpec().default("999:999").describe("uid:gid the server runs as; 999 is the postgres user of the official image"),
  ...limits(1024, 1, "the Postgres container"),
});

const redisSchema = z.strictObject({
  image: imageRef().describe("the Redis image"),
  maxmemoryMb: intBetween(16, 131072).default(256).describe("Redis's `maxmemory`, in MB (`redis.memoryMb` must be at least 25% above it)"),
  maxmemoryPolicy: z
    .enum(
      ["noeviction", "allkeys-lru", "allkeys-lfu", "volatile-lru", "volatile-lfu", "allkeys-random", "volatile-random", "volatile-ttl"],
      {
        error: "a Redis maxmemory-policy such as allkeys-lru or noeviction",
      },
    )
    .default("allkeys-lru")
    .describe("Redis's `maxmemory-policy`: what it evicts at `maxmemoryMb`"),
  appendonly: bool().default(true).describe("Redis's append-only file (writes survive a restart)"),
  passwordLength: intBetween(16, 128).default(32).describe("length of the generated Redis password"),
  runAs: numericUserSpec().default("999:999").describe("uid:gid the server runs as; 999 is the redis user of the official image"),
  ...limits(
    384,
    0.5,
    "the Redis container",
    ": at least 25% above `redis.maxmemoryMb` (Redis's own overhead), or the kernel kills Redis before it evicts",
  ),
});

const healthGateSchema = z
  .strictObject({
    attempts: intBetween(1, 50).default(3).describe("K: the gate passes after K passing rounds in a row"),
    intervalSeconds: intBetween(1, 60).default(2).describe("the pause between the gate's rounds"),
    timeoutSeconds: intBetween(5, 1800)
      .default(120)
      .describe("the K rounds must pass within this (at least `attempts` × `intervalSeconds`)"),
  })
  .prefault({});

// The canary step of a rollout (container runtime): components/gates/canaryGate.ts.
const canarySchema = z
  .strictObject({
    enabled: computedDefault(bool().optional()).describe(
      "serve a few new replicas beside the old ones and compare what the gateway sees of both before the cutover; defaults to on in staging and production, off in dev and previews (container runtime only: swarm replaces its own tasks)",
    ),
    replicas: intBetween(1, 20)
      .default(1)
      .describe("how many new replicas serve beside the old ones (at most `api.replicas`): their share of traffic is this over old + this"),
    windowSeconds: intBetween(5, 600)
      .default(30)
      .describe("how long the canary serves before its verdict (each rollout takes this much longer)"),
    minRequests: intBetween(1, 1_000_000)
      .default(100)
      .describe("fewer requests to the new replicas in the window are not judged (an idle stack passes, and the update says so)"),
    maxErrorIncrease: numberBetween(0, 1)
      .default(0.02)
      .describe(
        "the new replicas' share of 5xx (or no answer) may exceed the old ones' by at most this (0.02 = 2 points); checked every second",
      ),
    maxLatencyRatio: numberBetween(1, 100)
      .default(2)
      .describe("the new replicas' p99 may be at most this many times the old ones' (with `latencySlackMs`)"),
    latencySlackMs: intBetween(0, 60_000)
      .default(100)
      .describe("a new p99 within this many ms of the old one always passes, whatever the ratio"),
  })
  .prefault({});

const backupSchema = z
  .strictObject({
    enabled: bool().default(false).describe("a verified `pg_dump` before each image change"),
    keep: intBetween(1, 365).default(14).describe("the newest N backups kept"),
  })
  .prefault({});

const loggingSchema = z
  .strictObject({
    maxSize: sizeWithUnit().default("10m").describe("json-file log rotation for every container: the size of one file"),
    maxFiles: intBetween(1, 20).default(3).describe("json-file log rotation for every container: the files kept"),
  })
  .prefault({});

// tcp:// is refused: the program passes no TLS settings, and a Docker engine on plain
// TCP is root on its host for anyone who can reach the port. ssh:// is the remote way.
export const DOCKER_HOST_ERROR =
  "a Docker host: unix:///path or ssh://user@host[:port] (tcp:// is refused: plain TCP to a Docker engine gives root to anyone on the network)";
// The host starts with a letter or digit: `ssh://u@-oProxyCommand=...` would reach ssh as an option.
const DOCKER_HOST = /^(unix:\/\/\/[A-Za-z0-9._/-]+|ssh:\/\/[a-z_][a-z0-9_-]*@[A-Za-z0-9][A-Za-z0-9.-]*(:(\d{1,5}))?)$/;
export const isDockerHost = (v: string) => {
  const m = DOCKER_HOST.exec(v);
  return m !== null && (m[3] === undefined || (Number(m[3]) >= 1 && Number(m[3]) <= 65535));
};
const dockerHostField = () => z.string({ error: DOCKER_HOST_ERROR }).refine(isDockerHost, { error: DOCKER_HOST_ERROR });
const dockerSchema = z
  .strictObject({
    host: dockerHostField()
      .default("unix:///var/run/docker.sock")
      .describe("Docker host for the provider and every command (`ssh://user@host` works; `tcp://` is refused)"),
  })
  .prefault({});

// The swarm runtime: the API as a swarm service; Postgres and Redis stay single
// containers on the data node (the node docker.host reaches, labeled dataNodeLabel=true).
const swarmSchema = z
  .strictObject({
    dataNodeLabel: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$/, { error: "a node label key such as taskflow.data" })
      .default("taskflow.data")
      .describe("the node label (`=true`) the data node must carry: `docker node update --label-add <label>=true <node>`"),
    updateParallelism: intBetween(1, 20)
      .default(1)
      .describe("tasks replaced at once during an update (start-first: the new one is healthy before the old stops)"),
    updateDelaySeconds: intBetween(0, 600).default(0).describe("the pause between batches of an update"),
    monitorSeconds: intBetween(1, 600)
      .default(15)
      .describe("how long swarm watches each new task before the next; a failure in that window rolls the update back"),
    apiConstraints: z
      .array(z.string().regex(/^[\w.-]+\s*(==|!=)\s*[\w.-]+$/, { error: "constraints such as node.role==worker" }), {
        error: "a list of constraints",
      })
      .default([])
      .describe("extra placement constraints for API tasks, e.g. `node.role==worker`"),
  })
  .prefault({});

// Per-pull-request preview stacks (pr-<n>), derived from the staging config by
// previews/cli.ts; these settings live in the staging stack file.
const STAGING_ONLY = "staging file only";
const previewsSchema = z
  .strictObject({
    maxConcurrent: intBetween(1, 50)
      .default(5)
      .describe(`${STAGING_ONLY}: how many [preview environments](#preview-environments-per-pull-request) may run at once`),
    hostPortBase: intBetween(1025, 64000)
      .default(20000)
      .describe(`${STAGING_ONLY}: preview n publishes \`hostPortBase\` + (n mod \`portSlots\`)`),
    portSlots: intBetween(10, 1000)
      .default(1000)
      .describe(`${STAGING_ONLY}: how many host ports previews take turns on, from \`hostPortBase\``),
    domain: hostname()
      .optional()
      .describe(
        `${STAGING_ONLY}: preview URLs become \`http://pr-<n>.<domain>:<port>\` (a wildcard DNS record to the previews' host); without it, the host of \`previews.dockerHost\``,
      ),
    replicas: intBetween(1, 20).default(1).describe(`${STAGING_ONLY}: API replicas of each preview`),
    // Root on a Docker host reaches every container on it.
    dockerHost: dockerHostField()
      .optional()
      .describe(
        `${STAGING_ONLY}, required for previews: the previews' own Docker host (\`ssh://user@host\`), never staging's: ` +
          "pull-request code runs there with the preview environment's key, which must not reach staging's containers",
      ),
  })
  .prefault({});

// Staging and production run images by digest: a tag can be pushed again (a pull
// request's job once could, to the release package), a digest cannot.
const DIGEST_ENVIRONMENTS: string[] = ["staging", "production"];

export const configSchema = z
  .strictObject({
    environment: z
      .enum(["dev", "preview", "staging", "production"], { error: "one of dev, preview, staging, production" })
      .describe(
        "`dev`, `preview` (the pull-request stacks previews/cli.ts writes), `staging` or `production`. Outside dev every image must be pinned, and production needs digests.",
      ),
    image: imageRef().describe("the API image: `repo:tag`, `repo@sha256:…` or `repo:tag@sha256:…`"),
    runtime: z
      .enum(["container", "swarm"], { error: "container (one Docker host) or swarm (a Docker Swarm service)" })
      .default("container")
      .describe("`container`: N replica containers and a cutover, on one host; `swarm`: the API as a swarm service (many nodes, below)"),
    swarm: swarmSchema,
    docker: dockerSchema,
    api: apiSchema,
    gateway: gatewaySchema,
    postgres: postgresSchema,
    redis: redisSchema,
    healthGate: healthGateSchema,
    canary: canarySchema,
    backup: backupSchema,
    logging: loggingSchema,
    protectData: bool().default(false).describe("protect the Postgres and Redis volumes from deletion (`pulumi destroy` refuses)"),
    previews: previewsSchema,
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
        else if (DIGEST_ENVIRONMENTS.includes(c.environment) && !hasDigest(value))
          ctx.addIssue({ code: "custom", path, message: digestExpectation });
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
    if (c.canary.replicas > c.api.replicas) {
      ctx.addIssue({
        code: "custom",
        path: ["canary", "replicas"],
        message: `at most api.replicas (${c.api.replicas}): the canary is some of the new replicas`,
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
    if (g.domain === undefined)
      ctx.addIssue({
        code: "custom",
        path: ["gateway", "domain"],
        message: "the host name production serves over HTTPS (required in production)",
      });
    if (g.tls === "internal")
      ctx.addIssue({ code: "custom", path: ["gateway", "tls"], message: "acme in production: browsers do not trust Caddy's internal CA" });
  }
  if (g.acmeCa !== undefined && (g.domain === undefined || g.tls !== "acme"))
    ctx.addIssue({
      code: "custom",
      path: ["gateway", "acmeCa"],
      message: "only with gateway.domain and gateway.tls: acme (the CA issues that name's certificate)",
    });
  if (g.acmeCaRoot !== undefined && g.acmeCa === undefined)
    ctx.addIssue({
      code: "custom",
      path: ["gateway", "acmeCaRoot"],
      message: "only with gateway.acmeCa: the public CAs' roots are trusted already",
    });
  if (g.domain === undefined) return;
  if (g.httpsListenPort === g.listenPort) {
    ctx.addIssue({
      code: "custom",
      path: ["gateway", "httpsListenPort"],
      message: `a port other than gateway.listenPort (${g.listenPort}): HTTP and HTTPS listen side by side`,
    });
  }
  if (g.httpsHostPort === g.hostPort) {
    ctx.addIssue({
      code: "custom",
      path: ["gateway", "httpsHostPort"],
      message: `a host port other than gateway.hostPort (${g.hostPort})`,
    });
  }
}
