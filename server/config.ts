/**
 * The environment, parsed once at start-up. Every problem is listed together and the process exits, so an operator
 * fixes a bad deployment in one go.
 */

import { isIP } from "node:net";
import { resolve } from "node:path";
import { z } from "zod";
import { MESSAGING_ENV, type MessagingSettings, messagingSettings } from "./config-messaging.ts";
import { SIGN_IN_ENV, type SignInSettings, signInSettings } from "./config-sign-in.ts";
import { SIP_ENV, type SipSettings, sipSettings } from "./config-sip.ts";

/** The process roles one codebase can play; all three run in one process by default. */
export const ROLES = ["web", "worker", "scheduler"] as const;
export type Role = (typeof ROLES)[number];

/** This project's public repository: the source of an unmodified Responsiva. */
export const DEFAULT_SOURCE_URL = "https://github.com/responsiva-civic/responsiva";

const Env = z.object({
  ...MESSAGING_ENV,
  ...SIGN_IN_ENV,
  ...SIP_ENV,
  /** PostgreSQL server URL; unset means the embedded PGlite database in DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /**
   * A streaming replica of DATABASE_URL's server: panels, indicators, maps and exports read there (never writes).
   * Needs DATABASE_URL; unset means every read goes to the primary.
   */
  READ_DATABASE_URL: z.string().url().optional(),
  /** Replica lag above which reads go back to the primary (seconds); the screens show the lag either way. */
  READ_REPLICA_MAX_LAG_SECONDS: z.coerce.number().min(0).max(3600).default(30),
  /** Folder for the embedded database and uploaded attachments. */
  DATA_DIR: z.string().default("data"),
  /** HTTP port of the web role. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Address to listen on. */
  HOST: z.string().default("127.0.0.1"),
  /** Connections per process to the PostgreSQL server. */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Outbox jobs a worker process runs at once (kept at least 2 below DATABASE_POOL_SIZE on PostgreSQL). */
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /**
   * Seconds a worker's claim on an outbox row lasts without renewal (renewed three times per lease): how long the
   * rows of a killed worker wait before another takes them. Tests shorten it; production keeps 30 (decision 0023).
   */
  WORKER_LEASE_SECONDS: z.coerce.number().int().min(2).max(3600).default(30),
  /**
   * Tablets' sync batches one app process stores at once while the tablet waits; more at the same moment are kept
   * as sent (202) and stored by a worker (server/field/queue.ts). 0 keeps every batch for a worker.
   */
  FIELD_SYNC_AT_ONCE: z.coerce.number().int().min(0).max(64).default(2),
  /**
   * Seconds a block score refresh waits after the first sync that marks its blocks, gathering the marks of the syncs
   * that follow (server/block-scores/stale.ts). 0 refreshes at once.
   */
  SCORE_REFRESH_DELAY_SECONDS: z.coerce.number().int().min(0).max(3600).default(5),
  /** Largest attachment accepted, in bytes. */
  MAX_ATTACHMENT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** Where attachments are kept: "local" (DATA_DIR/attachments) or "s3" (an S3-compatible bucket, S3_* below). */
  ATTACHMENTS_STORE: z.enum(["local", "s3"]).default("local"),
  /** S3-compatible endpoint (e.g. https://s3.sa-east-1.amazonaws.com, http://minio:9000); needed with s3. */
  S3_ENDPOINT: z.string().url().optional(),
  /** Bucket of the attachments; needed with s3. */
  S3_BUCKET: z.string().min(3).max(63).optional(),
  /** Region the requests are signed for. */
  S3_REGION: z.string().min(1).default("us-east-1"),
  /** Access key id of the bucket's credentials; needed with s3. */
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  /** Secret access key of the bucket's credentials; needed with s3. */
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  /** Address the bucket as ENDPOINT/BUCKET/key ("true", MinIO and most self-hosted stores) or BUCKET.ENDPOINT/key. */
  S3_FORCE_PATH_STYLE: z.enum(["true", "false"]).default("true"),
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
  /**
   * The city's caller id for the calls it places to citizen auditors (E.164, +55…), through the Twilio account of
   * TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN at TWILIO_API_URL; unset places no call (docs/auditors.md).
   */
  TWILIO_VOICE_FROM: z
    .string()
    .regex(/^\+[1-9]\d{7,14}$/)
    .optional(),
  /**
   * Days a call's recording is kept; 0 (the default) records no call. Where it is on, the calls to citizen auditors
   * are recorded, with the legal notice read first (docs/auditors.md "Recordings").
   */
  CALL_RECORDING_DAYS: z.coerce.number().int().min(0).max(3650).default(0),
  /** Days an auditor's spoken answer (a text or audio question on a call) is kept for review and as evidence. */
  VOICE_ANSWER_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** How many calls to citizen auditors the line carries at once (the worker waits for a free one). */
  AUDITOR_CALLS_CONCURRENT: z.coerce.number().int().min(1).max(1000).default(10),
  /** A number or sip: address to dial instead of the queue (TwiML <Dial>). */
  TWILIO_DIAL: z.string().min(3).max(200).optional(),
  /** Map tile URL template for the screens' maps (e.g. https://tile.example.org/{z}/{x}/{y}.png); unset: none. */
  MAP_TILE_URL: z
    .string()
    .regex(/^https:\/\/[^\s]+\{z\}[^\s]*$/, "an https URL template with {z}, {x} and {y}")
    .optional(),
  /** Where the source of this running version is published (AGPL-3.0, decision 0032): a modified version's own. */
  SOURCE_URL: z.string().url().default(DEFAULT_SOURCE_URL),
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
  /** Bearer token that opens GET /metrics on the HTTP port; unset (and no METRICS_PORT): /metrics answers 404. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Port of a separate metrics listener (any role) serving /metrics without a token; unset: none. */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** Address the metrics listener binds to (keep it private). */
  METRICS_HOST: z.string().default("127.0.0.1"),
  /** Roles whose recent heartbeat /health/ready requires (comma list); unset: the roles of this process. */
  EXPECTED_ROLES: z
    .string()
    .regex(/^(web|worker|scheduler)(,(web|worker|scheduler))*$/, "a comma list of web, worker, scheduler")
    .optional(),
  /** Milliseconds a SIGTERM'd process has to finish its work before it exits non-zero anyway. */
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
});

