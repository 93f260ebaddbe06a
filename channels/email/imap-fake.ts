/**
 * A real IMAP server for tests: Debian's dovecot (`dovecot-imapd`) started as a child process on 127.0.0.1, with its
 * whole configuration, mail and sockets in a temporary folder, one user, plain-text login and no TLS. The inbound
 * poller under test is then the real imapflow client against a real server (UIDVALIDITY, UID ranges, \Seen, MOVE),
 * not a mock. Mail is "delivered" the way an MTA's local delivery does it: a file written into the Maildir's `new/`.
 *
 * Unprivileged: every service runs as the current user (`default_internal_user`, `default_login_user`), without
 * chroot (which needs root), and `first_valid_uid` admits the current uid, so it works as root in a container and as
 * a normal user on a laptop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, chown, mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { hostname, tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/** Where Debian installs dovecot; `DOVECOT_BIN` overrides it. */
const DOVECOT = process.env.DOVECOT_BIN ?? "/usr/sbin/dovecot";

/** A running dovecot. */
export interface FakeImap {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `imap://user:password@127.0.0.1:PORT/INBOX`, for EMAIL_IMAP_URL. */
  url: string;
  pid: number;
  /** Drops a raw RFC 5322 message into the user's INBOX as a new mail (string line ends become CRLF). */
  deliver(raw: string | Buffer): Promise<void>;
  /** dovecot's log, for a failing test's message. */
  log(): Promise<string>;
  /** Stops dovecot (by its PID) and removes the temporary folder. */
  stop(): Promise<void>;
}

/** True when dovecot is installed here (tests skip with a clear reason when it is not). */
export function hasDovecot(): boolean {
  return existsSync(DOVECOT);
}

/** A free TCP port on 127.0.0.1 (dovecot cannot listen on port 0 and tell us which one it got). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(0, "127.0.0.1", resolve).on("error", reject));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Resolves once the port answers with an IMAP greeting; rejects after `timeoutMs`. */
async function waitForGreeting(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`dovecot exited with code ${child.exitCode}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.setTimeout(1000, () => socket.destroy());
      socket.once("data", (data) => {
        socket.end("a LOGOUT\r\n");
        resolve(data.toString().startsWith("* OK"));
      });
      socket.once("error", () => resolve(false));
      socket.once("close", () => resolve(false));
    });
    if (greeted) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`dovecot did not answer on port ${port} within ${timeoutMs} ms`);
}

interface ServiceUsers {
  internalUser: string;
  internalGroup: string;
  loginUser: string;
  /** Owner of the mailbox files. */
  mailUid: number;
  mailGid: number;
}

/**
 * The users dovecot's own processes run as. Its login processes refuse to run as root, so under root (a container)
 * they take the accounts Debian's package creates; any other user runs everything as itself.
 */
async function serviceUsers(): Promise<ServiceUsers> {
  const me = userInfo();
  if (me.uid === 0) {
    // dovecot refuses uid 0 for mail too: the mailbox belongs to the "dovecot" account.
    const line = (await readFile("/etc/passwd", "utf8")).split("\n").find((l) => l.startsWith("dovecot:"));
    const [, , uid, gid] = line?.split(":") ?? [];
    if (!uid || !gid)
      throw new Error("running as root needs the dovecot user of Debian's dovecot-core package");
    return {
      internalUser: "dovecot",
      internalGroup: "dovecot",
      loginUser: "dovenull",
      mailUid: Number(uid),
      mailGid: Number(gid),
    };
  }
  const group = (await readFile("/etc/group", "utf8"))
    .split("\n")
    .find((line) => line.split(":")[2] === String(me.gid))
    ?.split(":")[0];
  return {
    internalUser: me.username,
    internalGroup: group ?? me.username,
    loginUser: me.username,
    mailUid: me.uid,
    mailGid: me.gid,
  };
}

function configOf(dir: string, port: number, users: ServiceUsers): string {
  return `# Written by channels/email/imap-fake.ts for one test run.
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
info_log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = ${users.internalUser}
default_internal_group = ${users.internalGroup}
default_login_user = ${users.loginUser}
first_valid_uid = ${users.mailUid}
mail_location = maildir:${dir}/mail/%u
namespace inbox {
  inbox = yes
  separator = /
}
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u ${dir}/users
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
service pop3-login {
  chroot =
}
`;
}

/** Starts dovecot on a free loopback port with one user (`citizen-inbox` / a random password). */
export async function startFakeImap(): Promise<FakeImap> {
  const dir = await mkdtemp(join(tmpdir(), "responsiva-imap-"));
  const me = userInfo();
  const users = await serviceUsers();
  // dovecot's auth process (another user under root) reads the users file and crosses the folder.
  await chmod(dir, 0o755);
  const user = "citizen-inbox";
  const password = randomBytes(9).toString("base64url");
  const home = join(dir, "mail", user);
  for (const sub of [
    "run",
    "state",
    join("mail", user, "cur"),
    join("mail", user, "new"),
    join("mail", user, "tmp"),
  ]) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  await writeFile(
    join(dir, "users"),
    `${user}:{PLAIN}${password}:${users.mailUid}:${users.mailGid}::${home}::\n`,
  );
  if (me.uid === 0) {
    for (const sub of ["", user, ...["cur", "new", "tmp"].map((d) => join(user, d))]) {
      await chown(join(dir, "mail", sub), users.mailUid, users.mailGid);
    }
  }

  let child: ChildProcess | undefined;
  let port = 0;
  // A port found free can be taken before dovecot binds it: try a few.
  for (let attempt = 0; attempt < 3 && !child; attempt++) {
    port = await freePort();
    await writeFile(join(dir, "dovecot.conf"), configOf(dir, port, users));
    const started = spawn(DOVECOT, ["-F", "-c", join(dir, "dovecot.conf")], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    started.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    try {
      await waitForGreeting(port, started, 10_000);
      child = started;
    } catch (error) {
      started.kill("SIGTERM");
      if (attempt === 2) {
        const log = await readFile(join(dir, "dovecot.log"), "utf8").catch(() => "");
        await rm(dir, { recursive: true, force: true });
        throw new Error(`dovecot did not start: ${(error as Error).message}\n${stderr}\n${log}`);
      }
    }
  }
  const running = child!;
  let serial = 0;

  return {
    host: "127.0.0.1",
    port,
    user,
    password,
    url: `imap://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/INBOX`,
    pid: running.pid!,
    async deliver(raw) {
      // Maildir delivery: write under tmp/, then rename into new/, so dovecot never sees half a file.
      const box = home;
      const name = `${Date.now()}.M${process.pid}P${++serial}.${hostname()}`;
      const bytes = typeof raw === "string" ? Buffer.from(raw.replace(/\r?\n/g, "\r\n")) : raw;
      await writeFile(join(box, "tmp", name), bytes);
      await rename(join(box, "tmp", name), join(box, "new", `${name},S=${bytes.length}`));
    },
    log: () => readFile(join(dir, "dovecot.log"), "utf8").catch(() => ""),
    async stop() {
      if (running.exitCode === null) {
        const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()));
        process.kill(running.pid!, "SIGTERM");
        const timer = setTimeout(
          () => running.exitCode === null && process.kill(running.pid!, "SIGKILL"),
          5000,
        );
        await exited;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
