import * as github from "@pulumi/github";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";

export const githubProductionEnvironmentGated: ResourceValidationPolicy = {
  name: "github-production-environment-gated",
  description:
    "The production GitHub environment needs a reviewer who is not the author, admins cannot bypass it, and only allowed branches deploy.",
  validateResource: validateResourceOfType(github.RepositoryEnvironment, (env, _args, report) => {
    if (env.environment !== "production") return;
    const reviewers = (env.reviewers ?? []).flatMap((r) => [...(r.users ?? []), ...(r.teams ?? [])]);
    if (reviewers.length === 0) report("Production environment has no required reviewer. Add at least one user or team to reviewers.");
    if (env.preventSelfReview !== true)
      report("Production environment lets the author approve their own deploy. Set preventSelfReview: true.");
    if (env.canAdminsBypass !== false)
      report("Production environment lets admins bypass its protection rules. Set canAdminsBypass: false.");
    const policy = env.deploymentBranchPolicy;
    if (!policy || (!policy.protectedBranches && !policy.customBranchPolicies)) {
      report("Production environment has no deployment branch policy. Set deploymentBranchPolicy so only main can deploy.");
    }
  }),
};