export interface Config {
  databaseUrl: string | undefined;
  /** The read replica's URL (READ_DATABASE_URL), only with a PostgreSQL server. */
  readDatabaseUrl: string | undefined;
  readReplicaMaxLagSeconds: number;
  dataDir: string;
  port: number;
  host: string;
  poolSize: number;
  /** Outbox jobs a worker runs at once (the runner bounds it by the pool: server/jobs/runner.ts). */
  workerConcurrency: number;
  /** Seconds a worker's claim on an outbox row lasts without renewal (server/jobs/leases.ts). */
  workerLeaseSeconds: number;
  /** Sync batches stored at once while the tablet waits (server/field/queue.ts); more are queued for a worker. */
  fieldSyncAtOnce: number;
  /** Seconds a block score refresh gathers later syncs' marks before it runs (server/block-scores/stale.ts). */
  scoreRefreshDelaySeconds: number;
  maxAttachmentBytes: number;
  /** The S3-compatible bucket attachments are kept in; undefined keeps them in DATA_DIR/attachments. */
  s3?: S3Settings | undefined;
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
  metricsToken: string | undefined;
  metricsPort: number | undefined;
  metricsHost: string;
  /** Roles /health/ready requires a recent heartbeat of; undefined: the roles of this process. */
  expectedRoles: Role[] | undefined;
  shutdownTimeoutMs: number;
  smtpUrl: string | undefined;
  mailFrom: string;
  publicUrl: string;
  anonymousRateLimitPerMinute: number;
  open311JurisdictionId: string | undefined;
  /** Tile URL template of the screens' maps; undefined draws the city's own street tiles (no internet needed). */
  mapTileUrl?: string | undefined;
  /** Where /codigo-fonte sends readers: the source of the version that runs (AGPL-3.0 section 13). */
  sourceUrl: string;
  telephonyWebhookSecret: string | undefined;
  telephonyAreaCode: string | undefined;
  twilioAuthToken: string | undefined;
  twilioQueue: string;
  twilioDial: string | undefined;
  /** The account and caller id of the calls to citizen auditors; undefined when TWILIO_VOICE_FROM is unset. */
  auditorCalls:
    | { apiUrl: string; accountSid: string; authToken: string; from: string; concurrent: number }
    | undefined;
  /** The Twilio-style account the recordings are fetched from (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN at TWILIO_API_URL). */
  twilioAccount?: { apiUrl: string; accountSid: string; authToken: string } | undefined;
  /** Days a call's recording is kept; 0 records none. */
  callRecordingDays: number;
  /** Days an auditor's spoken answer is kept (server/auditors/voice-answers.ts). */
  voiceAnswerDays: number;
  /** The SIP gateway's settings (server/config-sip.ts); undefined when SIP_LISTEN is unset. */
  sip?: SipSettings | undefined;
  /** The written channels' providers that are configured (server/config-messaging.ts). */
  messaging: MessagingSettings;
  /** The OpenID providers people sign in through (server/config-sign-in.ts), read through server/access/oidc.ts. */
  signIn: SignInSettings;
}

