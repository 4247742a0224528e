#!/usr/bin/env node
// Interpreter for command.local.Command: its last argument is a JSON list of words,
// run as one process without a shell, so no value is ever shell-interpreted.
// stdin, stdout and stderr pass through; the exit code is the command's.
"use strict";
const { spawnSync } = require("node:child_process");

const text = process.argv.at(-1);
let argv;
try {
  argv = JSON.parse(text);
} catch {
  argv = undefined;
}
if (!Array.isArray(argv) || argv.length === 0 || !argv.every((w) => typeof w === "string")) {
  console.error(`run-argv: expected a JSON list of strings as the last argument, got: ${text}`);
  process.exit(64);
}
const result = spawnSync(argv[0], argv.slice(1), { stdio: "inherit" });
if (result.error) {
  console.error(`run-argv: could not start ${argv[0]}: ${result.error.message}`);
  process.exit(127);
}
process.exit(result.status ?? 1);
