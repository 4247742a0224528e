// The GitHub side of the release path: its own project (github/), stack `release`.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

import { deploymentBranches, ENVIRONMENTS } from "../../components/github";
import { ConfigError, loadConfig, loadGithubStackConfig } from "../../config";
import { stackFileConfigAt, withSetting } from "../../config/stackFile";
import { find, isSecretValue, mockGithubId, ofType, ProgramRun, registrations, ROOT, runProgram, stackFileConfig } from "../mocks";

const G = {
  env: "github:index/repositoryEnvironment:RepositoryEnvironment",
  policy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  secret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
};

const SECRETS = {
  production: { PULUMI_ACCESS_TOKEN: "pul-prod-token-1234", DOCKER_SSH_KEY: "-----BEGIN KEY-----x" },
  staging: { PULUMI_ACCESS_TOKEN: "pul-stg-token-5678" },
};

/**
 * Check names the workflows produce, as GitHub names check runs: a job's `name` with
 * `${{ matrix.x }}` filled in, or, for an untemplated matrix job, the value in parentheses.
 */
function workflowCheckNames(): string[] {
  const dir = path.join(ROOT, ".github/workflows");
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith(".yml"));
  } catch {
    return [];
  }
  return files.flatMap((f) =>
    Object.entries<any>(parse(readFileSync(path.join(dir, f), "utf8")).jobs ?? {}).flatMap(([id, job]) => {
      const name = String(job.name ?? id);
      const matrix: Record<string, unknown[]> | undefined = job.strategy?.matrix;
      const [key, values] = Object.entries(matrix ?? {}).find(([, v]) => Array.isArray(v)) ?? [];
      if (!key || !values) return [name];
      const template = new RegExp(`\\$\\{\\{\\s*matrix\\.${key}\\s*\\}\\}`);
      return values.map((v) => (template.test(name) ? name.replace(template, String(v)) : `${name} (${v})`));
    }),
  );
}

/** The GitHub side's stack file, as Pulumi hands it to the program. */
const releaseConfig = () => stackFileConfigAt(path.join(ROOT, "github", "Pulumi.release.yaml"));

