// `docker` with an argument list, for the programs in components/ that pulumi up runs on the host: its trimmed
// stdout, or an error naming the subcommand and Docker's last line of stderr.
"use strict";
const { spawnSync } = require("node:child_process");

function docker(args) {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 20_000 });
  if (r.status !== 0) throw new Error(`docker ${args[0]} failed: ${(r.stderr || "").trim().split("\n").at(-1)}`);
  return r.stdout.trim();
}

exports.docker = docker;
