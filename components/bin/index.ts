// The programs `pulumi up` executes through command resources (commands.ts), named in
// one place. Paths are relative to the project root, the working directory in which
// `pulumi up` (and the rehearsal) runs the program and its commands.
export const BIN = {
  /** Runs a JSON argument list without a shell: the interpreter of every command. */
  runArgv: "components/bin/run-argv.mjs",
  /** The replica gate and the health gate (options: components/bin/healthGateOptions.js). */
  healthGate: "components/bin/health-gate.mjs",
  /** Removes a new replica Docker calls unhealthy, so a bad release fails at once and leaves nothing running. */
  replicaWatch: "components/bin/replica-watch.mjs",
  /** Refuses a swarm without a data node (runtime: swarm). */
  swarmCheck: "components/bin/swarm-check.mjs",
} as const;
