/**
 * A real Kannel (Debian's `bearerbox` and `smsbox`) on loopback for the tests, bound to a fake SMS centre: writes a
 * configuration like the one docs/channels.md gives a city into a temporary folder, starts both boxes, waits until
 * the SMSC link is bound and sendsms answers, and stops them by their PIDs. Skips (with the reason) when Kannel is
 * not installed; `.ci/run` installs it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FakeSmsc } from "../channels/kannel/fake.ts";

/** Whether Debian's Kannel is installed here. */
export const hasKannel = existsSync("/usr/sbin/bearerbox") && existsSync("/usr/sbin/smsbox");

/** A running Kannel. */
export interface TestKannel {
  /** smsbox's sendsms interface, for KANNEL_SENDSMS_URL. */
  sendsmsUrl: string;
  username: string;
  password: string;
  /** The folder holding the configuration and the logs. */
  dir: string;
  /** bearerbox's and smsbox's logs, for a failing test's message. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const quote = (value: string | number) => `"${String(value).replace(/["\\]/g, "")}"`;

/** Starts bearerbox and smsbox against `smsc`, delivering citizens' messages to `moUrl` (a get-url pattern). */
export async function startKannel(options: {
  smsc: FakeSmsc;
  moUrl: string;
  maxMessages?: number;
}): Promise<TestKannel> {
  const dir = await mkdtemp(join(tmpdir(), "kannel-"));
  const [adminPort, boxPort, sendsmsPort] = [await freePort(), await freePort(), await freePort()];
  const username = "responsiva";
  const password = "sendsms-test-pw";
  const config = [
    "group = core",
    `admin-port = ${adminPort}`,
    "admin-interface = 127.0.0.1",
    `admin-password = ${quote("admin-test-pw")}`,
    'admin-allow-ip = "127.0.0.1"',
    `smsbox-port = ${boxPort}`,
    'box-deny-ip = "*.*.*.*"',
    'box-allow-ip = "127.0.0.1"',
    `log-file = ${quote(join(dir, "bearerbox.log"))}`,
    "log-level = 1",
    `store-location = ${quote(join(dir, "store"))}`,
    "dlr-storage = internal",
    "",
    "group = smsc",
    "smsc = smpp",
    "smsc-id = fake",
    "host = 127.0.0.1",
    `port = ${options.smsc.port}`,
    "transceiver-mode = true",
    `smsc-username = ${quote(options.smsc.systemId)}`,
    `smsc-password = ${quote(options.smsc.password)}`,
    "system-type = VMA",
    "interface-version = 34",
    "enquire-link-interval = 30",
    "reconnect-delay = 1",
    "",
    "group = smsbox",
    "bearerbox-host = 127.0.0.1",
    `bearerbox-port = ${boxPort}`,
    `sendsms-port = ${sendsmsPort}`,
    "sendsms-interface = 127.0.0.1",
    "mo-recode = true",
    `log-file = ${quote(join(dir, "smsbox.log"))}`,
    "log-level = 1",
    "",
    "group = sendsms-user",
    `username = ${quote(username)}`,
    `password = ${quote(password)}`,
    `max-messages = ${options.maxMessages ?? 6}`,
    "concatenation = true",
    "",
    "group = sms-service",
    "keyword = default",
    "catch-all = true",
    `get-url = ${quote(options.moUrl)}`,
    "max-messages = 0",
    "omit-empty = true",
    "",
  ].join("\n");
  const file = join(dir, "kannel.conf");
  await writeFile(file, config);
  const children: ChildProcess[] = [];
  const start = (binary: string) => {
    const child = spawn(binary, [file], { stdio: ["ignore", "ignore", "ignore"] });
    children.push(child);
    return child;
  };
  const logs = async () => {
    const read = (name: string) => readFile(join(dir, name), "utf8").catch(() => "");
    return `--- bearerbox\n${(await read("bearerbox.log")).slice(-4000)}\n--- smsbox\n${(await read("smsbox.log")).slice(-4000)}`;
  };
  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(timer);
      }
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    start("/usr/sbin/bearerbox");
    await options.smsc.bound(20_000);
    start("/usr/sbin/smsbox");
    const sendsmsUrl = `http://127.0.0.1:${sendsmsPort}/cgi-bin/sendsms`;
    const deadline = Date.now() + 20_000;
    for (;;) {
      // smsbox answers its sendsms port once it is connected to the bearerbox: a request without a login is 403.
      const answered = await fetch(sendsmsUrl).then(
        (r) => r.status,
        () => 0,
      );
      if (answered !== 0) break;
      if (Date.now() > deadline) throw new Error(`smsbox did not start\n${await logs()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return { sendsmsUrl, username, password, dir, logs, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
