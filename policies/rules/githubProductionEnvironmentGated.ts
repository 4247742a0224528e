import * as github from "@pulumi/github";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

/**
 * Every environment whose secrets reach production: production itself; production-preview
 * (a read token for `pulumi preview -s production`, which decrypts production's config and
 * state); github-settings (GitHub admin rights, and the token that decrypts the GitHub
 * side's stack, which holds every environment's secrets, production's included).
 */
export const REACHES_PRODUCTION: Record<string, string> = {
  production: "Production environment",
  "production-preview": "The production-preview environment (it decrypts production)",
  "github-settings": "The github-settings environment (it holds every environment's secrets)",
};

export const githubProductionEnvironmentGated: ResourceValidationPolicy = {
  name: "github-production-environment-gated",
  description:
    "Every GitHub environment that reaches production (production, production-preview, github-settings) needs a reviewer who is not the author, admins cannot bypass it, and only allowed branches deploy.",
  validateResource: validateResourceOfType(github.RepositoryEnvironment, (env, _args, report) => {
    const Production = REACHES_PRODUCTION[env.environment];
    if (Production === undefined) return;
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
