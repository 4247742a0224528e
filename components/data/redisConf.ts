// Renders redis.conf. The result contains the passwords: callers keep it a Pulumi secret.

/** The API's Redis user: data commands only (no CONFIG, MODULE, DEBUG, FLUSHALL, KEYS, ...). */
export const REDIS_APP_USER = "app";

export interface RedisConfArgs {
  /** The default user's: the admin's, used by the health check and an operator, never by the API. */
  password: string;
  appPassword: string;
  maxmemoryMb: number;
  maxmemoryPolicy: string;
  appendonly: boolean;
}

export function renderRedisConf(a: RedisConfArgs): string {
  return [
    "bind 0.0.0.0",
    "port 6379",
    "protected-mode yes",
    `requirepass ${a.password}`,
    // ACL categories: @admin holds CONFIG, MODULE, DEBUG, SHUTDOWN, ACL, ...; @dangerous
    // also FLUSHALL, KEYS, MIGRATE, RESTORE, CLIENT, INFO. The app needs neither.
    `user ${REDIS_APP_USER} on >${a.appPassword} ~* &* +@all -@admin -@dangerous`,
    `maxmemory ${a.maxmemoryMb}mb`,
    `maxmemory-policy ${a.maxmemoryPolicy}`,
    `appendonly ${a.appendonly ? "yes" : "no"}`,
    "appendfsync everysec",
    "dir /data",
    "",
  ].join("\n");
}
