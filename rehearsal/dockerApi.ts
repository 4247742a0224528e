// A minimal Docker Engine API client over a Unix socket: the same API the docker
// provider uses, so container settings map field for field and no value (secrets in
// env or uploads) ever appears in a process's argument list. The socket is the stack's
// docker.host (useDockerHost): a local one, or for ssh:// a local end of an SSH tunnel
// to the remote engine's socket, as the provider reaches a remote engine over SSH.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";

let SOCKET = (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, "");
const VERSION = "v1.41"; // Docker 20.10
/** The remote engine's socket an ssh:// host forwards to (Docker's default). */
const REMOTE_SOCKET = "/var/run/docker.sock";
/** Stops the tunnel in use, if any: a later useDockerHost replaces it. */
let stopTunnel: (() => void) | undefined;

/**
 * Sends every later call to `host` (config's docker.host, already validated:
 * unix:///path or ssh://user@host[:port]). For ssh:// it starts `ssh -L` forwarding a
 * local socket to the remote engine's, with the user's own ssh keys and known hosts
 * (BatchMode: never a prompt), and stops it when this process exits.
 */
export async function useDockerHost(host: string): Promise<void> {
  if (host.startsWith("unix://")) {
    stopTunnel?.();
    stopTunnel = undefined;
    SOCKET = host.slice("unix://".length);
    return;
  }
  const m = /^ssh:\/\/([^@]+)@([^:]+)(?::(\d+))?$/.exec(host);
  if (!m) throw new Error(`docker.host ${JSON.stringify(host)}: not unix:// or ssh://user@host[:port]`);
  const [, user, hostname, port] = m;
  const dir = mkdtempSync(path.join(os.tmpdir(), "rehearsal-ssh-"));
  const local = path.join(dir, "docker.sock");
  // prettier-ignore
  const child = spawn("ssh", [
    "-nNT", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-o", "ConnectTimeout=30",
    "-L", `${local}:${REMOTE_SOCKET}`, "-l", user, ...(port ? ["-p", port] : []), "--", hostname,
  ], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (b) => (stderr += b));
  const stop = () => {
    child.kill();
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  for (let i = 0; i < 300 && !existsSync(local); i++) {
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!existsSync(local)) {
    stop();
    throw new Error(`ssh tunnel to ${host} failed: ${stderr.trim() || "no socket within 30 s"}`);
  }
  stopTunnel?.();
  stopTunnel = stop;
  SOCKET = local;
}

export class DockerApiError extends Error {
  constructor(
    public readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function dockerApi<T = any>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        socketPath: SOCKET,
        method,
        path: `/${VERSION}${path}`,
        headers: payload ? { "Content-Type": contentType, "Content-Length": payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          if ((res.statusCode ?? 500) >= 400) {
            let message = text;
            try {
              message = JSON.parse(text).message ?? text;
            } catch {
              /* plain text */
            }
            reject(new DockerApiError(res.statusCode ?? 500, `${method} ${path}: ${message}`));
            return;
          }
          try {
            resolve(text ? JSON.parse(text) : (undefined as T));
          } catch {
            resolve(text as T);
          }
        });
      },
    );
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** Ignores "no such object": deleting what is already gone is done. */
export async function ignoreMissing<T>(p: Promise<T>): Promise<T | undefined> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof DockerApiError && e.status === 404) return undefined;
    throw e;
  }
}

/** One-file ustar archive (what PUT /containers/{id}/archive takes); Docker creates missing parents. */
export function tarOneFile(path: string, content: Buffer, mode: number, uid: number, gid: number): Buffer {
  const header = Buffer.alloc(512);
  const put = (value: string, offset: number, length: number) => header.write(value, offset, length, "utf8");
  const octal = (n: number, length: number) => n.toString(8).padStart(length - 1, "0") + "\0";
  const name = path.replace(/^\/+/, "");
  if (Buffer.byteLength(name) > 100) throw new Error(`upload path too long for this archive writer: ${path}`);
  put(name, 0, 100);
  put(octal(mode, 8), 100, 8);
  put(octal(uid, 8), 108, 8);
  put(octal(gid, 8), 116, 8);
  put(octal(content.length, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put("        ", 148, 8); // checksum placeholder: spaces while summing
  put("0", 156, 1);
  put("ustar\0", 257, 6);
  put("00", 263, 2);
  let sum = 0;
  for (const byte of header) sum += byte;
  put(octal(sum, 7) + " ", 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}
