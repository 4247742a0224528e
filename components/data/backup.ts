import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

import { hostCommand } from "../shared";
import { backupArgv } from "./commands";
import { BACKUP_DIR } from "./postgres";

export interface BackupArgs {
  postgresContainer: pulumi.Input<string>;
  /** The configured API image: a new one means a rollout, and a dump first. */
  image: string;
  keep: number;
  dockerHost: string;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Takes a timestamped, verified pg_dump before each rollout (production): backup.sh, in the Postgres container. */
export class Backup extends pulumi.ComponentResource {
  public readonly command: command.local.Command;

  constructor(name: string, args: BackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Backup", name, {}, opts);
    this.command = hostCommand(
      `${name}-dump`,
      {
        argv: pulumi.output(args.postgresContainer).apply((c) => backupArgv(c, BACKUP_DIR, args.keep)),
        dockerHost: args.dockerHost,
        triggers: [args.image],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ command: this.command });
  }
}
