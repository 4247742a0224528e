import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { TaskflowConfig } from "./config";
import { renderCaddyfile } from "./caddyfile";
import { argvCommand, cutoverArgv } from "./commands";

export interface CutoverArgs {
  gatewayContainer: pulumi.Input<string>;
  /** Id of the gateway container: a new gateway needs the upstreams loaded again. */
  gatewayId: pulumi.Input<string>;
  replicaNames: pulumi.Input<string[]>;
  /** Swarm runtime: follow this service's tasks in DNS instead of a list of replicas. */
  serviceName?: pulumi.Input<string>;
  apiPort: number;
  healthPath: string;
  gateway: TaskflowConfig["gateway"];
  hsts: boolean;
  dockerHost: string;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Points the gateway at the current replicas. It runs only after every new replica was
 * created healthy; the old replicas are deleted after it, at the end of the update.
 */
export class Cutover extends pulumi.ComponentResource {
  public readonly command: command.local.Command;
  public readonly caddyfile: pulumi.Output<string>;

  constructor(name: string, args: CutoverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Cutover", name, {}, opts);
    const g = args.gateway;
    this.caddyfile = pulumi.all([args.replicaNames, args.serviceName]).apply(([names, service]) => renderCaddyfile({
      gateway: g, upstreams: names.map((n) => `${n}:${args.apiPort}`), healthPath: args.healthPath, hsts: args.hsts,
      ...(service ? { dynamic: { name: `tasks.${service}`, port: args.apiPort } } : {}),
    }));
    this.command = new command.local.Command(`${name}-reload`, {
      ...argvCommand(pulumi.output(args.gatewayContainer).apply(cutoverArgv)),
      stdin: this.caddyfile,
      environment: { DOCKER_HOST: args.dockerHost },
      triggers: [args.gatewayId, args.replicaNames, ...(args.serviceName ? [args.serviceName] : [])],
    }, { parent: this, dependsOn: args.dependsOn });
    this.registerOutputs({ command: this.command, caddyfile: this.caddyfile });
  }
}
