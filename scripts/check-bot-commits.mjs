#!/usr/bin/env node
// CI gate for the deploy bot's commits. scripts/set-image.sh pushes to main as the deploy
// bot, past review, so the bot's token is a way around review: this refuses every bot
// commit wider than the one set-image.sh makes (one parent, authored and committed by
// the bot, message "deploy: STACK -> TAG", and in Pulumi.STACK.yaml only the
// `  taskflow:image: REF` line changed), so CI stops it before a deploy ships it.
// A commit is the bot's when its author's or committer's name or email is; a forged half
// (a human author with the bot as committer, or the reverse) is refused.
// Node and git only (its job runs without `npm ci`). git runs without a shell; commits
// are read as raw objects (no mailmap, no replace refs), the changed files from -z raw
// listings and the stack file as blobs compared byte for byte (no textconv, no patch).
import { spawnSync } from "node:child_process";

import imageRef from "../config/imageRef.js";

const USAGE = `usage: node scripts/check-bot-commits.mjs [--range A..B | --all] [--bot NAME]
Checks every commit by the deploy bot (author or committer named NAME or with email
NAME@users.noreply.github.com; default taskflow-deploy-bot) in A..B, or with --all (the
default) in every commit reachable from HEAD. A bot commit passes only when it is the
one scripts/set-image.sh makes: one parent, authored and committed by the bot, message
"deploy: STACK -> TAG", and in Pulumi.STACK.yaml (staging or production) only the
"  taskflow:image: REF" line changed, to an image of the same repository tagged TAG.
Prints "ok SHA MESSAGE" or "REFUSED SHA: REASON" per bot commit, then a summary.
Exit codes: 0 every bot commit passes (or there is none), 1 one is refused,
2 not a git repository or a bad range, 64 usage.`;

const STACK_FILES = new Map([
  ["Pulumi.staging.yaml", "staging"],
  ["Pulumi.production.yaml", "production"],
]);
const REGULAR_FILE = "100644";
const IMAGE_LINE = /^( +)taskflow:image: (\S+)$/;

function usageError(message) {
  console.error(`check-bot-commits: ${message}`);
  console.error(USAGE);
  process.exit(64);
}

