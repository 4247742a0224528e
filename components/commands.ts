// Every command a component runs, built as an argument list by a small pure function
// so tests assert the exact command and nothing is ever quoted for a shell by hand.
// Secrets never appear here: commands read them from their environment.
import * as pulumi from "@pulumi/pulumi";
import { BIN } from "./bin";
import { HTTP_PROBE_PY } from "./bin/probes";
import { HealthGateOptions, toArgv } from "./bin/healthGateOptions";
import { CADDY_HEALTH_SOCKET } from "./caddyfile";
import { labelArgs } from "./labels";

/**
 * command.local.Command runs `interpreter + [create]`. With this interpreter, `create`
 * is a JSON argument list executed without a shell (components/bin/run-argv.mjs), so the
 * preview diff shows the exact command and no value can be shell-interpreted.
 */
export const RUN_ARGV_INTERPRETER = ["node", BIN.runArgv];

export function argvCommand(argv: pulumi.Input<pulumi.Input<string>[]>) {
  return {
    interpreter: RUN_ARGV_INTERPRETER,
    create: pulumi.output(argv).apply((a) => JSON.stringify(a)),
  };
}

export interface MigrationArgvArgs {
  image: string;
  network: string;
  stack: string;
  user: string;
  memoryMb: number;
  command: string[];
}

/**
 * Runs the new image once, on the internal network, before any new replica starts.
 * DATABASE_URL and REDIS_URL pass through from the command's environment (`-e NAME`
 * without a value), so they are never part of the argument list.
 */
export function migrationArgv(a: MigrationArgvArgs): string[] {
  return [
    "docker", "run", "--rm",
    "--network", a.network,
    ...labelArgs(a.stack, "migration"),
    "--user", a.user,
    "--security-opt", "no-new-privileges:true",
    "--cap-drop", "ALL",
    "--memory", `${a.memoryMb}m`,
    "-e", "DATABASE_URL",
    "-e", "REDIS_URL",
    a.image,
    ...a.command,
  ];
}

/**
 * Writes the API's SECRET_KEY, read from stdin (never argv or environment, which
 * `docker inspect` shows), into the key volume as a 0400 file owned by the API user,
 * atomically. A replica mounts that volume read-only; uploads cannot reach a read-only
 * root filesystem. A leftover `.new` (a write cut short) is removed first: root without
 * CAP_DAC_OVERRIDE cannot open a 0400 file it handed to another uid.
 */
export const SECRET_KEY_WRITE_SCRIPT = [
  "set -eu",
  "umask 077",
  'rm -f "$KEY_FILE.new"',
  'cat > "$KEY_FILE.new"',
  'test -s "$KEY_FILE.new"',
  'chmod 0400 "$KEY_FILE.new"',
  'chown "$API_USER" "$KEY_FILE.new"',
  'mv -f "$KEY_FILE.new" "$KEY_FILE"',
].join("\n");

export interface SecretKeyWriteArgs {
  /** An image with sh, cat, chown and mv (see secretKeyWriterImage). */
  image: string;
  volume: string;
  /** Where the volume is mounted, and the file in it (the replicas' SECRET_KEY_FILE). */
  dir: string;
  file: string;
  stack: string;
  user: string;
}

export function secretKeyWriteArgv(a: SecretKeyWriteArgs): string[] {
  return [
    "docker", "run", "--rm", "-i", "--network", "none",
    ...labelArgs(a.stack, "secret-writer"),
    // Root without any capability but CHOWN: it writes into the (root-owned) new volume
    // and hands the file to the API user; nothing else.
    "--user", "0:0", "--cap-drop", "ALL", "--cap-add", "CHOWN", "--security-opt", "no-new-privileges:true", "--read-only",
    "-v", `${a.volume}:${a.dir}`, "-e", `KEY_FILE=${a.file}`, "-e", `API_USER=${a.user}`,
    "--entrypoint", "sh", a.image, "-c", SECRET_KEY_WRITE_SCRIPT,
  ];
}

/**
 * The image the key writer runs in. A numeric API user needs no name lookup, so any
 * image with a shell serves, and one that a release does not change (the Postgres
 * image) keeps the writer's command the same across releases: pulumi-command re-runs
 * `create` whenever it changes, so with the API image it rewrote the key on every
 * release. A user *name* resolves only inside the API image, and may map to another
 * uid in the next one: then the writer must run, and does, with each new image.
 */
export function secretKeyWriterImage(apiUser: string, apiImage: pulumi.Input<string>, stableImage: string): pulumi.Input<string> {
  return /^\d+(:\d+)?$/.test(apiUser) ? stableImage : apiImage;
}

