// The HTTP probes that run inside API containers: the Docker HEALTHCHECK (exit status),
// the health gate's replica probe and its swarm service probe ("<status> <version>"
// lines). python3 is in every TaskFlow API image.
// Dependency-free CommonJS: the API part's HEALTHCHECK and health-gate.js
// both load it; typed by probes.d.ts.
"use strict";

// GET with a 2 s timeout: (status, body); (0, b'') when nothing answered. It is in
// every replica's Docker HEALTHCHECK (HTTP_PROBE_PY): a change to its text replaces
// every replica, so the gate's probes have their own (TIMED_GET).
const GET = [
  "import json, socket, sys, urllib.request",
  "def get(url):",
  "    try:",
  "        r = urllib.request.urlopen(url, timeout=2)",
  "        return r.status, r.read()",
  "    except Exception as e:",
  "        return getattr(e, 'code', 0), b''",
];

// The gate's GET: a 5 s timeout, and a timeout told apart from a refusal, as -1: a
// replica too busy to answer in time is not judged on it (health-gate.js).
// urlopen raises TimeoutError when the read times out, URLError(reason=TimeoutError)
// when the connect does (Python 3.11: socket.timeout is TimeoutError).
const TIMED_GET = [
  "import json, socket, sys, urllib.request",
  "def get(url):",
  "    try:",
  "        r = urllib.request.urlopen(url, timeout=5)",
  "        return r.status, r.read()",
  "    except Exception as e:",
  "        if isinstance(e, TimeoutError) or isinstance(getattr(e, 'reason', None), TimeoutError):",
  "            return -1, b''",
  "        return getattr(e, 'code', 0), b''",
];

// "<health status> <version>" for a base URL (status -1: no answer in time).
const PROBE = [
  ...TIMED_GET,
  "def probe(base, health_path, status_path):",
  "    health, _ = get(base + health_path)",
  "    if health == -1:",
  "        return '-1 '",
  "    _, body = get(base + status_path)",
  "    try:",
  "        version = json.loads(body).get('version', '')",
  "    except Exception:",
  "        version = ''",
  "    return f'{health} {version}'",
];

/** argv: URL. Exit 0 when it answers 200, 1 otherwise (the Docker HEALTHCHECK). */
const HTTP_PROBE_PY = [...GET, "sys.exit(0 if get(sys.argv[1])[0] == 200 else 1)"].join("\n");

/** In a replica: argv = base URL, health path, status path. */
const REPLICA_PROBE_PY = [...PROBE, "print(probe(sys.argv[1], sys.argv[2], sys.argv[3]))"].join("\n");

/** On the service's network: every address of tasks.<service>, one "<ip> <health> <version>" line each. */
const SERVICE_PROBE_PY = [
  ...PROBE,
  "name, port = sys.argv[1], int(sys.argv[2])",
  "try:",
  "    ips = sorted({a[4][0] for a in socket.getaddrinfo(name, port, proto=socket.IPPROTO_TCP)})",
  "except OSError:",
  "    ips = []",
  "for ip in ips:",
  "    print(ip, probe(f'http://{ip}:{port}', sys.argv[3], sys.argv[4]))",
].join("\n");

exports.HTTP_PROBE_PY = HTTP_PROBE_PY;
exports.REPLICA_PROBE_PY = REPLICA_PROBE_PY;
exports.SERVICE_PROBE_PY = SERVICE_PROBE_PY;