function fatal(message) {
  console.error(`check-bot-commits: ${message}`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { all: false, range: undefined, bot: "taskflow-deploy-bot" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "--all") {
      opts.all = true;
    } else if (arg === "--range" || arg === "--bot") {
      const value = argv[++i];
      if (!value) usageError(`${arg} needs a value`);
      opts[arg.slice(2)] = value;
    } else {
      usageError(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  if (opts.all && opts.range !== undefined) usageError("--range and --all exclude each other");
  // GitHub logins and app names ("name[bot]"): nothing that could read as part of an ident line.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\[bot\])?$/.test(opts.bot)) usageError(`--bot ${JSON.stringify(opts.bot)} is not a GitHub login`);
  return opts;
}

/** Runs git (never through a shell); stdout and stderr come back as Buffers. */
function git(args, input) {
  const r = spawnSync("git", ["--no-replace-objects", "-c", "core.quotePath=false", ...args], { input, maxBuffer: 1 << 30 });
  if (r.error) fatal(`cannot run git (${r.error.message})`);
  return r;
}

const gitError = (r) => r.stderr.toString("utf8").trim().split("\n")[0];

/** Commits to check, oldest first: those in `range`, or every one reachable from HEAD. */
function listCommits(range) {
  if (range === undefined && git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"]).status !== 0) return []; // no commit yet
  const r = git(["rev-list", "--reverse", "--end-of-options", range ?? "HEAD", "--"]);
  if (r.status !== 0) fatal(`bad range ${JSON.stringify(range ?? "HEAD")} (${gitError(r)})`);
  return r.stdout.toString("latin1").split("\n").filter(Boolean);
}

/** "Name <email> 1700000000 +0000" split the way git does: name before "<", email up to ">". */
function parseIdent(value) {
  const lt = value.indexOf("<");
  const gt = value.indexOf(">", lt + 1);
  if (lt === -1 || gt === -1) return { name: value.trim(), email: "", shown: value };
  return { name: value.slice(0, lt).trim(), email: value.slice(lt + 1, gt).trim(), shown: value.slice(0, gt + 1) };
}

/** Reads commit objects in one `git cat-file --batch`; parents and identities from their headers. */
function readCommits(shas) {
  if (shas.length === 0) return [];
  const r = git(["cat-file", "--batch"], shas.join("\n") + "\n");
  if (r.status !== 0) fatal(`cannot read commits (${gitError(r)})`);
  const out = r.stdout;
  const commits = [];
  for (let pos = 0; pos < out.length;) {
    const nl = out.indexOf(0x0a, pos);
    const [sha, type, size] = out.toString("latin1", pos, nl).split(" ");
    if (type !== "commit") fatal(`${sha} is a ${type}, not a commit`);
    const text = out.toString("utf8", nl + 1, nl + 1 + Number(size));
    pos = nl + 1 + Number(size) + 1;
    const split = text.indexOf("\n\n");
    const headers = (split === -1 ? text : text.slice(0, split)).split("\n").filter((line) => !line.startsWith(" "));
    const field = (key) => headers.filter((line) => line.startsWith(`${key} `)).map((line) => line.slice(key.length + 1));
    commits.push({
      sha,
      parents: field("parent"),
      authors: field("author").map(parseIdent),
      committers: field("committer").map(parseIdent),
      message: split === -1 ? "" : text.slice(split + 2),
    });
  }
  return commits;
}

/** Loosely: a name or email that is the bot's, in any case, also GitHub's "ID+login@" form. */
function looksLikeBot(ident, bot) {
  const b = bot.toLowerCase();
  const email = ident.email.toLowerCase();
  const at = email.lastIndexOf("@");
  const login = email.slice(0, at).replace(/^\d+\+/, "");
  return ident.name.toLowerCase() === b || (email.slice(at + 1) === "users.noreply.github.com" && login === b);
}

const show = (s) => JSON.stringify(s);
// Stack file lines are compared as latin1 (one char per byte, so no two byte strings look
// alike) and shown as UTF-8.
const showLine = (line) => show(Buffer.from(line, "latin1").toString("utf8"));

/** The changed files of a single-parent commit, from `git diff-tree -z --raw -M`. */
function changedFiles(parent, sha) {
  const r = git([
    "diff-tree",
    "-r",
    "-z",
    "--raw",
    "-M",
    "--no-abbrev",
    "--no-commit-id",
    "--ignore-submodules=none",
    "--no-ext-diff",
    "--no-textconv",
    parent,
    sha,
  ]);
  if (r.status !== 0) return { error: gitError(r) };
  const tokens = r.stdout.toString("utf8").split("\0");
  const files = [];
  for (let i = 0; i < tokens.length && tokens[i] !== "";) {
    const [oldMode, newMode, oldSha, newSha, status] = tokens[i].slice(1).split(" ");
    const src = tokens[i + 1];
    const renamed = status.startsWith("R") || status.startsWith("C");
    files.push({ oldMode, newMode, oldSha, newSha, status: status[0], src, dst: renamed ? tokens[i + 2] : src });
    i += renamed ? 3 : 2;
  }
  return { files };
}

function blobLines(sha) {
  const r = git(["cat-file", "blob", sha]);
  return r.status === 0 ? r.stdout.toString("latin1").split("\n") : undefined;
}

const indentOf = (line) => line.length - line.trimStart().length;
const isContent = (line) => line.trim() !== "" && !line.trimStart().startsWith("#");

/** True when lines[idx] is a key of the top-level `config:` mapping (not nested, not in a scalar). */
function isConfigKey(lines, idx) {
  let start = idx - 1;
  while (start >= 0 && !(isContent(lines[start]) && indentOf(lines[start]) === 0)) start--;
  if (start < 0 || !/^config:\s*$/.test(lines[start])) return false;
  const first = lines.slice(start + 1).find(isContent);
  return first !== undefined && indentOf(first) === indentOf(lines[idx]);
}

/** Checks the one changed stack file: only its taskflow:image line may change. Returns a reason or the new ref. */
function checkStackFile(file, oldLines, newLines) {
  const onlyImage = "the bot may change only the taskflow:image line";
  if (oldLines.length !== newLines.length) {
    let first = 0;
    while (oldLines[first] === newLines[first]) first++;
    return {
      reason: `changes the line count of ${file} (${oldLines.length} -> ${newLines.length} lines, from line ${first + 1}); ${onlyImage}`,
    };
  }
  const changed = oldLines.flatMap((line, i) => (line === newLines[i] ? [] : [i]));
  if (changed.length === 0) return { reason: `${file} differs in no line` }; // unreachable: the blobs differ
  const other = changed.find((i) => !IMAGE_LINE.test(oldLines[i])) ?? changed[1];
  if (other !== undefined) {
    return { reason: `changes line ${other + 1} of ${file} (${showLine(oldLines[other])} -> ${showLine(newLines[other])}); ${onlyImage}` };
  }
  const i = changed[0];
  const [, oldIndent, oldRef] = IMAGE_LINE.exec(oldLines[i]);
  const now = IMAGE_LINE.exec(newLines[i]);
  if (!now || now[1] !== oldIndent) {
    return {
      reason: `line ${i + 1} of ${file} becomes ${showLine(newLines[i])}, not ${show(`${oldIndent}taskflow:image: <image reference>`)}`,
    };
  }
  if (!isConfigKey(oldLines, i)) return { reason: `line ${i + 1} of ${file} is not the taskflow:image key of its config: mapping` };
  const ref = now[2];
  const parsed = imageRef.parseImageRef(ref);
  if (!parsed) return { reason: `line ${i + 1} of ${file} sets taskflow:image to ${show(ref)}, which is not an image reference` };
  const oldRepository = imageRef.parseImageRef(oldRef)?.repository;
  if (parsed.repository !== oldRepository) {
    return {
      reason: `line ${i + 1} of ${file} moves taskflow:image from repository ${show(oldRepository ?? oldRef)} to ${show(parsed.repository)}`,
    };
  }
  return { parsed };
}

/** Returns { subject } for set-image.sh's commit, { reason } for anything else. */
function checkBotCommit(commit, bot) {
  const botIdent = `${bot} <${bot}@users.noreply.github.com>`;
  for (const [role, idents] of [
    ["author", commit.authors],
    ["committer", commit.committers],
  ]) {
    if (idents.length !== 1) return { reason: `has ${idents.length} ${role} lines` };
    if (idents[0].name !== bot || idents[0].email !== `${bot}@users.noreply.github.com`) {
      return { reason: `${role} ${show(idents[0].shown)} is not the bot (${botIdent}); a bot commit must be authored and committed by it` };
    }
  }
  if (commit.parents.length !== 1) {
    const kind = commit.parents.length === 0 ? "root commit (no parent)" : `merge commit (${commit.parents.length} parents)`;
    return { reason: `${kind}; the bot makes only single-parent commits` };
  }
  const parent = commit.parents[0];
  const { files, error } = changedFiles(parent, commit.sha);
  if (error) return { reason: `cannot diff against parent ${parent.slice(0, 7)} (${error}; a shallow clone? fetch the history)` };
  if (files.length !== 1) {
    const names = files.map((f) => show(f.dst));
    const listed = names.length > 5 ? [...names.slice(0, 5), "..."] : names;
    return {
      reason: `changes ${files.length} files${files.length ? ` (${listed.join(", ")})` : ""}; the bot changes exactly one stack file`,
    };
  }
  const [f] = files;
  if (f.status === "R" || f.status === "C") {
    return {
      reason: `${f.status === "R" ? "renames" : "copies"} ${show(f.src)} to ${show(f.dst)}; the bot only edits a stack file in place`,
    };
  }
  const stack = STACK_FILES.get(f.dst);
  if (stack === undefined) return { reason: `changes ${show(f.dst)}; the bot changes only Pulumi.staging.yaml or Pulumi.production.yaml` };
  if (f.status !== "M") {
    const verb = { A: "adds", D: "deletes", T: "changes the file type of" }[f.status] ?? `changes (${f.status})`;
    return { reason: `${verb} ${f.dst}; the bot only edits a stack file in place` };
  }
  if (f.oldMode !== REGULAR_FILE || f.newMode !== REGULAR_FILE) {
    return { reason: `changes the mode of ${f.dst} (${f.oldMode} -> ${f.newMode}); the bot only edits a stack file in place` };
  }
  const [oldLines, newLines] = [blobLines(f.oldSha), blobLines(f.newSha)];
  if (!oldLines || !newLines) return { reason: `cannot read ${f.dst} (a partial clone? fetch the history)` };
  const checked = checkStackFile(f.dst, oldLines, newLines);
  if (checked.reason) return checked;
  const tag = checked.parsed.tag ?? "";
  const expected = tag ? `deploy: ${stack} -> ${tag}` : `deploy: ${stack} ->`;
  const message = commit.message.replace(/\n$/, "");
  if (message !== expected) {
    const m = /^deploy: (\S+) -> ?(\S*)$/.exec(message);
    if (m && m[1] !== stack) return { reason: `message names stack ${show(m[1])} but the commit changes ${f.dst}` };
    if (m) return { reason: `message names tag ${show(m[2])} but ${f.dst} gets an image tagged ${show(tag)}` };
    return { reason: `message ${show(commit.message)} is not ${show(expected)}` };
  }
  return { subject: message };
}

const opts = parseArgs(process.argv.slice(2));
const inRepo = git(["rev-parse", "--git-dir"]);
if (inRepo.status !== 0) fatal(`not a git repository (${gitError(inRepo)})`);

let botCommits = 0;
let refused = 0;
for (const commit of readCommits(listCommits(opts.range))) {
  if (![...commit.authors, ...commit.committers].some((ident) => looksLikeBot(ident, opts.bot))) continue;
  botCommits++;
  const result = checkBotCommit(commit, opts.bot);
  if (result.reason) {
    refused++;
    console.log(`REFUSED ${commit.sha.slice(0, 7)}: ${result.reason}`);
  } else {
    console.log(`ok ${commit.sha.slice(0, 7)} ${result.subject}`);
  }
}
console.log(`check-bot-commits: ${botCommits} bot commit(s), ${refused} refused`);
process.exitCode = refused > 0 ? 1 : 0;
