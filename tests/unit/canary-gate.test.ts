import { describe, expect, it } from "vitest";

import { canaryEnabled, canaryGateArgv, CanaryGateOptions } from "../../components";
import { CanaryIo, runCanary } from "../../components/gates/canary-gate.js";
import { add, chosenNames, judge, newTally, parseRoundtrip, percentile, Tally } from "../../components/gates/canaryAnalysis.js";
import { parseArgv } from "../../components/gates/canaryGateOptions.js";
import { TaskflowConfig } from "../../config";

// Lines as taskflow-caddy:2.6 wrote them with the Caddyfile's upstream log (caddyfile.ts).
const SELECTED =
  '{"level":"debug","ts":1796123553.1073291,"logger":"http.handlers.reverse_proxy","msg":"selected upstream","dial":"10.0.0.9:8000","total_upstreams":3}';
const roundtrip = (ip: string, status: number, duration = 0.004, ts = 1796123553.1) =>
  `{"level":"debug","ts":${ts},"logger":"http.handlers.reverse_proxy","msg":"upstream roundtrip","upstream":"${ip}:8000","duration":${duration},"status":${status}}`;
const failed = (ip: string, error: string, ts = 1796123553.1) =>
  `{"level":"debug","ts":${ts},"logger":"http.handlers.reverse_proxy","msg":"upstream roundtrip","upstream":"${ip}:8000","duration":1.0,"error":"${error}"}`;

const RULES = { minRequests: 100, maxErrorIncrease: 0.02, maxLatencyRatio: 2, latencySlackMs: 100 };

/** A tally with `n` requests to each side, `newErrors`/`oldErrors` of them failed, and the given durations. */
function tallyOf(o: { n: number; newErrors?: number; oldErrors?: number; newMs?: number; oldMs?: number; oldN?: number }): Tally {
  const t = newTally();
  const NEW = new Set(["10.0.0.9"]);
  const feed = (ip: string, count: number, errors: number, ms: number) => {
    for (let i = 0; i < count; i++) add(t, { ts: 1, ip, status: i < errors ? 500 : 200, durationMs: ms }, NEW, 0);
  };
  feed("10.0.0.9", o.n, o.newErrors ?? 0, o.newMs ?? 5);
  feed("10.0.0.2", o.oldN ?? o.n, o.oldErrors ?? 0, o.oldMs ?? 5);
  return t;
}

describe("canary analysis: Caddy's round-trip lines", () => {
  it("reads the upstream's address, status and duration of a round trip", () => {
    expect(parseRoundtrip(roundtrip("172.18.0.5", 503, 0.25))).toEqual({
      ts: 1796123553100,
      ip: "172.18.0.5",
      durationMs: 250,
      status: 503,
      error: undefined,
    });
  });

  it("reads a round trip that got no response as status 0 with its error", () => {
    expect(parseRoundtrip(failed("172.18.0.5", "dial tcp 172.18.0.5:8000: connect: connection refused"))).toMatchObject({
      status: 0,
      error: "dial tcp 172.18.0.5:8000: connect: connection refused",
    });
  });

  it("ignores other lines: other messages, a client that went away, a line cut by a roll", () => {
    expect(parseRoundtrip(SELECTED)).toBeUndefined();
    expect(parseRoundtrip(failed("172.18.0.5", "context canceled"))).toBeUndefined();
    expect(parseRoundtrip(roundtrip("172.18.0.5", 200).slice(0, 80))).toBeUndefined();
    expect(parseRoundtrip("")).toBeUndefined();
  });

  it("counts only round trips from the window's start, and a 5xx or no answer as an error", () => {
    const t = newTally();
    const NEW = new Set(["10.0.0.9"]);
    for (const line of [
      roundtrip("10.0.0.9", 500, 0.1, 99),
      roundtrip("10.0.0.9", 200),
      roundtrip("10.0.0.9", 502),
      failed("10.0.0.2", "EOF"),
    ]) {
      add(t, parseRoundtrip(line)!, NEW, 1_000_000);
    }
    expect(t.new).toMatchObject({ requests: 2, errors: 1 });
    expect(t.old).toMatchObject({ requests: 1, errors: 1 });
  });

  it("takes the nearest-rank percentile", () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile([], 99)).toBe(0);
  });
});

