// Every command `pulumi up` runs on this machine against the stack's Docker host: an
// argument list run without a shell (run-argv.js), with DOCKER_HOST set once here.
// Secrets never appear in an argv: commands read them from their environment or stdin.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";

/** Paths are relative to the project root, the working directory of `pulumi up` (and the rehearsal). */
export const RUN_ARGV = "components/shared/run-argv.js";

/**
 * command.local.Command runs `interpreter + [create]`. With this interpreter, `create`
 * is a JSON argument list executed without a shell (run-argv.js), so the preview diff
 * shows the exact command and no value can be shell-interpreted.
 */
export const RUN_ARGV_INTERPRETER = ["node", RUN_ARGV];

export function argvCommand(argv: pulumi.Input<pulumi.Input<string>[]>) {
  return {
    interpreter: RUN_ARGV_INTERPRETER,
    create: pulumi.output(argv).apply((a) => JSON.stringify(a)),
  };
}

/** A command's `update` that does nothing: for commands whose `create` must run only on a replacement. */
export const NOTHING_ARGV = ["node", "-e", "0"];

export interface HostCommandArgs {
  argv: pulumi.Input<pulumi.Input<string>[]>;
  /** The stack's docker.host: every docker call of the command goes there. */
  dockerHost: string;
  /** More environment (secret connection strings, say): never in the argv. */
  environment?: Record<string, pulumi.Input<string>>;
  /** Run on an update instead of `argv` (e.g. NOTHING_ARGV). */
  update?: string[];
  stdin?: pulumi.Input<string>;
  /** A change of any of these runs the command again. */
  triggers?: pulumi.Input<unknown>[];
}

/** A command.local.Command running `argv` against the stack's Docker host. */
export function hostCommand(name: string, a: HostCommandArgs, opts: pulumi.CustomResourceOptions): command.local.Command {
  return new command.local.Command(
    name,
    {
      ...argvCommand(a.argv),
      ...(a.update ? { update: JSON.stringify(a.update) } : {}),
      environment: { DOCKER_HOST: a.dockerHost, ...a.environment },
      ...(a.stdin !== undefined ? { stdin: a.stdin } : {}),
      ...(a.triggers ? { triggers: a.triggers } : {}),
    },
    opts,
  );
}
