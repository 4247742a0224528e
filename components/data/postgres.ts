import * as command from "@pulumi/command";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { generatedPassword, hardening, hostCommand, labels, limits, logOptions, seconds, uidOf } from "../shared";
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
const PASSWORD_FILE = "/run/secrets/postgres-password";
const DATA_DIR = "/var/lib/postgresql/data";
const PGDATA = `${DATA_DIR}/pgdata`;
/** The Backup's dumps: a volume of their own, never the data volume (postgres-image/ creates it 0700). */
export const BACKUP_DIR = "/var/lib/postgresql/backups";

export class Postgres extends pulumi.ComponentResource {
  public readonly password: pulumi.Output<string>;
  public readonly container: docker.Container;
  public readonly volume: docker.Volume;
  public readonly backupVolume: docker.Volume;
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

    this.container = new docker.Container(
      `${name}-container`,
      {
        image: s.image,
        user: s.runAs,
        envs: [`POSTGRES_USER=${s.user}`, `POSTGRES_DB=${s.database}`, `POSTGRES_PASSWORD_FILE=${PASSWORD_FILE}`, `PGDATA=${PGDATA}`],
        uploads: [{ file: PASSWORD_FILE, content: this.password, owner: uidOf(s.runAs), permissions: "0400" }],
        // Each volume's root is owned by the postgres uid (copied from the image): the
        // cluster (PGDATA) on one, the Backup's dumps on another, so losing or filling the
        // data volume does not take the dumps with it.
        volumes: [
          { volumeName: this.volume.name, containerPath: DATA_DIR },
          { volumeName: this.backupVolume.name, containerPath: BACKUP_DIR },
        ],
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
        dependsOn: [this.volume, this.backupVolume],
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
      host: this.host,
      roles: this.roles,
      databaseUrl: this.databaseUrl,
      ownerUrl: this.ownerUrl,
    });
  }
}
