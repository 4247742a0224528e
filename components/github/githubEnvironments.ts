import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";

import { GITHUB_ENVIRONMENTS, GithubStackConfig } from "../../config";

export interface GitHubEnvironmentsArgs {
  settings: GithubStackConfig["github"];
  /** Secret values per environment (from taskflow:githubSecrets of the github stack). */
  secrets: GithubStackConfig["githubSecrets"];
}

/**
 * The release path's environments: which refs may use each one's secrets, and whether a
 * production reviewer must approve every job first. Pull-request code reaches only the
 * two `*` environments: `preview` (credentials scoped to pr-<n> stacks, the preview
 * Docker host, and a token that reads staging's stack) and `production-preview` (a read
 * token for `pulumi preview -s production`, opt-in by label, so a reviewer approves each
 * run). `github-settings` holds the one token that can read the GitHub side's stack
 * (every environment's secrets) and GitHub admin rights: main only, reviewed.
 * `deploy-bot` holds only the bot's token, for the jobs that commit what runs (no
 * `npm ci` in them): main only, unreviewed (the deploy it records was approved).
 */
export const ENVIRONMENT_RULES: Record<Environment, { branches: readonly string[]; reviewed: boolean }> = {
  staging: { branches: ["main"], reviewed: false },
  production: { branches: ["main"], reviewed: true },
  preview: { branches: ["*"], reviewed: false },
  "production-preview": { branches: ["*"], reviewed: true },
  "github-settings": { branches: ["main"], reviewed: true },
  "deploy-bot": { branches: ["main"], reviewed: false },
};

export type Environment = (typeof GITHUB_ENVIRONMENTS)[number];
export const ENVIRONMENTS: Environment[] = [...GITHUB_ENVIRONMENTS];

/** Branch patterns each environment may deploy from. */
export function deploymentBranches(env: Environment): string[] {
  return [...ENVIRONMENT_RULES[env].branches];
}

/**
 * The release path's GitHub side, so nobody configures it by hand in Settings:
 * the environments of ENVIRONMENT_RULES (production: required reviewers who are not
 * the author, no admin bypass, a wait timer, main only), their secrets and variables,
 * and rulesets on main (review and the CI checks required; the deploy bot may push
 * its tag commits past review and checks, never past the history rules).
 */
export class GitHubEnvironments extends pulumi.ComponentResource {
  public readonly environments: Record<Environment, github.RepositoryEnvironment>;
  public readonly historyRuleset: github.RepositoryRuleset;
  public readonly reviewRuleset: github.RepositoryRuleset;
  public readonly reviewerIds: pulumi.Output<{ users: number[]; teams: number[] }>;

  constructor(name: string, args: GitHubEnvironmentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:github:GitHubEnvironments", name, {}, opts);
    const s = args.settings;
    const repository = s.repository;
    const invoke = { parent: this };

    // Reviewers are configured by login and team slug; GitHub wants numeric ids.
    const users = s.reviewers.users.map((username) => github.getUserOutput({ username }, invoke).id.apply(Number));
    const teams = s.reviewers.teams.map((slug) => github.getTeamOutput({ slug }, invoke).id.apply(Number));
    this.reviewerIds = pulumi.all([pulumi.all(users), pulumi.all(teams)]).apply(([u, t]) => ({ users: u, teams: t }));

    this.environments = Object.fromEntries(
      ENVIRONMENTS.map((env) => {
        const reviewed = ENVIRONMENT_RULES[env].reviewed;
        const environment = new github.RepositoryEnvironment(
          `${name}-${env}`,
          {
            repository,
            environment: env,
            canAdminsBypass: false,
            preventSelfReview: reviewed,
            // The wait timer is for deploys; a reviewed preview only needs the approval.
            waitTimer: env === "production" ? s.waitTimerMinutes : 0,
            reviewers: reviewed ? [this.reviewerIds] : [],
            deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
          },
          { parent: this },
        );
        for (const pattern of deploymentBranches(env)) {
          new github.RepositoryEnvironmentDeploymentPolicy(
            `${name}-${env}-branch-${pattern === "*" ? "any" : pattern}`,
            {
              repository,
              environment: environment.environment,
              branchPattern: pattern,
            },
            { parent: this },
          );
        }
        for (const [secretName, value] of Object.entries(args.secrets[env])) {
          new github.ActionsEnvironmentSecret(
            `${name}-${env}-secret-${secretName}`,
            {
              repository,
              environment: environment.environment,
              secretName,
              plaintextValue: pulumi.secret(value),
            },
            { parent: this },
          );
        }
        for (const [variableName, value] of Object.entries(s.variables[env])) {
          new github.ActionsEnvironmentVariable(
            `${name}-${env}-var-${variableName}`,
            {
              repository,
              environment: environment.environment,
              variableName,
              value,
            },
            { parent: this },
          );
        }
        return [env, environment];
      }),
    ) as Record<Environment, github.RepositoryEnvironment>;

    // main's rules as two rulesets, so the deploy bot's bypass covers exactly what its
    // tag commit needs. History (no force push, no deletion, linear) binds everyone, the
    // bot included. Review and checks bind everyone but the bot, whose only push is the
    // one-line stack-file commit of scripts/set-image.sh (a PR could not record a deploy
    // that is already running). Admins bypass neither.
    const main = { refName: { includes: ["refs/heads/main"], excludes: [] } };
    this.historyRuleset = new github.RepositoryRuleset(
      `${name}-main-history`,
      {
        repository,
        name: "main: history",
        target: "branch",
        enforcement: "active",
        conditions: main,
        rules: { deletion: true, nonFastForward: true, requiredLinearHistory: true },
      },
      { parent: this },
    );
    const bot = s.tagCommitter ? github.getUserOutput({ username: s.tagCommitter }, invoke).id.apply(Number) : undefined;
    this.reviewRuleset = new github.RepositoryRuleset(
      `${name}-main-review`,
      {
        repository,
        name: "main: review and checks",
        target: "branch",
        enforcement: "active",
        conditions: main,
        bypassActors: bot ? [{ actorType: "User", actorId: bot, bypassMode: "always" }] : [],
        rules: {
          pullRequest: {
            requiredApprovingReviewCount: 1,
            dismissStaleReviewsOnPush: true,
            requireLastPushApproval: true,
            requiredReviewThreadResolution: true,
          },
          requiredStatusChecks: {
            strictRequiredStatusChecksPolicy: true,
            requiredChecks: s.requiredChecks.map((context) => ({ context })),
          },
        },
      },
      { parent: this },
    );

    this.registerOutputs({
      environments: this.environments,
      historyRuleset: this.historyRuleset,
      reviewRuleset: this.reviewRuleset,
      reviewerIds: this.reviewerIds,
    });
  }
}
