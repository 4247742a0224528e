// Renders redis.conf. The result contains the passwords: callers keep it a Pulumi secret.

/** The API's Redis user: data commands only (no CONFIG, MODULE, DEBUG, FLUSHALL, KEYS, EVAL, PUBLISH, ...). */
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
    // An allow list of ACL categories: connection (AUTH, HELLO, PING), data reads and
    // writes, key expiry and MULTI/EXEC. Then out again whatever of those is @admin
    // (CONFIG, MODULE, DEBUG, SHUTDOWN, ACL, ...) or @dangerous (FLUSHALL, KEYS, MIGRATE,
    // RESTORE, CLIENT KILL, INFO). Nothing of @scripting (EVAL runs Lua, whose sandbox
    // has been escaped before: CVE-2022-0543 on Debian's builds) and no pub/sub channel
    // (resetchannels).
    `user ${REDIS_APP_USER} on >${a.appPassword} ~* resetchannels -@all +@connection +@read +@write +@keyspace +@transaction -@admin -@dangerous`,
    `maxmemory ${a.maxmemoryMb}mb`,
    `maxmemory-policy ${a.maxmemoryPolicy}`,
    `appendonly ${a.appendonly ? "yes" : "no"}`,
    "appendfsync everysec",
    "dir /data",
    "",
  ].join("\n");
}
