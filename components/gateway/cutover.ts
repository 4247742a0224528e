import * as pulumi from "@pulumi/pulumi";

import { ApiRuntime } from "../gates";
import { hostCommand } from "../shared";
import { cutoverArgv, UpstreamProbe } from "./commands";

export interface CutoverArgs {
  /** The gateway edge, where gateway-upstreams runs. */
  gatewayContainer: pulumi.Input<string>;
  /** Id of the gateway edge: a new edge needs the upstreams set again. */
  gatewayId: pulumi.Input<string>;
  /** What serves from now on: its upstream targets. */
  runtime: ApiRuntime;
  /** How the gateway's watcher probes them from now on. */
  probe: UpstreamProbe;
  dockerHost: string;
  /** Besides the runtime's serving resources: the gate and the gateway. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Points the gateway at the current replicas without reloading Caddy (no client
 * connection is closed; see image/gateway-upstreams). It runs only after every
 * new replica passed the replica gate, refuses (and changes nothing) unless each one
 * answers its health check, and returns once Caddy has stopped choosing the old ones;
 * those are deleted after it, at the end of the update, and finish what they have.
 */
export class Cutover extends pulumi.ComponentResource {
  public readonly command: ReturnType<typeof hostCommand>;

  constructor(name: string, args: CutoverArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Cutover", name, {}, opts);
    const targets = args.runtime.upstreamTargets;
    this.command = hostCommand(
      `${name}-reload`,
      {
        argv: pulumi.all([args.gatewayContainer, targets]).apply(([gw, t]) => cutoverArgv(gw, t, args.probe)),
        dockerHost: args.dockerHost,
        triggers: [args.gatewayId, targets],
      },
      { parent: this, dependsOn: [...args.runtime.serving, ...args.dependsOn] },
    );
    this.registerOutputs({ command: this.command });
  }
}
