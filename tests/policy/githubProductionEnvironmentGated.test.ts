import { describe, expect, it } from "vitest";

import { githubProductionEnvironmentGated } from "../../policies/rules/githubProductionEnvironmentGated";
import { violations } from "./harness";

const env = (props: Record<string, unknown> = {}) => ({
  type: "github:index/repositoryEnvironment:RepositoryEnvironment",
  props: {
    environment: "production",
    repository: "taskflow",
    reviewers: [{ users: [101], teams: [] }],
    preventSelfReview: true,
    canAdminsBypass: false,
    waitTimer: 5,
    deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    ...props,
  },
});

describe("github-production-environment-gated", () => {
  it("passes a gated production environment", async () => {
    expect(await violations(githubProductionEnvironmentGated, env())).toEqual([]);
  });
  it.each([
    [{ reviewers: [] }, "Production environment has no required reviewer. Add at least one user or team to reviewers."],
    [
      { reviewers: [{ users: [], teams: [] }] },
      "Production environment has no required reviewer. Add at least one user or team to reviewers.",
    ],
    [{ preventSelfReview: false }, "Production environment lets the author approve their own deploy. Set preventSelfReview: true."],
    [{ canAdminsBypass: true }, "Production environment lets admins bypass its protection rules. Set canAdminsBypass: false."],
    [{ canAdminsBypass: undefined }, "Production environment lets admins bypass its protection rules. Set canAdminsBypass: false."],
    [
      { deploymentBranchPolicy: undefined },
      "Production environment has no deployment branch policy. Set deploymentBranchPolicy so only allowed branches use it.",
    ],
  ])("refuses %j", async (props, message) => {
    expect(await violations(githubProductionEnvironmentGated, env(props))).toEqual([message]);
  });
  it.each([
    ["production-preview", "The production-preview environment (it decrypts production)"],
    ["github-settings", "The github-settings environment (it holds every environment's secrets)"],
  ])("holds %s to the same gate: its secrets reach production", async (environment, subject) => {
    expect(await violations(githubProductionEnvironmentGated, env({ environment }))).toEqual([]);
    expect(
      await violations(
        githubProductionEnvironmentGated,
        env({ environment, reviewers: [], preventSelfReview: false, canAdminsBypass: true }),
      ),
    ).toEqual([
      `${subject} has no required reviewer. Add at least one user or team to reviewers.`,
      `${subject} lets the author approve their own deploy. Set preventSelfReview: true.`,
      `${subject} lets admins bypass its protection rules. Set canAdminsBypass: false.`,
    ]);
  });
  it("leaves staging alone", async () => {
    expect(await violations(githubProductionEnvironmentGated, env({ environment: "staging", reviewers: [] }))).toEqual([]);
  });
});
