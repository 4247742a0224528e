import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import {
  generatedPassword,
  hardening,
  hostCommand,
  labels,
  limits,
  logOptions,
  readOnlyRoot,
  seconds,
  secretFilesWriter,
  SECRETS_DIR,
} from "../shared";
import { databaseRoles, databaseRolesArgv, databaseRolesSql, postgresHealthcheckTest } from "./commands";
import { dataVolume } from "./dataVolume";

export interface PostgresArgs {
  stack: string;
  settings: TaskflowConfig["postgres"];
  logging: TaskflowConfig["logging"];
  internalNetwork: pulumi.Input<string>;
  /** Keep the data volume from being deleted (production). */
  protectData: boolean;
  /** Where the roles command runs its psql (`docker exec`). */
  dockerHost: string;
}

/** Network alias the API uses; scoped to the stack's own internal network. */
export const POSTGRES_HOST = "postgres";
/** On the secrets volume, written by the secrets writer (shared/secretFilesWriter.ts). */
const PASSWORD_FILE_NAME = "postgres-password";
const PASSWORD_FILE = `${SECRETS_DIR}/${PASSWORD_FILE_NAME}`;
const DATA_DIR = "/var/lib/postgresql/data";
const PGDATA = `${DATA_DIR}/pgdata`;
/** The Backup's dumps: a volume of their own, never the data volume (postgres-image/ creates it 0700). */
export const BACKUP_DIR = "/var/lib/postgresql/backups";

export class Postgres extends pulumi.ComponentResource {
  public readonly password: pulumi.Output<string>;
  public readonly container: docker.Container;
  public readonly volume: docker.Volume;
  public readonly backupVolume: docker.Volume;
  /** The admin password file the server reads at its first start (POSTGRES_PASSWORD_FILE). */
  public readonly secretsVolume: docker.Volume;
  /** Writes the password file onto secretsVolume before the server starts. */
  public readonly secretsWrite: command.local.Command;
  public readonly host: pulumi.Output<string>;
  /** Makes the owner and app roles (databaseRolesSql): what the migration needs first. */
  public readonly roles: command.local.Command;
  /** The API's connection: the app role, rows only. */
  public readonly databaseUrl: pulumi.Output<string>;
  /** The migrations' connection: the owner role, which owns the schema (no superuser). */
  public readonly ownerUrl: pulumi.Output<string>;