describe("canary analysis: the verdict", () => {
  it("fails at once when the new replicas' 5xx share is over the old one's plus the margin, naming the figures", () => {
    const v = judge(tallyOf({ n: 1204, newErrors: 222 }), RULES, false);
    expect(v).toMatchObject({ decided: true, pass: false, judged: true });
    expect(v.why).toBe(
      "new: 18.4 % 5xx over 1,204 requests, p99 5 ms; old: 0.0 % 5xx over 1,204 requests, p99 5 ms (more than 2.0 % above the old replicas' 5xx share)",
    );
  });

  it("passes a share within the margin above the old one's, and only at the end of the window", () => {
    const t = tallyOf({ n: 1000, newErrors: 25, oldErrors: 10 });
    expect(judge(t, RULES, false)).toEqual({ decided: false });
    expect(judge(t, RULES, true)).toMatchObject({ decided: true, pass: true, judged: true });
  });

  it("does not judge fewer than minRequests to the new replicas (an idle stack), and says so at the end", () => {
    const t = tallyOf({ n: 99, newErrors: 99 });
    expect(judge(t, RULES, false)).toEqual({ decided: false });
    const v = judge(t, RULES, true);
    expect(v).toMatchObject({ decided: true, pass: true, judged: false });
    expect(v.why).toMatch(/^not judged: 99 requests reached the new replicas/);
  });

  it("fails a p99 over maxLatencyRatio x the old one and over the slack above it", () => {
    expect(judge(tallyOf({ n: 200, newMs: 400, oldMs: 100 }), RULES, true)).toMatchObject({ pass: false });
    expect(judge(tallyOf({ n: 200, newMs: 400, oldMs: 100 }), RULES, true).why).toMatch(/the new p99 is over 2x the old one/);
  });

  it("passes a slower p99 within the slack, and skips the latency rule when the old side saw too few", () => {
    expect(judge(tallyOf({ n: 200, newMs: 90, oldMs: 10 }), RULES, true)).toMatchObject({ pass: true });
    expect(judge(tallyOf({ n: 200, oldN: 50, newMs: 900, oldMs: 10 }), RULES, true)).toMatchObject({ pass: true });
  });
});

describe("canary analysis: the gateway's chosen set", () => {
  it("lists the names between chosen: and probe:", () => {
    const show = "chosen:\nrep-0-aaa\nrep-1-bbb\nprobe: port 8000 path /health every 2s\nserved:\n10.0.0.2 upstreams # rep-0-aaa\n";
    expect(chosenNames(show)).toEqual(["rep-0-aaa", "rep-1-bbb"]);
    expect(chosenNames("chosen:\nprobe: port ? path ? every 1s\nserved:\n")).toEqual([]);
  });
});

const OPTS: CanaryGateOptions = {
  gateway: "gw-edge",
  stack: "s1",
  logFile: "/var/log/gateway/upstreams.log",
  port: 8000,
  healthPath: "/health",
  intervalSeconds: 2,
  canaryCount: 1,
  windowSeconds: 10,
  ...RULES,
  replicas: ["new-0", "new-1"],
};

/**
 * The gate against a scripted Docker: the gateway first serves `chosen`; each second of
 * the window every Caddy logs `perSecond` round trips (new replica at 10.0.0.9) from
 * `traffic(second)`; `setFails` refuses a set naming its first argument's match.
 */
async function scripted(o: {
  chosen: string[];
  traffic?: (second: number) => string[];
  setFails?: (names: string[]) => string | undefined;
}) {
  let t = 1_000_000;
  const sets: string[][] = [];
  const logs: string[] = [];
  const listeners: ((line: string) => void)[] = [];
  let stopped = 0;
  const io: CanaryIo = {
    now: () => t,
    log: (l) => logs.push(l),
    fail: (l) => logs.push(`stderr: ${l}`),
    sleep: async (ms) => {
      t += ms;
      const lines = o.traffic?.(Math.round((t - 1_000_000) / 1000)) ?? [];
      for (const l of listeners) for (const line of lines) l(line.replace("TS", String(t / 1000)));
    },
    follow: (_c, _f, _s, onLine) => {
      listeners.push(onLine);
      return () => (stopped += 1);
    },
    run: async (_cmd, args) => {
      if (args[0] === "exec" && args[3] === "show") return { status: 0, stdout: `chosen:\n${o.chosen.join("\n")}\nprobe: x\n`, stderr: "" };
      if (args[0] === "ps") return { status: 0, stdout: "caddy1\n", stderr: "" };
      if (args[0] === "inspect") return { status: 0, stdout: "10.0.0.9 10.1.0.9 ", stderr: "" };
      if (args[0] === "exec" && args[3] === "set") {
        const names = args.slice(args.indexOf("--interval") + 2);
        sets.push(names);
        const why = o.setFails?.(names);
        return why ? { status: 1, stdout: "", stderr: why } : { status: 0, stdout: "", stderr: "" };
      }
      throw new Error(`unexpected docker ${args.join(" ")}`);
    },
  };
  const ok = await runCanary(OPTS, io);
  return { ok, sets, logs, stopped, elapsedMs: t - 1_000_000 };
}

/** Each second: 30 to the old replica and 15 to the new one, `newBad` of those 500. */
const trafficWith = (newBad: number) => () => [
  ...Array.from({ length: 30 }, () => roundtrip("10.0.0.2", 200).replace("1796123553.1", "TS")),
  ...Array.from({ length: 15 }, (_, i) => roundtrip("10.0.0.9", i < newBad ? 500 : 200).replace("1796123553.1", "TS")),
];

