// What the gates and the cutover need from the API, whichever runtime runs it:
// `Api` (N replica containers) and `SwarmApi` (one swarm service) implement it, and
// HealthGate and Cutover take it whole, so neither asks which runtime it has.
import * as pulumi from "@pulumi/pulumi";

import { ServiceProbe } from "./healthGateOptions";

export interface ApiRuntime {
  /** What must be done before the gates and the cutover run: the new release's replicas or service (and the Api's replica watch). */
  readonly serving: pulumi.Resource[];
  /** The replica containers' names (container runtime); [] under swarm. */
  readonly replicaNames: pulumi.Output<string[]>;
  /** How the gates find the service's tasks (swarm); undefined for replica containers. */
  readonly serviceProbe?: pulumi.Output<ServiceProbe>;
  /** What the gateway's upstream set becomes: the replica names, or tasks.<service>. */
  readonly upstreamTargets: pulumi.Output<string[]>;
  /** More that re-runs the gates when it changes (the swarm service's spec). */
  readonly gateTrigger?: pulumi.Output<unknown>;
}
