import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { labels } from "./containerDefaults";

export interface NetworksArgs {
  stack: string;
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
    this.edge = new docker.Network(`${name}-edge`, { driver: "bridge", internal: false, labels: labels(args.stack, "edge") }, { parent: this });
    this.internal = new docker.Network(`${name}-internal`, { driver: "bridge", internal: true, labels: labels(args.stack, "internal") }, { parent: this });
    this.registerOutputs({ edge: this.edge, internal: this.internal });
  }
}
