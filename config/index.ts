export type { GithubStackConfig } from "./githubStackSchema";
export { APPROVAL_GATED_CHECKS, GITHUB_ENVIRONMENTS, GITHUB_PROJECT_DIR, GITHUB_STACK, githubStackSchema } from "./githubStackSchema";
export type { StackFileConfig } from "./load";
export { ConfigError, loadConfig, loadGithubStackConfig, NAMESPACE, rawConfig, toPulumiConfig } from "./load";
export type { TaskflowConfig } from "./schema";
export { configSchema } from "./schema";
export { stackSecretKeys } from "./stackSecretKeys";
