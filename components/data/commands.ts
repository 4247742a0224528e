// What the data stores' containers and the pre-rollout backup run, as argument lists.
import * as fs from "node:fs";
import * as path from "node:path";

/** Where Redis finds its password (uploaded 0400); the health check reads it at check time. */
export const REDIS_PASSWORD_FILE = "/run/secrets/redis-password";

/** The one backup procedure (backup.sh), shared with scripts/backup.sh, without its comments. */
export const BACKUP_SCRIPT_FILE = path.join(__dirname, "backup.sh");
export const BACKUP_SCRIPT = fs
  .readFileSync(BACKUP_SCRIPT_FILE, "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "" && !/^\s*#/.test(line))
  .join("\n");

/** The pre-rollout backup: backup.sh inside the Postgres container, into its backup volume. */
export function backupArgv(postgresContainer: string, backupDir: string, keep: number): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return ["docker", "exec", "-e", `BACKUP_DIR=${backupDir}`, "-e", `KEEP=${keep}`, postgresContainer, "sh", "-c", BACKUP_SCRIPT];
}

export function postgresHealthcheckTest(user: string, database: string): string[] {
  // Flags and their values stay together, as written.
  // prettier-ignore
  return ["CMD", "pg_isready", "-h", "127.0.0.1", "-U", user, "-d", database];
}

// The password is read from the uploaded file at check time: it is never in the test itself.
// prettier-ignore
export const REDIS_HEALTHCHECK_TEST = [
  "CMD-SHELL",
  `REDISCLI_AUTH="$(cat ${REDIS_PASSWORD_FILE})" redis-cli -h 127.0.0.1 ping | grep -q PONG`,
];
