// The GitHub side of the release path, declared by the production stack.
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

import { deploymentBranches, ENVIRONMENTS } from "../../components/github";
import { ConfigError, loadConfig } from "../../config";
import { withSetting } from "../../config/stackFile";
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

describe("the production stack's GitHub side", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    const config = { ...stackFileConfig("production"), "taskflow:githubSecrets": JSON.stringify(SECRETS) };
    run = await runProgram("production", config, ["taskflow:githubSecrets"]);
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
    expect(ENVIRONMENTS).toEqual(["staging", "production", "preview", "production-preview"]);
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
      expect(contexts).toEqual(["test", "image", "preview (staging)", "preview (production)"]);
    } else {
      for (const c of contexts) expect(names, `required check "${c}" is not a workflow job`).toContain(c);
    }
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
      "taskflow:github.stagingFromPullRequests: unknown key (got true); expected one of: enabled, owner, repository, reviewers, waitTimerMinutes, requiredChecks, variables, tagCommitter",
    );
  });

  const gh = (changes: Record<string, unknown>) => {
    let c = stackFileConfig("production");
    for (const [k, v] of Object.entries(changes)) c = withSetting(c, k, v);
    return c;
  };
  const problems = (config: Record<string, string>, secretKeys: string[] = []) => {
    try {
      loadConfig(config, secretKeys);
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
      'taskflow:github.approvers: unknown key (got ["x"]); expected one of: enabled, owner, repository, reviewers, waitTimerMinutes, requiredChecks, variables, tagCommitter',
    ],
    [
      { "github.owner": undefined },
      "taskflow:github.owner: got nothing (the key is missing); expected the GitHub owner, required when github.enabled is true",
    ],
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

  it("refuses GitHub resources in any stack but production", () => {
    expect(
      problems(
        withSetting(stackFileConfig("staging"), "github", { enabled: true, owner: "o", repository: "r", reviewers: { users: ["u"] } }),
      ),
    ).toContain("taskflow:github.enabled: got true; expected true only in the production stack, which declares both GitHub environments");
  });

  it("refuses environment secrets that are not Pulumi secrets, without printing them", () => {
    const config = {
      ...stackFileConfig("production"),
      "taskflow:githubSecrets": JSON.stringify({ production: { DOCKER_SSH_KEY: "plain-key-material" } }),
    };
    const found = problems(config);
    expect(found).toEqual([
      "taskflow:githubSecrets: got a plain value (not shown); expected a secret: set it with `pulumi config set --secret --path githubSecrets.<environment>.<NAME> <value>`",
    ]);
    expect(found.join()).not.toContain("plain-key-material");
  });

  it("refuses a secret named with the GITHUB_ prefix, masking its value", () => {
    const config = { ...stackFileConfig("production"), "taskflow:githubSecrets": JSON.stringify({ staging: { GITHUB_TOKEN: "tok-abc" } }) };
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
      await expect(runProgram("production", stackFileConfig("production"))).rejects.toThrow(
        "taskflow:github.enabled is true but GITHUB_TOKEN is not set: export a token with admin rights on taskflow/taskflow (pull requests from forks get no secrets, so they cannot preview this stack)",
      );
      expect(registrations).toEqual([]);
    } finally {
      process.env.GITHUB_TOKEN = saved;
    }
  });
});