  constructor(name: string, args: PostgresArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Postgres", name, {}, opts);
    const s = args.settings;
    this.password = generatedPassword(`${name}-password`, s.passwordLength, this);
    this.volume = dataVolume(`${name}-volume`, args.stack, "postgres-data", args.protectData, this);
    this.backupVolume = dataVolume(`${name}-backups`, args.stack, "postgres-backups", args.protectData, this);
    // Not a data volume: nothing on it outlives the stack, and a new server writes it again.
    this.secretsVolume = new docker.Volume(`${name}-secrets`, { labels: labels(args.stack, "postgres-secrets") }, { parent: this });
    // The server reads the file only when it makes a new cluster (the image's entrypoint),
    // so a new password needs no new server: the writer just writes it again.
    this.secretsWrite = secretFilesWriter(
      `${name}-secrets-write`,
      {
        stack: args.stack,
        role: "postgres-secret-writer",
        image: s.image,
        volume: this.secretsVolume.name,
        owner: s.runAs,
        dockerHost: args.dockerHost,
        files: { [PASSWORD_FILE_NAME]: this.password },
      },
      { parent: this, dependsOn: [this.secretsVolume] },
    );

    this.container = new docker.Container(
      `${name}-container`,
      {
        image: s.image,
        user: s.runAs,
        envs: [`POSTGRES_USER=${s.user}`, `POSTGRES_DB=${s.database}`, `POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`, `PGDATA=${PGDATA}`],
        // Each volume's root is owned by the postgres uid (copied from the image): the
        // cluster (PGDATA) on one, the Backup's dumps on another, so losing or filling the
        // data volume does not take the dumps with it.
        volumes: [
          { volumeName: this.volume.name, containerPath: DATA_DIR },
          { volumeName: this.backupVolume.name, containerPath: BACKUP_DIR },
          { volumeName: this.secretsVolume.name, containerPath: SECRETS_DIR, readOnly: true },
        ],
        // The server writes only its volumes, its socket and lock file (/run/postgresql)
        // and temp files.
        ...readOnlyRoot(s.runAs, { "/run/postgresql": 1, "/tmp": 64 }),
        networksAdvanced: [{ name: args.internalNetwork, aliases: [POSTGRES_HOST] }],
        healthcheck: {
          tests: postgresHealthcheckTest(s.user, s.database),
          interval: seconds(2),
          timeout: seconds(3),
          retries: 5,
          startPeriod: seconds(20),
        },
        wait: true,
        waitTimeout: 120,
        // SIGINT is Postgres's fast shutdown (the image's STOPSIGNAL): it ends client
        // sessions, checkpoints and exits in about a second. SIGTERM is smart shutdown,
        // which waits for every client to leave; the API's pooled connections never do,
        // so Docker's SIGKILL came after 60 s and the next start ran crash recovery.
        stopSignal: "SIGINT",
        stopTimeout: 60,
        destroyGraceSeconds: 60,
        labels: labels(args.stack, "postgres"),
        ...limits(s),
        // Runs as its own uid from the start (no root entrypoint), so it needs no capability.
        ...hardening(),
        ...logOptions(args.logging),
      },
      {
        parent: this,
        // Two servers on one data directory corrupt it: stop the old before starting the new.
        deleteBeforeReplace: true,
        // The provider cannot change these on a running container (the API's list, api.ts).
        replaceOnChanges: ["readOnly", "tmpfs"],
        dependsOn: [this.volume, this.backupVolume, this.secretsWrite],
      },
    );

    // The admin (POSTGRES_USER, a superuser) never leaves the container: backups and
    // this command use it over the local socket. The API and its migrations get roles
    // that cannot run a program on the server (COPY ... TO PROGRAM) or change others.
    const roles = databaseRoles(s.user);
    const ownerPassword = generatedPassword(`${name}-owner-password`, s.passwordLength, this);
    const appPassword = generatedPassword(`${name}-app-password`, s.passwordLength, this);
    this.roles = hostCommand(
      `${name}-roles`,
      {
        argv: this.container.name.apply((c) => databaseRolesArgv(c, s.user, s.database)),
        dockerHost: args.dockerHost,
        stdin: pulumi.secret(
          pulumi
            .all([ownerPassword, appPassword])
            .apply(([o, a]) => databaseRolesSql({ database: s.database, roles, ownerPassword: o, appPassword: a })),
        ),
        // New passwords, or a new data volume (an empty cluster), make the roles again. A
        // new server on the same volume keeps them; its new name changes `create`, which
        // pulumi-command runs again as an update (the SQL is idempotent). Not the
        // container's id: a trigger on a delete-before-replace resource makes the engine
        // delete this command first as a dependent (recorded real plan
        // conformance/fixtures/09-data-store-setting.json, before this change).
        triggers: [this.volume.name, ownerPassword, appPassword],
      },
      { parent: this, dependsOn: [this.container] },
    );

    this.host = pulumi.output(POSTGRES_HOST);
    const url = (role: string, password: pulumi.Output<string>) =>
      pulumi.secret(pulumi.interpolate`postgresql://${role}:${password}@${POSTGRES_HOST}:5432/${s.database}`);
    this.databaseUrl = url(roles.app, appPassword);
    this.ownerUrl = url(roles.owner, ownerPassword);
    this.registerOutputs({
      password: this.password,
      container: this.container,
      volume: this.volume,
      backupVolume: this.backupVolume,
      secretsVolume: this.secretsVolume,
      secretsWrite: this.secretsWrite,
      host: this.host,
      roles: this.roles,
      databaseUrl: this.databaseUrl,
      ownerUrl: this.ownerUrl,
    });
  }
}
