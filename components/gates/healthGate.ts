import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { hostCommand } from "../shared";
import { ApiRuntime } from "./apiRuntime";
import { healthGateArgv } from "./commands";

export interface HealthGateArgs {
  /** Without it, only the replicas are checked: the gate that runs before the cutover. */
  gatewayUrl?: pulumi.Input<string>;
  /** With `tls internal`: the gateway container whose CA root the gate trusts. */
  gatewayCaFrom?: pulumi.Input<string>;
  /** Where that root is in the container, when not the internal CA's (gateway.acmeCaRoot). */
  gatewayCaPath?: string;
  /** The Caddy container serving: a new one (a gateway change) is gated through again. */
  gatewayProxyId?: pulumi.Input<string>;
  expectedVersion: string;
  /** What the gate probes: the replica containers, or the swarm service's tasks. */
  runtime: ApiRuntime;
  api: TaskflowConfig["api"];
  gate: TaskflowConfig["healthGate"];
  dockerHost: string;
  /** Besides the runtime's serving resources. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Fails the update unless every new replica (and the gateway, when given) answers the
 * health path with 200 and reports the expected version, `attempts` rounds in a row.
 */
export class HealthGate extends pulumi.ComponentResource {
  public readonly command: ReturnType<typeof hostCommand>;

  constructor(name: string, args: HealthGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:HealthGate", name, {}, opts);
    const r = args.runtime;
    const argv = pulumi
      .all([args.gatewayUrl, args.gatewayCaFrom, r.replicaNames, r.serviceProbe])
      .apply(([gatewayUrl, gatewayCaFrom, replicas, svc]) =>
        healthGateArgv({
          gatewayUrl,
          gatewayCaFrom,
          gatewayCaPath: args.gatewayCaPath,
          replicas,
          service: svc,
          expectedVersion: args.expectedVersion,
          port: args.api.port,
          healthPath: args.api.healthPath,
          statusPath: args.api.statusPath,
          attempts: args.gate.attempts,
          intervalSeconds: args.gate.intervalSeconds,
          timeoutSeconds: args.gate.timeoutSeconds,
        }),
      );
    this.command = hostCommand(
      `${name}-check`,
      {
        argv,
        dockerHost: args.dockerHost,
        // A new release (version), new replicas or a changed service spec run the gate again.
        triggers: [
          r.replicaNames,
          args.expectedVersion,
          ...(r.gateTrigger ? [r.gateTrigger] : []),
          ...(args.gatewayProxyId ? [args.gatewayProxyId] : []),
        ],
      },
      { parent: this, dependsOn: [...r.serving, ...args.dependsOn] },
    );
    this.registerOutputs({ command: this.command });
  }
}
