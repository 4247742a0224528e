import * as pulumi from "@pulumi/pulumi";

import { TaskflowConfig } from "../../config";
import { hostCommand, NOTHING_ARGV } from "../shared";
import { ApiRuntime } from "./apiRuntime";
import { canaryGateArgv } from "./commands";

export interface CanaryGateArgs {
  /** The gateway edge, where gateway-upstreams runs. */
  gatewayContainer: pulumi.Input<string>;
  /** The stack: its Caddy containers (by label) log what the gate reads. */
  stack: string;
  /** Where each Caddy logs its upstream round trips (caddyfile.ts UPSTREAM_LOG_FILE). */
  logFile: string;
  /** The new replicas (container runtime only: a swarm service replaces its own tasks). */
  runtime: ApiRuntime;
  /** How gateway-upstreams probes the replicas: the cutover's settings. */
  probe: { port: number; healthPath: string; intervalSeconds: number };
  canary: TaskflowConfig["canary"];
  dockerHost: string;
  /** Besides the runtime's serving resources: the replica gate. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * Between the replica gate and the cutover: the gateway serves `canary.replicas` new
 * replicas beside the old ones for `canary.windowSeconds`, and the update goes on only if
 * their 5xx share and p99, as the gateway saw them, are no worse than the old ones' in
 * the same window (gates/canaryAnalysis.js). Otherwise the gateway serves exactly the old
 * replicas again and the update fails naming the figures (gates/canary-gate.js).
 */
export class CanaryGate extends pulumi.ComponentResource {
  public readonly command: ReturnType<typeof hostCommand>;

  constructor(name: string, args: CanaryGateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:docker:CanaryGate", name, {}, opts);
    const c = args.canary;
    const argv = pulumi.all([args.gatewayContainer, args.runtime.replicaNames]).apply(([gateway, replicas]) =>
      canaryGateArgv({
        gateway,
        stack: args.stack,
        logFile: args.logFile,
        port: args.probe.port,
        healthPath: args.probe.healthPath,
        intervalSeconds: args.probe.intervalSeconds,
        canaryCount: c.replicas,
        windowSeconds: c.windowSeconds,
        minRequests: c.minRequests,
        maxErrorIncrease: c.maxErrorIncrease,
        maxLatencyRatio: c.maxLatencyRatio,
        latencySlackMs: c.latencySlackMs,
        replicas,
      }),
    );
    this.command = hostCommand(
      `${name}-analysis`,
      {
        argv,
        dockerHost: args.dockerHost,
        // New replicas run it again (triggers replace it); any other change (a canary
        // setting, a new edge's name) is no release to judge and runs nothing.
        triggers: [args.runtime.replicaNames],
        update: NOTHING_ARGV,
      },
      { parent: this, dependsOn: [...args.runtime.serving, ...args.dependsOn] },
    );
    this.registerOutputs({ command: this.command });
  }
}