/** An S3-compatible bucket and the credentials to sign its requests with (ATTACHMENTS_STORE=s3). */
export interface S3Settings {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

function s3Settings(e: z.infer<typeof Env>): { s3?: S3Settings } | { problems: string[] } {
  if (e.ATTACHMENTS_STORE !== "s3") return {};
  const { S3_ENDPOINT: endpoint, S3_BUCKET: bucket, S3_ACCESS_KEY_ID: id, S3_SECRET_ACCESS_KEY: secret } = e;
  if (!endpoint || !bucket || !id || !secret) {
    const needed = ["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const;
    return {
      problems: needed.filter((name) => !e[name]).map((name) => `${name}: needed with ATTACHMENTS_STORE=s3`),
    };
  }
  const forcePathStyle = e.S3_FORCE_PATH_STYLE === "true";
  return {
    s3: { endpoint, bucket, region: e.S3_REGION, accessKeyId: id, secretAccessKey: secret, forcePathStyle },
  };
}

/** Parses the environment into a Config, or returns the list of problems. */
export function parseConfig(env: NodeJS.ProcessEnv): { config: Config } | { problems: string[] } {
  // An empty DATABASE_URL (`DATABASE_URL= npm test`, a blank line in an env file) means the embedded database.
  const parsed = Env.safeParse({
    ...env,
    DATABASE_URL: env.DATABASE_URL || undefined,
    READ_DATABASE_URL: env.READ_DATABASE_URL || undefined,
  });
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`) };
  }
  const e = parsed.data;
  if (e.READ_DATABASE_URL && !e.DATABASE_URL) {
    return {
      problems: ["READ_DATABASE_URL: a read replica needs DATABASE_URL (the embedded database has none)"],
    };
  }
  const store = s3Settings(e);
  if ("problems" in store) return store;
  const channels = messagingSettings(e);
  if ("problems" in channels) return channels;
  const providers = signInSettings(e);
  if ("problems" in providers) return providers;
  const gateway = sipSettings(e);
  if ("problems" in gateway) return gateway;
  if (e.TWILIO_VOICE_FROM && !(e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN)) {
    return { problems: ["TWILIO_VOICE_FROM: calls need TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN"] };
  }
  return {
    config: {
      databaseUrl: e.DATABASE_URL,
      readDatabaseUrl: e.READ_DATABASE_URL,
      readReplicaMaxLagSeconds: e.READ_REPLICA_MAX_LAG_SECONDS,
      dataDir: resolve(e.DATA_DIR),
      port: e.PORT,
      host: e.HOST,
      poolSize: e.DATABASE_POOL_SIZE,
      workerConcurrency: e.WORKER_CONCURRENCY,
      workerLeaseSeconds: e.WORKER_LEASE_SECONDS,
      fieldSyncAtOnce: e.FIELD_SYNC_AT_ONCE,
      scoreRefreshDelaySeconds: e.SCORE_REFRESH_DELAY_SECONDS,
      maxAttachmentBytes: e.MAX_ATTACHMENT_BYTES,
      s3: store.s3,
      seedDemo: e.SEED_DEMO,
      seedDemoAccounts: e.SEED_DEMO_ACCOUNTS ? e.SEED_DEMO_ACCOUNTS === "true" : e.DATABASE_URL === undefined,
      sharedDataDir: resolve(e.SHARED_DATA_DIR),
      demoAdminPassword: e.DEMO_ADMIN_PASSWORD,
      logLevel: e.LOG_LEVEL,
      trustProxy: parseTrustProxy(e.TRUST_PROXY),
      headersTimeoutMs: e.HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: e.REQUEST_TIMEOUT_SECONDS * 1000,
      requestIdleTimeoutMs: e.REQUEST_IDLE_TIMEOUT_SECONDS * 1000,
      metricsToken: e.METRICS_TOKEN,
      metricsPort: e.METRICS_PORT,
      metricsHost: e.METRICS_HOST,
      expectedRoles: e.EXPECTED_ROLES ? [...new Set(e.EXPECTED_ROLES.split(",") as Role[])] : undefined,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      smtpUrl: e.SMTP_URL,
      mailFrom: e.MAIL_FROM,
      publicUrl: e.PUBLIC_URL.replace(/\/+$/, ""),
      anonymousRateLimitPerMinute: e.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
      open311JurisdictionId: e.OPEN311_JURISDICTION_ID,
      mapTileUrl: e.MAP_TILE_URL,
      sourceUrl: e.SOURCE_URL,
      telephonyWebhookSecret: e.TELEPHONY_WEBHOOK_SECRET,
      telephonyAreaCode: e.TELEPHONY_AREA_CODE,
      twilioAuthToken: e.TWILIO_AUTH_TOKEN,
      twilioQueue: e.TWILIO_QUEUE,
      twilioDial: e.TWILIO_DIAL,
      auditorCalls:
        e.TWILIO_VOICE_FROM && e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN
          ? {
              apiUrl: e.TWILIO_API_URL,
              accountSid: e.TWILIO_ACCOUNT_SID,
              authToken: e.TWILIO_AUTH_TOKEN,
              from: e.TWILIO_VOICE_FROM,
              concurrent: e.AUDITOR_CALLS_CONCURRENT,
            }
          : undefined,
      twilioAccount:
        e.TWILIO_ACCOUNT_SID && e.TWILIO_AUTH_TOKEN
          ? { apiUrl: e.TWILIO_API_URL, accountSid: e.TWILIO_ACCOUNT_SID, authToken: e.TWILIO_AUTH_TOKEN }
          : undefined,
      callRecordingDays: e.CALL_RECORDING_DAYS,
      voiceAnswerDays: e.VOICE_ANSWER_DAYS,
      sip: gateway.sip,
      messaging: channels.messaging,
      signIn: providers.signIn,
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
