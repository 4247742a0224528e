// Renders redis.conf. The result contains the password: callers keep it a Pulumi secret.
export interface RedisConfArgs {
  password: string;
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
    `maxmemory ${a.maxmemoryMb}mb`,
    `maxmemory-policy ${a.maxmemoryPolicy}`,
    `appendonly ${a.appendonly ? "yes" : "no"}`,
    "appendfsync everysec",
    "dir /data",
    "",
  ].join("\n");
}
