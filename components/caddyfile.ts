// Renders the gateway's Caddyfile. Pure: the cutover sends its output to Caddy.
export interface CaddyfileArgs {
  listenPort: number;
  /** `host:port` of every replica that should receive traffic; empty before the first release. */
  upstreams: string[];
  healthPath: string;
  healthIntervalSeconds: number;
  lbTryDurationSeconds: number;
  gracePeriodSeconds: number;
}

export function renderCaddyfile(a: CaddyfileArgs): string {
  const site = a.upstreams.length === 0
    ? ['\t\trespond "no release deployed yet" 503']
    : [
        `\t\treverse_proxy ${a.upstreams.join(" ")} {`,
        "\t\t\tlb_policy round_robin",
        // A request whose upstream refuses the connection (stopping, crashed) is retried
        // on another replica for this long instead of failing.
        `\t\t\tlb_try_duration ${a.lbTryDurationSeconds}s`,
        "\t\t\tlb_try_interval 100ms",
        // Active checks: the same endpoint as the Docker HEALTHCHECK.
        `\t\t\thealth_uri ${a.healthPath}`,
        `\t\t\thealth_interval ${a.healthIntervalSeconds}s`,
        "\t\t\thealth_timeout 2s",
        "\t\t\thealth_status 200",
        // Passive checks: a replica that fails a request is skipped for a while.
        "\t\t\tfail_duration 10s",
        "\t\t\tunhealthy_status 5xx",
        "\t\t}",
      ];
  return [
    "{",
    "\tadmin 127.0.0.1:2019",
    // On reload, the old config's in-flight requests get this long to finish.
    `\tgrace_period ${a.gracePeriodSeconds}s`,
    "\tauto_https off",
    "}",
    "",
    `:${a.listenPort} {`,
    "\thandle /__gateway/health {",
    '\t\trespond "ok" 200',
    "\t}",
    "\thandle {",
    ...site,
    "\t}",
    "}",
    "",
  ].join("\n");
}