describe("canary gate", () => {
  it("serves the first canary-count new replicas beside the old ones, then passes a good release over the whole window", async () => {
    const r = await scripted({ chosen: ["old-0", "old-1"], traffic: trafficWith(0) });
    expect(r.ok).toBe(true);
    expect(r.sets).toEqual([["old-0", "old-1", "new-0"]]);
    expect(r.elapsedMs).toBe(10_000);
    expect(r.logs.at(-1)).toMatch(/^canary: passed: new: 0\.0 % 5xx over 1\d\d requests/);
    expect(r.stopped).toBe(1);
  });

  it("sets the gateway back to exactly the old replicas and fails as soon as the new ones fail too many requests", async () => {
    const r = await scripted({ chosen: ["old-0", "old-1"], traffic: trafficWith(3) });
    expect(r.ok).toBe(false);
    expect(r.sets).toEqual([
      ["old-0", "old-1", "new-0"],
      ["old-0", "old-1"],
    ]);
    // 100 requests reach the new replica after 7 seconds: decided then, not at 10.
    expect(r.elapsedMs).toBe(7_000);
    expect(r.logs.at(-1)).toBe(
      "stderr: canary: FAILED after 7s: new: 20.0 % 5xx over 105 requests, p99 4 ms; old: 0.0 % 5xx over 210 requests, p99 4 ms " +
        "(more than 2.0 % above the old replicas' 5xx share); rolled back: the gateway serves old-0, old-1 again",
    );
  });

  it("leaves out an old replica that no longer answers when setting the gateway back", async () => {
    const r = await scripted({
      chosen: ["old-0", "old-1"],
      traffic: trafficWith(3),
      setFails: (names) =>
        names.length === 2 && names.includes("old-0")
          ? "gateway-upstreams: old-0 (10.0.0.2) does not answer /health with 200; the upstream set is unchanged"
          : undefined,
    });
    expect(r.ok).toBe(false);
    expect(r.sets).toEqual([["old-0", "old-1", "new-0"], ["old-0", "old-1"], ["old-1"]]);
    expect(r.logs.at(-1)).toMatch(/rolled back: the gateway serves old-1 again$/);
  });

  it("passes without judging when too few requests reach the new replicas (an idle stack), and says so", async () => {
    const r = await scripted({ chosen: ["old-0"], traffic: () => [] });
    expect(r.ok).toBe(true);
    expect(r.logs.at(-1)).toMatch(/^canary: passed: not judged: 0 requests reached the new replicas/);
  });

  it("is skipped when the gateway serves no old replicas (first deploy, or the cutover already ran)", async () => {
    const r = await scripted({ chosen: ["new-0", "new-1"] });
    expect(r.ok).toBe(true);
    expect(r.sets).toEqual([]);
    expect(r.logs).toEqual([expect.stringMatching(/^canary: skipped: the gateway serves no old replicas/)]);
  });

  it("is skipped, changing nothing, when the gateway refuses old + canary", async () => {
    const r = await scripted({
      chosen: ["old-0"],
      setFails: () => "gateway-upstreams: old-0 (10.0.0.2) does not answer /health with 200; the upstream set is unchanged",
    });
    expect(r.ok).toBe(true);
    expect(r.sets).toEqual([["old-0", "new-0"]]);
    expect(r.logs.at(-1)).toMatch(/^canary: skipped: the gateway refused old \+ canary/);
  });
});

describe("canary gate options", () => {
  it("reads back what the program writes", () => {
    const argv = canaryGateArgv(OPTS);
    expect(argv.slice(0, 2)).toEqual(["node", "components/gates/canary-gate.js"]);
    expect(parseArgv(argv.slice(2))).toEqual(OPTS);
  });

  it.each([
    ["--replica", "new-0;rm -rf /"],
    ["--replica", "new-0\nx"],
    ["--gateway", "-oProxyCommand=x"],
    ["--log", "/var/log/../../etc/passwd"],
    ["--max-error-increase", "2"],
    ["--window", "0"],
    ["--port", "80; echo"],
  ])("refuses %s %j", (flag, value) => {
    const argv = canaryGateArgv(OPTS).slice(2);
    const at = argv.indexOf(flag);
    argv[at + 1] = value;
    expect(() => parseArgv(argv)).toThrow(`${flag}: `.replace("--replica: ", "--replica needs a container name"));
  });
});

describe("canary default", () => {
  const of = (environment: string, enabled?: boolean) => ({ environment, canary: { enabled } }) as unknown as TaskflowConfig;
  it.each([
    ["dev", undefined, false],
    ["preview", undefined, false],
    ["staging", undefined, true],
    ["production", undefined, true],
    ["production", false, false],
    ["dev", true, true],
  ])("in %s with canary.enabled %s is %s", (environment, enabled, on) => {
    expect(canaryEnabled(of(environment, enabled))).toBe(on);
  });
});