describe("the GitHub side (project github/, stack release)", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    const config = { ...releaseConfig(), "taskflow:githubSecrets": JSON.stringify(SECRETS) };
    run = await runProgram("release", config, ["taskflow:githubSecrets"], "github");
  });

  it("resolves reviewer logins and team slugs to GitHub's numeric ids", () => {
    expect(find(run, G.env, "release-production").inputs.reviewers).toEqual([
      { users: [mockGithubId("alice-ops")], teams: [mockGithubId("release-managers")] },
    ]);
  });

  it("gates production: reviewers who are not the author, no admin bypass, a wait timer, main only", () => {
    expect(find(run, G.env, "release-production").inputs).toMatchObject({
      repository: "taskflow",
      environment: "production",
      preventSelfReview: true,
      canAdminsBypass: false,
      waitTimer: 10,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    const policies = ofType(run, G.policy).filter((p) => p.inputs.environment === "production");
    expect(policies.map((p) => p.inputs.branchPattern)).toEqual(["main"]);
  });

  it("lets only main deploy to staging, without reviewers", () => {
    expect(find(run, G.env, "release-staging").inputs).toMatchObject({
      environment: "staging",
      canAdminsBypass: false,
      reviewers: [],
      waitTimer: 0,
    });
    expect(
      ofType(run, G.policy)
        .filter((p) => p.inputs.environment === "staging")
        .map((p) => p.inputs.branchPattern),
    ).toEqual(["main"]);
  });

  it("gives pull-request code only the preview environments: previews unreviewed, the production preview behind production's reviewers", () => {
    expect(ENVIRONMENTS).toEqual(["staging", "production", "preview", "production-preview", "github-settings", "deploy-bot"]);
    const branches = (env: string) =>
      ofType(run, G.policy)
        .filter((p) => p.inputs.environment === env)
        .map((p) => p.inputs.branchPattern);
    expect(branches("preview")).toEqual(["*"]);
    expect(branches("production-preview")).toEqual(["*"]);
    expect(find(run, G.env, "release-preview").inputs).toMatchObject({ reviewers: [], waitTimer: 0, canAdminsBypass: false });
    expect(find(run, G.env, "release-production-preview").inputs).toMatchObject({
      reviewers: find(run, G.env, "release-production").inputs.reviewers,
      preventSelfReview: true,
      canAdminsBypass: false,
      waitTimer: 0,
    });
    // Every environment whose branch policy admits PR branches is one of the two preview environments.
    const any = ofType(run, G.policy)
      .filter((p) => p.inputs.branchPattern === "*")
      .map((p) => p.inputs.environment)
      .sort();
    expect(any).toEqual(["preview", "production-preview"]);
  });

  it("keeps environment secrets secret and puts each in its environment", () => {
    const secrets = ofType(run, G.secret);
    expect(secrets.map((s) => `${s.inputs.environment}/${s.inputs.secretName}`).sort()).toEqual([
      "production/DOCKER_SSH_KEY",
      "production/PULUMI_ACCESS_TOKEN",
      "staging/PULUMI_ACCESS_TOKEN",
    ]);
    for (const s of secrets) expect(isSecretValue(s.raw.plaintextValue), s.name).toBe(true);
    expect(JSON.stringify(run.rawOutputs)).not.toContain("pul-prod-token");
  });

  it("sets the variables the workflows read", () => {
    expect(
      ofType(run, G.variable)
        .map((v) => `${v.inputs.environment}/${v.inputs.variableName}=${v.inputs.value}`)
        .sort(),
    ).toEqual([
      "production/DOCKER_HOST=ssh://deploy@prod-1.taskflow.example",
      "production/PUBLIC_URL=https://taskflow.example",
      "staging/DOCKER_HOST=ssh://deploy@staging.taskflow.example",
      "staging/PUBLIC_URL=http://staging.taskflow.example",
    ]);
  });

  it("protects main's history for everyone, the deploy bot included: no force push, no deletion, linear", () => {
    const history = find(run, G.ruleset, "release-main-history").inputs;
    expect(history).toMatchObject({
      repository: "taskflow",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } },
      rules: { deletion: true, nonFastForward: true, requiredLinearHistory: true },
    });
    expect(history.bypassActors ?? []).toEqual([]);
  });

  it("requires review and checks on main from everyone but the deploy bot, which bypasses only that ruleset", () => {
    const review = find(run, G.ruleset, "release-main-review").inputs;
    expect(review).toMatchObject({
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/main"], excludes: [] } },
      rules: {
        pullRequest: {
          requiredApprovingReviewCount: 1,
          dismissStaleReviewsOnPush: true,
          requireLastPushApproval: true,
          requiredReviewThreadResolution: true,
        },
      },
    });
    expect(review.bypassActors).toEqual([{ actorType: "User", actorId: mockGithubId("taskflow-deploy-bot"), bypassMode: "always" }]);
    expect(review.rules).not.toHaveProperty("nonFastForward");
    expect(ofType(run, "github:index/branchProtection:BranchProtection")).toEqual([]);
  });

  it("requires exactly the checks the workflows run (when they exist)", () => {
    const contexts: string[] = find(run, G.ruleset, "release-main-review").inputs.rules.requiredStatusChecks.requiredChecks.map(
      (c: { context: string }) => c.context,
    );
    expect(find(run, G.ruleset, "release-main-review").inputs.rules.requiredStatusChecks.strictRequiredStatusChecksPolicy).toBe(true);
    const names = workflowCheckNames();
    if (names.length === 0) {
      expect(contexts).toEqual(["test", "image", "preview (staging)"]);
    } else {
      for (const c of contexts) expect(names, `required check "${c}" is not a workflow job`).toContain(c);
    }
    // The production preview waits for a reviewer: required, it would hold every pull request.
    expect(contexts).not.toContain("preview (production)");
  });

  it("reviews every job of github-settings (it holds the GitHub admin token and reads every secret) and runs it only from main", () => {
    expect(deploymentBranches("github-settings")).toEqual(["main"]);
    expect(find(run, G.env, "release-github-settings").inputs).toMatchObject({
      environment: "github-settings",
      preventSelfReview: true,
      canAdminsBypass: false,
      waitTimer: 0,
    });
    expect(find(run, G.env, "release-github-settings").inputs.reviewers).toHaveLength(1);
  });

  it("passes the token to the provider as a secret", () => {
    expect(isSecretValue(find(run, "pulumi:providers:github", "github").raw.token)).toBe(true);
  });
});

