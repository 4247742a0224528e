// A minimal Docker Engine API client over the local socket: the same API the docker
// provider uses, so container settings map field for field and no value (secrets in
// env or uploads) ever appears in a process's argument list.
import * as http from "node:http";

const SOCKET = (process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock").replace(/^unix:\/\//, "");
const VERSION = "v1.41"; // Docker 20.10

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
