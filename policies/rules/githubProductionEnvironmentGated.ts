import * as github from "@pulumi/github";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/**
 * Every environment whose secrets can decrypt production's stack config: production
 * itself, and production-preview (a read token for `pulumi preview -s production`, which
 * decrypts the config and with it production's githubSecrets).
 */
export const DECRYPTS_PRODUCTION = ["production", "production-preview"];

export const githubProductionEnvironmentGated: ResourceValidationPolicy = {
  name: "github-production-environment-gated",
  description:
    "Every GitHub environment that can decrypt production (production, production-preview) needs a reviewer who is not the author, admins cannot bypass it, and only allowed branches deploy.",
  validateResource: validateResourceOfType(github.RepositoryEnvironment, (env, _args, report) => {
    if (!DECRYPTS_PRODUCTION.includes(env.environment)) return;
    const Production =
      env.environment === "production" ? "Production environment" : `The ${env.environment} environment (it decrypts production)`;
    const reviewers = (env.reviewers ?? []).flatMap((r) => [...(r.users ?? []), ...(r.teams ?? [])]);
    if (reviewers.length === 0) report(`${Production} has no required reviewer. Add at least one user or team to reviewers.`);
    if (env.preventSelfReview !== true) report(`${Production} lets the author approve their own deploy. Set preventSelfReview: true.`);
    if (env.canAdminsBypass !== false) report(`${Production} lets admins bypass its protection rules. Set canAdminsBypass: false.`);
    const policy = env.deploymentBranchPolicy;
    if (!policy || (!policy.protectedBranches && !policy.customBranchPolicies)) {
      report(`${Production} has no deployment branch policy. Set deploymentBranchPolicy so only allowed branches use it.`);
    }
  }),
};
