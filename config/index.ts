export type { StackFileConfig } from "./load";
export { ConfigError, loadConfig, NAMESPACE, rawConfig, toPulumiConfig } from "./load";
export type { TaskflowConfig } from "./schema";
export { configSchema } from "./schema";
