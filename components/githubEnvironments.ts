import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { TaskflowConfig } from "./config";

export interface GitHubEnvironmentsArgs {
  settings: TaskflowConfig["github"];
  /** Secret values per environment (from taskflow:githubSecrets). */
  secrets: TaskflowConfig["githubSecrets"];
}

const ENVIRONMENTS = ["staging", "production"] as const;
type Environment = (typeof ENVIRONMENTS)[number];

/** Branch patterns each environment may deploy from. */
export function deploymentBranches(env: Environment, stagingFromPullRequests: boolean): string[] {
  return env === "staging" && stagingFromPullRequests ? ["main", "*"] : ["main"];
}

/**
 * The release path's GitHub side, so nobody configures it by hand in Settings:
 * the staging and production environments (production: required reviewers who are
 * not the author, no admin bypass, a wait timer, main only), their secrets and
 * variables, and branch protection on main with the CI checks required.
 */
export class GitHubEnvironments extends pulumi.ComponentResource {
  public readonly environments: Record<Environment, github.RepositoryEnvironment>;
  public readonly branchProtection: github.BranchProtection;
  public readonly reviewerIds: pulumi.Output<{ users: number[]; teams: number[] }>;

  constructor(name: string, args: GitHubEnvironmentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("taskflow:github:GitHubEnvironments", name, {}, opts);
    const s = args.settings;
    const repository = s.repository!;
    const invoke = { parent: this };

    // Reviewers are configured by login and team slug; GitHub wants numeric ids.
    const users = s.reviewers.users.map((username) => github.getUserOutput({ username }, invoke).id.apply(Number));
    const teams = s.reviewers.teams.map((slug) => github.getTeamOutput({ slug }, invoke).id.apply(Number));
    this.reviewerIds = pulumi.all([pulumi.all(users), pulumi.all(teams)]).apply(([u, t]) => ({ users: u, teams: t }));

    this.environments = Object.fromEntries(ENVIRONMENTS.map((env) => {
      const production = env === "production";
      const environment = new github.RepositoryEnvironment(`${name}-${env}`, {
        repository,
        environment: env,
        canAdminsBypass: false,
        preventSelfReview: production,
        waitTimer: production ? s.waitTimerMinutes : 0,
        reviewers: production ? [this.reviewerIds] : [],
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      }, { parent: this });
      for (const pattern of deploymentBranches(env, s.stagingFromPullRequests)) {
        new github.RepositoryEnvironmentDeploymentPolicy(`${name}-${env}-branch-${pattern === "*" ? "any" : pattern}`, {
          repository, environment: environment.environment, branchPattern: pattern,
        }, { parent: this });
      }
      for (const [secretName, value] of Object.entries(args.secrets[env])) {
        new github.ActionsEnvironmentSecret(`${name}-${env}-secret-${secretName}`, {
          repository, environment: environment.environment, secretName, plaintextValue: pulumi.secret(value),
        }, { parent: this });
      }
      for (const [variableName, value] of Object.entries(s.variables[env])) {
        new github.ActionsEnvironmentVariable(`${name}-${env}-var-${variableName}`, {
          repository, environment: environment.environment, variableName, value,
        }, { parent: this });
      }
      return [env, environment];
    })) as Record<Environment, github.RepositoryEnvironment>;

    this.branchProtection = new github.BranchProtection(`${name}-main`, {
      repositoryId: repository,
      pattern: "main",
      enforceAdmins: true,
      requiredLinearHistory: true,
      allowsForcePushes: false,
      allowsDeletions: false,
      requireConversationResolution: true,
      requiredStatusChecks: [{ strict: true, contexts: s.requiredChecks }],
      requiredPullRequestReviews: [{
        requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireLastPushApproval: true,
        // Only the deploy bot pushes without a PR: its one-line commits record each deployed tag.
        pullRequestBypassers: s.tagCommitter ? [`/${s.tagCommitter}`] : [],
      }],
    }, { parent: this });

    this.registerOutputs({ environments: this.environments, branchProtection: this.branchProtection, reviewerIds: this.reviewerIds });
  }
}