describe("GitHub config", () => {
  it("lets staging and production deploy only from main", () => {
    expect(deploymentBranches("staging")).toEqual(["main"]);
    expect(deploymentBranches("production")).toEqual(["main"]);
  });

  it("refuses the old stagingFromPullRequests switch (staging deploys only from main)", () => {
    expect(problems(gh({ "github.stagingFromPullRequests": true }))).toContain(
      "taskflow:github.stagingFromPullRequests: unknown key (got true); expected one of: owner, repository, reviewers, waitTimerMinutes, requiredChecks, variables, tagCommitter",
    );
  });

  const gh = (changes: Record<string, unknown>) => {
    let c = releaseConfig();
    for (const [k, v] of Object.entries(changes)) c = withSetting(c, k, v);
    return c;
  };
  const problems = (config: Record<string, string>, secretKeys: string[] = []) => {
    try {
      loadGithubStackConfig(config, secretKeys);
      return [];
    } catch (e) {
      return (e as ConfigError).problems;
    }
  };

  it.each([
    [
      { "github.reviewers": { users: [], teams: [] } },
      'taskflow:github.reviewers: got {"users":[],"teams":[]}; expected at least one user or team: production deploys need an approval',
    ],
    [
      { "github.reviewers": { users: ["a", "b", "c", "d"], teams: ["e", "f", "g"] } },
      'taskflow:github.reviewers: got {"users":["a","b","c","d"],"teams":["e","f","g"]}; expected at most 6 users and teams in all (GitHub\'s limit; got 7)',
    ],
    [{ "github.waitTimerMinutes": 50000 }, "taskflow:github.waitTimerMinutes: got 50000; expected a whole number from 0 to 43200"],
    [{ "github.waitTimerMinutes": -1 }, "taskflow:github.waitTimerMinutes: got -1; expected a whole number from 0 to 43200"],
    [
      { "github.approvers": ["x"] },
      'taskflow:github.approvers: unknown key (got ["x"]); expected one of: owner, repository, reviewers, waitTimerMinutes, requiredChecks, variables, tagCommitter',
    ],
    [{ "github.owner": undefined }, "taskflow:github.owner: got nothing (the key is missing); expected a GitHub user or organization name"],
    [
      { "github.variables": { staging: { GITHUB_SHA: "x" } } },
      'taskflow:github.variables.staging.GITHUB_SHA: got "GITHUB_SHA"; expected a GitHub secret/variable name: letters, digits and _, not starting with a digit or GITHUB_',
    ],
    [
      { "github.variables": { production: { "1HOST": "x" } } },
      'taskflow:github.variables.production.1HOST: got "1HOST"; expected a GitHub secret/variable name: letters, digits and _, not starting with a digit or GITHUB_',
    ],
  ])("refuses %j", (changes, message) => {
    expect(problems(gh(changes))).toContain(message);
  });

  it("refuses the GitHub side in a runtime stack, pointing to its project, without showing the values", () => {
    const moved = (key: string) =>
      `taskflow:${key}: got a value (not shown); expected no such key in a runtime stack: the GitHub side is its own project ` +
      '(github/Pulumi.release.yaml); move the block there and the resources with `pulumi state move` (RUNBOOK.md, "The GitHub side")';
    for (const stack of ["staging", "production"]) {
      const config = {
        ...withSetting(stackFileConfig(stack), "github", { enabled: true, owner: "o", repository: "r", reviewers: { users: ["u"] } }),
        "taskflow:githubSecrets": JSON.stringify({ production: { DEPLOY_BOT_TOKEN: "bot-token-value" } }),
      };
      let found: string[] = [];
      try {
        loadConfig(config, ["taskflow:githubSecrets"]);
      } catch (e) {
        found = (e as ConfigError).problems;
      }
      expect(found).toEqual([moved("github"), moved("githubSecrets")]);
      expect(found.join()).not.toContain("bot-token-value");
    }
  });

  it("refuses a required check that waits for a reviewer (the opt-in production preview)", () => {
    expect(problems(gh({ "github.requiredChecks": ["test", "preview (production)"] }))).toContain(
      'taskflow:github.requiredChecks: got ["test","preview (production)"]; expected checks that run without a reviewer\'s approval (preview (production) waits for a production reviewer on every push, and hands the pull request\'s code production\'s state when approved: it is opt-in, by label)',
    );
  });

  it("refuses environment secrets that are not Pulumi secrets, without printing them", () => {
    const config = {
      ...releaseConfig(),
      "taskflow:githubSecrets": JSON.stringify({ production: { DOCKER_SSH_KEY: "plain-key-material" } }),
    };
    const found = problems(config);
    expect(found).toEqual([
      "taskflow:githubSecrets: got a plain value (not shown); expected a secret: set it with `pulumi config set --cwd github -s release --secret --path 'taskflow:githubSecrets.<environment>.<NAME>' <value>`",
    ]);
    expect(found.join()).not.toContain("plain-key-material");
  });

  it("refuses a secret named with the GITHUB_ prefix, masking its value", () => {
    const config = { ...releaseConfig(), "taskflow:githubSecrets": JSON.stringify({ staging: { GITHUB_TOKEN: "tok-abc" } }) };
    const found = problems(config, ["taskflow:githubSecrets"]);
    expect(found).toEqual([
      'taskflow:githubSecrets.staging.GITHUB_TOKEN: got "GITHUB_TOKEN"; expected a GitHub secret/variable name: letters, digits and _, not starting with a digit or GITHUB_',
    ]);
    expect(found.join()).not.toContain("tok-abc");
  });

  it("fails in one clear line, before any resource, when GITHUB_TOKEN is missing", async () => {
    const saved = process.env.GITHUB_TOKEN;
    process.env.GITHUB_TOKEN = "";
    try {
      await expect(runProgram("release", releaseConfig(), [], "github")).rejects.toThrow(
        "GITHUB_TOKEN is not set: export a token with admin rights on taskflow/taskflow (the github-settings environment's GITHUB_ADMIN_TOKEN in CI)",
      );
      expect(registrations).toEqual([]);
    } finally {
      process.env.GITHUB_TOKEN = saved;
    }
  });
});
