/**
 * The environment, parsed once at start-up. Every problem is listed together and the process exits, so an operator
 * fixes a bad deployment in one go.
 */
import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";

/** The process roles one codebase can play; all three run in one process by default. */
export const ROLES = ["web", "worker", "scheduler"] as const;
export type Role = (typeof ROLES)[number];

const Env = z.object({
  /** PostgreSQL server URL; unset means the embedded PGlite database in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Folder for the embedded database and uploaded attachments. */
  DATA_DIR: z.string().default("data"),
  /** HTTP port of the web role. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address to listen on. */
  HOST: z.string().default("127.0.0.1"),
  /** Connections per process to the PostgreSQL server. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Largest attachment accepted, in bytes. */
  MAX_ATTACHMENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** Seed the demo city on first start when the catalogue is empty. */
  SEED_DEMO: z.enum(["auto", "never"]).default("auto"),
  /**
   * Also create the demo staff accounts (public password) with the demo city: "true" or "false"; unset: true on the
   * embedded database only, never on a PostgreSQL server at DATABASE_URL (docs/operations.md).
   */
  SEED_DEMO_ACCOUNTS: z.enum(["true", "false"]).optional(),
  /** Where the real open data lives (the demo city is loaded from it). */
  SHARED_DATA_DIR: z.string().default("../shared/data"),
  /** Password of the demo administrator created with the demo city. */
  DEMO_ADMIN_PASSWORD: z.string().min(12).default("responsiva-admin"),
  /** SMTP relay for e-mails to citizens (nodemailer URL, e.g. smtp://user:pass@host:587); unset writes .eml files. */
  SMTP_URL: z.string().url().optional(),
  /** From header of e-mails to citizens. */
  MAIL_FROM: z.string().min(3).default("Responsiva <nao-responda@responsiva.localhost>"),
  /** Public base URL of this site, for links in messages to citizens. */
  PUBLIC_URL: z.string().url().default("http://localhost:3000"),
  /** Requests a minute one address may make to the public APIs (Open311, open data) without an API key. */
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  /** The jurisdiction_id Open311 clients must send when they send one (e.g. "prefeitura.sp.gov.br"); unset: any. */
  OPEN311_JURISDICTION_ID: z.string().min(1).max(200).optional(),
  /** Shared secret (whsec_…) the PBX signs telephony events with (docs/telephony.md); unset refuses them. */
  TELEPHONY_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Area code (DDD) given to local caller numbers a PBX sends without one (8 or 9 digits). */
  TELEPHONY_AREA_CODE: z
    .string()
    .regex(/^[1-9]\d$/)
    .optional(),
  /** Twilio account auth token, which signs Twilio's voice requests; unset refuses them. */
  TWILIO_AUTH_TOKEN: z.string().min(8).optional(),
  /** Twilio queue an answered call waits in for an agent (TwiML <Enqueue>). */
  TWILIO_QUEUE: z.string().min(1).max(64).default("atendimento"),
  /** A number or sip: address to dial instead of the queue (TwiML <Dial>). */
  TWILIO_DIAL: z.string().min(3).max(200).optional(),
  /** Map tile URL template for the screens' maps (e.g. https://tile.example.org/{z}/{x}/{y}.png); unset: none. */
  MAP_TILE_URL: z
    .string()
    .regex(/^https:\/\/[^\s]+\{z\}[^\s]*$/, "an https URL template with {z}, {x} and {y}")
    .optional(),
  /** Log level of the HTTP server. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Proxies whose X-Forwarded-For/-Proto/-Host are believed: a comma list of addresses and CIDRs (or "loopback",
   * "linklocal", "uniquelocal"), or a hop count; unset: none (the peer address is the client's).
   */
  TRUST_PROXY: z
    .string()
    .trim()
    .refine(
      isTrustProxy,
      "a comma list of addresses/CIDRs (or loopback, linklocal, uniquelocal), or a hop count",
    )
    .optional(),
  /** Seconds a client has to send a request's headers. */
  HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(20),
  /** Seconds a client has to send a whole request, body included (a 10 MB photo at 300 kbit/s takes ~270 s). */
  REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
  /** Seconds a request's headers or body may stall (no byte arriving) before the connection is dropped. */
  REQUEST_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
});

