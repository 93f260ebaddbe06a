/**
 * `npm run create-admin -- --email EMAIL [--name NAME] [--role admin|platform_operator] [--generate |
 * --password-stdin]`: creates the city's first administrator (or the install's platform operator, in the home tenant
 * only), or resets an account to one. On a terminal it asks for the password twice without echoing it; with no
 * terminal (or --generate) it generates a strong one and prints it once; --password-stdin reads one line from a pipe
 * (for secret managers). Weak passwords and the demo password are refused.
 */
import { z } from "zod";
import type { Config } from "../config.ts";
import type { Db } from "../db/index.ts";
import { generatePassword, passwordWeakness, setAdministrator } from "../staff/first-admin.ts";
import { currentTenant, DEFAULT_TENANT } from "../tenants/current.ts";

const USAGE =
  "Usage: npm run create-admin -- --email EMAIL [--name NAME] [--role admin|platform_operator]\n" +
  "  [--generate | --password-stdin]";

/** Who the command makes, as its messages name them. */
const TITLES = { admin: "administrator", platform_operator: "platform operator" } as const;

/** The exit codes of create-admin: sysexits' usage error and data error (a refused password). */
export const EXIT = { ok: 0, usage: 64, weakPassword: 65 } as const;

/** A command line checked and its password chosen: what create-admin writes once the database is open. */
export interface CreateAdminPlan {
  options: Options;
  password: string;
  generated: boolean;
  known: string[];
}

/**
 * Checks the command line and chooses the password (asked, read from the pipe or generated) before the database is
 * opened: a mistyped e-mail or a weak password is refused at once, with nothing opened or changed. Returns the plan,
 * or the exit code of a refusal.
 */
export async function planCreateAdmin(config: Config, args: string[]): Promise<CreateAdminPlan | number> {
  const options = parseArgs(args);
  if (typeof options === "string") {
    console.error(`${options}\n${USAGE}`);
    return EXIT.usage;
  }
  const known = [config.demoAdminPassword];
  let password: string;
  let generated = false;
  if (options.passwordStdin) {
    password = firstLine(await readAll(process.stdin));
  } else if (options.generate || !process.stdin.isTTY) {
    password = generatePassword();
    generated = true;
  } else {
    const asked = await askNewPassword(options.email, known);
    if (asked === undefined) return EXIT.weakPassword;
    password = asked;
  }
  const weakness = passwordWeakness(password, options.email, known);
  if (weakness) {
    console.error(`Refused: the password is ${weakness}. Nothing was changed.`);
    return EXIT.weakPassword;
  }
  return { options, password, generated, known };
}

/** Writes the planned administrator in the tenant the command runs as; returns the process exit code. */
export async function runCreateAdminCommand(db: Db, plan: CreateAdminPlan): Promise<number> {
  const { options, password, generated, known } = plan;
  // The operator works on the install from its home tenant: the database would refuse the role anywhere else.
  if (options.role === "platform_operator" && currentTenant() !== DEFAULT_TENANT) {
    console.error(`The platform operator belongs to the home tenant: leave out --tenant.\n${USAGE}`);
    return EXIT.usage;
  }
  const { created } = await setAdministrator(db, { ...options, password, known });
  const title = TITLES[options.role];
  console.log(`${created ? "Created" : "Reset"} the ${title} ${options.email.trim().toLowerCase()}.`);
  if (generated) {
    console.log(`Password (shown only this once; keep it in a password manager): ${password}`);
  }
  if (!created) console.log("Its sessions were ended; it signs in again with the new password.");
  return EXIT.ok;
}

interface Options {
  email: string;
  name: string | undefined;
  role: keyof typeof TITLES;
  generate: boolean;
  passwordStdin: boolean;
}

// The reasons a command line is refused, as the message shown above the usage line.
function parseArgs(args: string[]): Options | string {
  let email: string | undefined;
  let name: string | undefined;
  let role: string | undefined = "admin";
  let generate = false;
  let passwordStdin = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === "--email") email = value();
    else if (flag === "--name") name = value();
    else if (flag === "--role") role = value();
    else if (flag === "--generate") generate = true;
    else if (flag === "--password-stdin") passwordStdin = true;
    else return `Unknown argument: ${arg}`;
  }
  if (!email || !z.email().safeParse(email.trim()).success) return "--email needs an e-mail address.";
  if (generate && passwordStdin) return "Choose --generate or --password-stdin, not both.";
  if (role !== "admin" && role !== "platform_operator") return "--role is admin or platform_operator.";
  return { email, name, role, generate, passwordStdin };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/)[0] ?? "";
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

// Asks twice on the terminal; up to three tries. Undefined when every try was refused.
async function askNewPassword(email: string, known: readonly string[]): Promise<string | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const password = await askHidden("New password (at least 12 characters, not shown): ");
    if (password === undefined) break;
    const weakness = passwordWeakness(password, email, known);
    if (weakness) {
      console.error(`Refused: the password is ${weakness}.`);
      continue;
    }
    if ((await askHidden("Again: ")) === password) return password;
    console.error("The two passwords differ.");
  }
  console.error("Nothing was changed.");
  return undefined;
}

// Typed ahead of a prompt: what followed the end of the previous line in the same chunk.
let typedAhead = "";

// Reads one line from the terminal in raw mode, so nothing typed is echoed; Ctrl-C or Ctrl-D cancels (undefined).
function askHidden(prompt: string): Promise<string | undefined> {
  const input = process.stdin;
  // Echo goes off before the prompt shows, so nothing typed the moment it appears is echoed.
  input.setRawMode(true);
  process.stderr.write(prompt);
  input.setEncoding("utf8");
  return new Promise((resolve) => {
    let value = "";
    const finish = (result: string | undefined, rest: string) => {
      typedAhead = rest;
      input.off("data", onData);
      input.setRawMode(false);
      input.pause();
      process.stderr.write("\n");
      resolve(result);
    };
    const onData = (chunk: string) => {
      const chars = [...chunk];
      for (const [i, ch] of chars.entries()) {
        // A line ends at \r (a terminal in raw mode), \n or \r\n (typed ahead, or pasted).
        const rest = () => chars.slice(ch === "\r" && chars[i + 1] === "\n" ? i + 2 : i + 1).join("");
        if (ch === "\r" || ch === "\n") return finish(value, rest());
        if (ch === "\u0003" || ch === "\u0004") return finish(undefined, rest());
        if (ch === "\u007f" || ch === "\b") value = [...value].slice(0, -1).join("");
        else if (ch >= " ") value += ch;
      }
    };
    input.on("data", onData);
    input.resume();
    if (typedAhead) onData(typedAhead);
  });
}
