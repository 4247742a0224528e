// What the data stores' containers and the pre-rollout backup run, as argument lists.
import * as fs from "node:fs";
import * as path from "node:path";

import { IDENTIFIER } from "../../config/fields";
import { SECRETS_DIR } from "../shared";

/** The admin password file on Redis's secrets volume (redis.ts); the health check reads it at check time. */
export const REDIS_PASSWORD_FILE_NAME = "redis-password";
export const REDIS_PASSWORD_FILE = `${SECRETS_DIR}/${REDIS_PASSWORD_FILE_NAME}`;

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

/** The database roles besides the admin (POSTGRES_USER, local socket only): who migrates and who serves. */
export interface DatabaseRoles {
  /** Owns the schema and its tables: the migrations connect as it. No superuser, no CREATEDB/CREATEROLE. */
  owner: string;
  /** The API: reads and writes rows, nothing else (no DDL, no COPY TO PROGRAM, no superuser). */
  app: string;
}

export function databaseRoles(adminUser: string): DatabaseRoles {
  return { owner: `${adminUser}_owner`, app: `${adminUser}_app` };
}

const PASSWORD = /^[A-Za-z0-9]+$/;

/**
 * SQL, run by the admin over the container's local socket, that makes the two roles or
 * brings them up to date: idempotent, so it runs again whenever a password or the
 * container changes. Tables made before the roles existed (migrations ran as the admin
 * until now) become the owner's; the app gets row rights on them and, through default
 * privileges, on every table the owner's migrations make later. Read by psql from stdin:
 * the passwords never reach an argument list.
 */
export function databaseRolesSql(a: { database: string; roles: DatabaseRoles; ownerPassword: string; appPassword: string }): string {
  const { owner, app } = a.roles;
  for (const id of [a.database, owner, app]) if (!IDENTIFIER.test(id)) throw new Error(`databaseRolesSql: not an identifier: ${id}`);
  for (const pw of [a.ownerPassword, a.appPassword])
    if (!PASSWORD.test(pw)) throw new Error("databaseRolesSql: a password must be letters and digits");
  const attributes = "LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS";
  return [
    // Run as the superuser: resolve every name in pg_catalog first, whatever defaults a
    // role or the database set (a function planted earlier in a schema on an altered
    // search_path would otherwise run here with the superuser's rights).
    "SET search_path = pg_catalog, pg_temp;",
    "DO $$ BEGIN",
    `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${owner}') THEN CREATE ROLE "${owner}"; END IF;`,
    `  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${app}') THEN CREATE ROLE "${app}"; END IF;`,
    "END $$;",
    `ALTER ROLE "${owner}" WITH ${attributes} PASSWORD '${a.ownerPassword}';`,
    `ALTER ROLE "${app}" WITH ${attributes} PASSWORD '${a.appPassword}';`,
    // The database (and with it schema public, owned by pg_database_owner) stays the
    // admin's: a database owner could ALTER DATABASE ... SET search_path or timeouts for
    // every session, this one included. The owner role gets CREATE on public only.
    `ALTER DATABASE "${a.database}" OWNER TO CURRENT_USER;`,
    // Session defaults nobody but this program sets: drop any a role planted.
    `ALTER DATABASE "${a.database}" RESET ALL;`,
    `ALTER ROLE "${owner}" RESET ALL;`,
    `ALTER ROLE "${app}" RESET ALL;`,
    `REVOKE ALL ON DATABASE "${a.database}" FROM PUBLIC;`,
    `GRANT CONNECT ON DATABASE "${a.database}" TO "${owner}", "${app}";`,
    // The cluster's other databases are the admin's alone: the roles reach only theirs.
    "REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC;",
    "REVOKE CREATE ON SCHEMA public FROM PUBLIC;",
    `GRANT USAGE, CREATE ON SCHEMA public TO "${owner}";`,
    `GRANT USAGE ON SCHEMA public TO "${app}";`,
    // Sequences a column owns follow their table.
    "DO $$ DECLARE r record; BEGIN",
    "  FOR r IN SELECT c.oid::regclass AS rel FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace",
    `    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S') AND pg_catalog.pg_get_userbyid(c.relowner) <> '${owner}'`,
    "      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i'))",
    "  LOOP",
    `    EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO %I', r.rel, '${owner}');`,
    "  END LOOP;",
    "END $$;",
    `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${app}";`,
    `GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${app}";`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE "${owner}" IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO "${app}";`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE "${owner}" IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO "${app}";`,
    "",
  ].join("\n");
}

/** psql as the admin over the container's local socket, the SQL on stdin, stopping at the first error. */
export function databaseRolesArgv(postgresContainer: string, adminUser: string, database: string): string[] {
  // prettier-ignore
  return ["docker", "exec", "-i", postgresContainer, "psql", "-v", "ON_ERROR_STOP=1", "-q", "-U", adminUser, "-d", database];
}