/** `node replica-watch.mjs`: watches the replicas a new image creates (components/bin/replica-watch.mjs). */
export function replicaWatchArgv(a: { stack: string; image: string; count: number; timeoutSeconds: number }): string[] {
  return ["node", BIN.replicaWatch, "--stack", a.stack, "--image", a.image, "--count", String(a.count), "--timeout", String(a.timeoutSeconds)];
}

/** A command's `update` that does nothing: for commands whose `create` must run only on a replacement. */
export const NOTHING_ARGV = ["node", "-e", "0"];

/** How the gateway's watcher probes the upstreams: the API's port and health path, and how often. */
export interface UpstreamProbe { port: number; healthPath: string; intervalSeconds: number }

/**
 * Makes `targets` (replica container names, or tasks.<service>) the gateway's upstream
 * set, without a Caddy reload (images/caddy/gateway-upstreams), and how to probe them
 * from now on. Exits non-zero, and changes nothing, unless every target answers its
 * health check. The probe settings travel with the cutover, not in the edge's
 * environment: changing them re-runs the cutover and never replaces the edge.
 */
export function cutoverArgv(gatewayContainer: string, targets: string[], probe: UpstreamProbe): string[] {
  return ["docker", "exec", gatewayContainer, "gateway-upstreams", "set",
    "--port", String(probe.port), "--health-path", probe.healthPath, "--interval", String(probe.intervalSeconds), ...targets];
}

export type { HealthGateOptions, ServiceProbe } from "./bin/healthGateOptions";

/** `node health-gate.mjs <options>`: the argv is written by the contract the script parses with. */
export function healthGateArgv(a: HealthGateOptions): string[] {
  return ["node", BIN.healthGate, ...toArgv(a)];
}

// Runs inside the Postgres container: a custom-format dump named by UTC time, written
// private (umask 077) under a temporary name, verified by reading every block back
// (pg_restore to /dev/null; `--list` reads only the table of contents and passes a
// truncated dump), and only then renamed, so a crash or a full disk never leaves a
// `.dump` that counts toward KEEP. Local socket auth inside the container: no password.
export const BACKUP_SCRIPT = [
  "set -eu",
  "umask 077",
  'mkdir -p "$BACKUP_DIR"',
  'chmod 700 "$BACKUP_DIR"',
  'rm -f "$BACKUP_DIR"/*.dump.partial',
  'f="$BACKUP_DIR/${POSTGRES_DB}-$(date -u +%Y%m%dT%H%M%SZ).dump"',
  'trap \'rm -f "$f.partial"\' EXIT',
  'pg_dump -U "$POSTGRES_USER" -d "$POSTGRES_DB" --format=custom --file="$f.partial"',
  'pg_restore --file=/dev/null "$f.partial"',
  'mv "$f.partial" "$f"',
  'ls -1t "$BACKUP_DIR"/*.dump | tail -n +"$((KEEP + 1))" | xargs -r rm --',
  'echo "backup: $f"',
].join("\n");

export function backupArgv(postgresContainer: string, backupDir: string, keep: number): string[] {
  return ["docker", "exec", "-e", `BACKUP_DIR=${backupDir}`, "-e", `KEEP=${keep}`, postgresContainer, "sh", "-c", BACKUP_SCRIPT];
}

/** The API's Docker HEALTHCHECK: the probe shared with the health gate (components/bin/probes.js). */
export function apiHealthcheckTest(port: number, healthPath: string): string[] {
  return ["CMD", "python3", "-c", HTTP_PROBE_PY, `http://127.0.0.1:${port}${healthPath}`];
}

export function postgresHealthcheckTest(user: string, database: string): string[] {
  return ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", user, "-d", database];
}

// The password is read from the uploaded file at check time: it is never in the test itself.
export const REDIS_HEALTHCHECK_TEST = [
  "CMD-SHELL",
  'REDISCLI_AUTH="$(cat /run/secrets/redis-password)" redis-cli -h 127.0.0.1 ping | grep -q PONG',
];

/** A Caddy answers on its own unix socket (components/caddyfile.ts privateHealth), not on the shared port. */
export const CADDY_HEALTHCHECK_TEST = ["CMD", "curl", "-fsS", "-o", "/dev/null", "--max-time", "2", "--unix-socket", CADDY_HEALTH_SOCKET, "http://gateway/__gateway/health"];

/** The edge is healthy while its dnsmasq and upstream watcher run (images/caddy/gateway-edge-init). */
export const GATEWAY_EDGE_HEALTHCHECK_TEST = ["CMD-SHELL", 'kill -0 "$(cat /run/gateway/dnsmasq.pid)" && kill -0 "$(cat /run/gateway/watch.pid)"'];