export interface Config {
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  poolSize: number;
  maxAttachmentBytes: number;
  seedDemo: "auto" | "never";
  /** Whether the demo city comes with its staff accounts (known password): the embedded demo, or asked for. */
  seedDemoAccounts: boolean;
  sharedDataDir: string;
  demoAdminPassword: string;
  logLevel: string;
  /** Fastify's trustProxy: false (none), a hop count, or the trusted proxies' addresses and CIDRs. */
  trustProxy: false | number | string[];
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  requestIdleTimeoutMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  publicUrl: string;
  anonymousRateLimitPerMinute: number;
  open311JurisdictionId: string | undefined;
  /** Tile URL template of the screens' maps; undefined draws the city's own street tiles (no internet needed). */
  mapTileUrl?: string | undefined;
  telephonyWebhookSecret: string | undefined;
  telephonyAreaCode: string | undefined;
  twilioAuthToken: string | undefined;
  twilioQueue: string;
  twilioDial: string | undefined;
}

/** Parses the environment into a Config, or returns the list of problems. */
export function parseConfig(env: NodeJS.ProcessEnv): { config: Config } | { problems: string[] } {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  }
  const e = parsed.data;
  return {
    config: {
      databaseUrl: e.DATABASE_URL,
      dataDir: resolve(e.DATA_DIR),
      port: e.PORT,
      host: e.HOST,
      poolSize: e.DATABASE_POOL_SIZE,
      maxAttachmentBytes: e.MAX_ATTACHMENT_BYTES,
      seedDemo: e.SEED_DEMO,
      seedDemoAccounts: e.SEED_DEMO_ACCOUNTS ? e.SEED_DEMO_ACCOUNTS === "true" : e.DATABASE_URL === undefined,
      sharedDataDir: resolve(e.SHARED_DATA_DIR),
      demoAdminPassword: e.DEMO_ADMIN_PASSWORD,
      logLevel: e.LOG_LEVEL,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      headersTimeoutMs: e.HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
      requestIdleTimeoutMs: e.REQUEST_IDLE_TIMEOUT_SECONDS * 1000,
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      publicUrl: e.PUBLIC_URL.replace(/\/+$/, ""),
      anonymousRateLimitPerMinute: e.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
      open311JurisdictionId: e.OPEN311_JURISDICTION_ID,
      mapTileUrl: e.MAP_TILE_URL,
      telephonyWebhookSecret: e.TELEPHONY_WEBHOOK_SECRET,
      telephonyAreaCode: e.TELEPHONY_AREA_CODE,
      twilioAuthToken: e.TWILIO_AUTH_TOKEN,
      twilioQueue: e.TWILIO_QUEUE,
      twilioDial: e.TWILIO_DIAL,
    },
  };
}

const PROXY_RANGES = new Set(["loopback", "linklocal", "uniquelocal"]);

function isTrustProxy(value: string): boolean {
  if (value === "" || /^\d+$/.test(value)) return true;
  return value.split(",").every((entry) => {
    const [address = "", bits, ...rest] = entry.trim().split("/");
    if (PROXY_RANGES.has(address) && bits === undefined) return true;
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (bits === undefined) return true;
    return /^\d+$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
  });
}

/** TRUST_PROXY as Fastify's trustProxy: unset, empty or 0 trusts nobody; digits are hops; else the list. */
export function parseTrustProxy(value: string | undefined): false | number | string[] {
  if (!value || value === "0") return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(",").map((entry) => entry.trim());
}

/** Reads the process environment, or prints every problem and exits. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = parseConfig(env);
  if ("problems" in result) {
    console.error(`Configuration problems:\n${result.problems.map((p) => `  - ${p}`).join("\n")}`);
    process.exit(78); // EX_CONFIG
  }
  return result.config;
}
