// The data stores: Postgres (with its backup) and Redis, each on the internal network
// with its own volume, and what runs inside their containers.
export * from "./backup";
export * from "./commands";
export * from "./postgres";
export * from "./redis";
export * from "./redisConf";
