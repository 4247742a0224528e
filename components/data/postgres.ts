import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { generatedPassword, hardening, labels, limits, logOptions, seconds, uidOf } from "../shared";
import { postgresHealthcheckTest } from "./commands";
import { dataVolume } from "./dataVolume";

export interface PostgresArgs {
  stack: string;
  settings: TaskflowConfig["postgres"];
  logging: TaskflowConfig["logging"];
  internalNetwork: pulumi.Input<string>;
  /** Keep the data volume from being deleted (production). */
  protectData: boolean;
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
  public readonly databaseUrl: pulumi.Output<string>;

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

    this.host = pulumi.output(POSTGRES_HOST);
    this.databaseUrl = pulumi.secret(pulumi.interpolate`postgresql://${s.user}:${this.password}@${POSTGRES_HOST}:5432/${s.database}`);
    this.registerOutputs({
      password: this.password,
      container: this.container,
      volume: this.volume,
      backupVolume: this.backupVolume,
      host: this.host,
      databaseUrl: this.databaseUrl,
    });
  }
}
