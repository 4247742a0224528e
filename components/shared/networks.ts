import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

import { labels } from "./containerDefaults";

export interface NetworksArgs {
  stack: string;
  /** Overlay networks (swarm runtime): span the nodes; attachable so the gateway and data stores (containers) can join. */
  overlay?: boolean;
  /** What must hold first (the swarm check: overlay networks need a swarm). */
  dependsOn?: pulumi.Resource[];
}

/**
 * Two networks: `edge` (gateway <-> api) and `internal` (api <-> postgres/redis).
 * `internal: true` gives the data stores no route out and no way to publish a port.
 */
export class Networks extends pulumi.ComponentResource {
  public readonly edge: docker.Network;
  public readonly internal: docker.Network;

  constructor(name: string, args: NetworksArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:Networks", name, {}, opts);
    const driver = args.overlay ? { driver: "overlay", attachable: true } : { driver: "bridge" };
    this.edge = new docker.Network(
      `${name}-edge`,
      { ...driver, internal: false, labels: labels(args.stack, "edge") },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.internal = new docker.Network(
      `${name}-internal`,
      { ...driver, internal: true, labels: labels(args.stack, "internal") },
      { parent: this, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ edge: this.edge, internal: this.internal });
  }
}
