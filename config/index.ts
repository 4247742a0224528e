export { ConfigError, loadConfig, rawConfig, toPulumiConfig, NAMESPACE } from "./load";
export type { StackFileConfig } from "./load";
export { configSchema } from "./schema";
export type { TaskflowConfig } from "./schema";
