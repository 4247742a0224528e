// The pipeline's Docker hosts reached as the workflows reach them: docker.host
// ssh://taskflow-deploy@127.0.0.1:<port>, the key the workflow installs with
// scripts/ci-ssh.sh (DOCKER_SSH_KEY) and the host key it trusts (DOCKER_KNOWN_HOSTS).
// Debian's sshd on 127.0.0.1 with a configuration, host key and authorized key of the
// test's own (never the machine's sshd), for one system user in the docker group, as a
// deploy user is on a real Docker host. stop() removes the user and everything else.
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const DEPLOY_USER = "taskflow-deploy";
const SSHD = "/usr/sbin/sshd";

export interface Sshd {
  /** docker.host for a stack behind it. */
  dockerHost: string;
  /** The deploy key's private half: the DOCKER_SSH_KEY secret. */
  privateKey: string;
  /** The DOCKER_KNOWN_HOSTS line for this sshd's host key. */
  knownHosts: string;
  stop: () => void;
}

const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

const userExists = (name: string) => {
  try {
    run("id", "-u", name);
    return true;
  } catch {
    return false;
  }
};

/** Resolves once something accepts a TCP connection on 127.0.0.1:port, or throws after `ms`. */
async function waitForPort(port: number, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const open = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.destroy();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${ms} ms`);
}

/** Starts sshd on 127.0.0.1:port for DEPLOY_USER (created for it, in the docker group). Needs root. */
export async function startSshd(port: number): Promise<Sshd> {
  if (process.getuid?.() !== 0) throw new Error("startSshd needs root (a system user, sshd): run the pipeline tests as root, as CI does");
  const dir = mkdtempSync(path.join(os.tmpdir(), "pipeline-sshd-"));
  // The deploy user reads its authorized key from here (sshd reads it as that user).
  chmodSync(dir, 0o755);
  const home = path.join(dir, "home");
  mkdirSync(home);
  for (const key of ["host_key", "deploy_key"])
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", `taskflow-pipeline-${key}`, "-f", path.join(dir, key));
  writeFileSync(path.join(dir, "authorized_keys"), readFileSync(path.join(dir, "deploy_key.pub")), { mode: 0o644 });
  const created = !userExists(DEPLOY_USER);
  if (created) run("useradd", "--system", "--home-dir", home, "--shell", "/bin/sh", "--groups", "docker", DEPLOY_USER);
  else run("usermod", "--home", home, DEPLOY_USER);
  // A locked account ("!" in shadow) is refused even with a key when sshd runs without PAM.
  run("usermod", "-p", "*", DEPLOY_USER);
  run("chown", DEPLOY_USER, home);
  // sshd's privilege separation directory (Debian's package makes it at boot only).
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });
  const config = path.join(dir, "sshd_config");
  writeFileSync(
    config,
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${path.join(dir, "host_key")}`,
      `PidFile ${path.join(dir, "sshd.pid")}`,
      `AuthorizedKeysFile ${path.join(dir, "authorized_keys")}`,
      // The files are the test's own, in a temporary folder root owns.
      "StrictModes no",
      `AllowUsers ${DEPLOY_USER}`,
      "PermitRootLogin no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "PermitTTY no",
      "X11Forwarding no",
      // The rehearsal reaches the engine's socket through `ssh -L` (rehearsal/dockerApi.ts).
      // sshd admits a local socket forward only where it admits local TCP forwards (its
      // "permit" list covers both): the user is in the docker group anyway.
      "AllowTcpForwarding local",
      "AllowStreamLocalForwarding local",
      "",
    ].join("\n"),
  );
  // Its log to a file, never a pipe: the tests block this process's event loop in
  // spawnSync (act), and an undrained pipe would stall sshd mid-handshake.
  const log = path.join(dir, "sshd.log");
  const child: ChildProcess = spawn(SSHD, ["-D", "-E", log, "-f", config], { stdio: "ignore" });
  const stop = () => {
    child.kill();
    if (created) {
      try {
        run("userdel", DEPLOY_USER);
      } catch {
        /* already gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 10_000);
  } catch (e) {
    const text = existsSync(log) ? readFileSync(log, "utf8") : "";
    stop();
    throw new Error(`sshd did not start: ${(e as Error).message}\n${text}`);
  }
  const [type, key] = readFileSync(path.join(dir, "host_key.pub"), "utf8").split(" ");
  return {
    dockerHost: `ssh://${DEPLOY_USER}@127.0.0.1:${port}`,
    privateKey: readFileSync(path.join(dir, "deploy_key"), "utf8"),
    knownHosts: `[127.0.0.1]:${port} ${type} ${key}`,
    stop,
  };
}
