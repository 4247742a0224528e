// The github-script stand-in's one job (see action.yml): `context` from the event that
// started the run, `github` a model of the REST calls the workflows make, over a JSON
// file of comments ({ "<issue number>": [{ id, body }] }).
"use strict";
const fs = require("node:fs");

const store = process.env.TASKFLOW_PIPELINE_GITHUB_STATE;
if (!store) throw new Error("github-script (stand-in): TASKFLOW_PIPELINE_GITHUB_STATE is not set");
const load = () => (fs.existsSync(store) ? JSON.parse(fs.readFileSync(store, "utf8")) : {});
const save = (s) => fs.writeFileSync(store, JSON.stringify(s, null, 2));
const [owner, repo] = (process.env.GITHUB_REPOSITORY ?? "/").split("/");
const expectRepo = (a) => {
  if (a.owner !== owner || a.repo !== repo) throw new Error(`github-script (stand-in): ${a.owner}/${a.repo} is not ${owner}/${repo}`);
};

const issues = {
  async listComments(a) {
    expectRepo(a);
    return { data: load()[a.issue_number] ?? [] };
  },
  async createComment(a) {
    expectRepo(a);
    const s = load();
    const all = Object.values(s).flat();
    const comment = { id: 1 + Math.max(0, ...all.map((c) => c.id)), body: a.body };
    (s[a.issue_number] ??= []).push(comment);
    save(s);
    return { data: comment };
  },
  async updateComment(a) {
    expectRepo(a);
    const s = load();
    const comment = Object.values(s)
      .flat()
      .find((c) => c.id === a.comment_id);
    if (!comment) throw new Error(`github-script (stand-in): no comment ${a.comment_id}`);
    comment.body = a.body;
    save(s);
    return { data: comment };
  },
};
const github = { rest: { issues }, paginate: async (fn, args) => (await fn(args)).data };
const context = { repo: { owner, repo }, payload: JSON.parse(fs.readFileSync(process.env.GITHUB_EVENT_PATH, "utf8")) };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
new AsyncFunction("github", "context", "require", process.env.SCRIPT)(github, context, require).catch((e) => {
  console.error(`github-script (stand-in): ${e.stack ?? e}`);
  process.exit(1);
});
