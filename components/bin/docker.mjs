// `docker` with an argument list, for the programs in components/bin: its trimmed
// stdout, or an error naming the subcommand and Docker's last line of stderr.
import { spawnSync } from "node:child_process";

export function docker(args) {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) throw new Error(`docker ${args[0]} failed: ${(r.stderr || "").trim().split("\n").at(-1)}`);
  return r.stdout.trim();
}
