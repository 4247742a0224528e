import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { TaskflowConfig } from "./config";
import { argvCommand, healthGateArgv } from "./commands";

export interface HealthGateArgs {
  /** Without it, only the replicas are checked: the gate that runs before the cutover. */
  gatewayUrl?: pulumi.Input<string>;
  /** With `tls internal`: the gateway container whose CA root the gate trusts. */
  gatewayCaFrom?: pulumi.Input<string>;
  expectedVersion: string;
  replicaNames: pulumi.Input<string[]>;
  api: TaskflowConfig["api"];
  gate: TaskflowConfig["healthGate"];
  dockerHost: string;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Fails the update unless every new replica (and the gateway, when given) answers the
 * health path with 200 and reports the expected version, `attempts` rounds in a row.
 */
export class HealthGate extends pulumi.ComponentResource {
  public readonly command: command.local.Command;

  constructor(name: string, args: HealthGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:HealthGate", name, {}, opts);
    const argv = pulumi.all([args.gatewayUrl, args.gatewayCaFrom, args.replicaNames]).apply(([gatewayUrl, gatewayCaFrom, replicas]) => healthGateArgv({
      gatewayUrl, gatewayCaFrom, replicas, expectedVersion: args.expectedVersion,
      port: args.api.port, healthPath: args.api.healthPath, statusPath: args.api.statusPath,
      attempts: args.gate.attempts, intervalSeconds: args.gate.intervalSeconds, timeoutSeconds: args.gate.timeoutSeconds,
    }));
    this.command = new command.local.Command(`${name}-check`, {
      ...argvCommand(argv),
      environment: { DOCKER_HOST: args.dockerHost },
      triggers: [args.replicaNames, args.expectedVersion],
    }, { parent: this, dependsOn: args.dependsOn });
    this.registerOutputs({ command: this.command });
  }
}
