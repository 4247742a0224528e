export { ConfigError, loadConfig, rawConfig, NAMESPACE } from "./load";
export { configSchema } from "./schema";
export type { TaskflowConfig } from "./schema";
