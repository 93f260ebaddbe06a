/**
 * Factories for tests over the in-process app: a demand filed through the API (with its citizen, placed so that no
 * two are duplicates unless a test asks), staff of a role, the outbox run until empty, and the reads most tests
 * check against. Each builds its own parents; a test file binds them to its app once with `factoriesFor`.
 */
import assert from "node:assert/strict";
import { after } from "node:test";
import type { FastifyInstance } from "fastify";
import { startFakeSmtp } from "../channels/email/fake.ts";
import type { StaffRole } from "../server/access/principal.ts";
import type { Config } from "../server/config.ts";
import type { AppContext } from "../server/context.ts";
import { type Db, one } from "../server/db/index.ts";
import { JOBS } from "../server/jobs/registry.ts";
import { type Job, runOnce } from "../server/jobs/runner.ts";
import { closeChannelsOf } from "../server/notifications/jobs.ts";
import { staffHeaders, testApp } from "./helpers.ts";

/** The app and context a test file runs against (testApp). */
export interface World {
  app: FastifyInstance;
  ctx: AppContext;
}

/** Praça da Sé, in the district of SÉ: the corner the demands' grid starts from. */
export const SE = { lat: -23.5503, lon: -46.634 };

/** A public answer that says what was done (the non-answer rule accepts it). */
export const ANSWER =
  "A equipe de conservação tapou o buraco com asfalto frio em 12/03 e sinalizou o local até a cura completa.";

/** Runs the outbox until nothing is due: every registered job, or the ones a test names. */
export async function drain(ctx: AppContext, jobs: readonly Job[] = JOBS): Promise<void> {
  while ((await runOnce(ctx, jobs)) > 0) {}
}

/** An active service without attributes that needs a place and goes straight to the department the matrix names. */
export async function findPlainService(db: Db): Promise<string> {
  const row = await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND attributes = '[]'::jsonb AND location_required AND auto_dispatch
      ORDER BY code LIMIT 1`,
  );
  return row.code;
}

/** What a demand is filed with; everything has a default. */
export interface DemandOverrides {
  service?: string;
  description?: string;
  /** Default: a point on a grid 400 m apart west and south of the Sé, one per demand of the file. */
  at?: { lat: number; lon: number };
  /** The address as typed. */
  address?: string;
  /** Default: identified when an e-mail or a phone is given, anonymous otherwise. */
  identity?: "identified" | "confidential" | "anonymous";
  /** Default for an identified citizen: a new address, unless a phone is given (then the citizen has none). */
  email?: string;
  phone?: string;
  /** The citizen's CPF. */
  document?: string;
  name?: string;
  /** The citizen's language (pt-BR unless given). */
  locale?: string;
  /** The privacy-policy version the citizen agreed to (the portal's declaration); none by default. */
  consent?: { policyVersion: string };
  /** The channel (a staff member taking a phone demand says "phone"); the API's default otherwise. */
  channel?: string;
  /** Headers of the request: a staff member's authorization, a citizen's cookie, an X-Request-Id. */
  headers?: Record<string, string>;
  /** Sends the portal's multipart form (the demand field and these PNG photos, maybe none) instead of JSON. */
  photos?: { name: string; content: Buffer }[];
}

/** A filed demand: its keys, its row id and the department the matrix gave it (null when none). */
export interface FiledDemand {
  id: number;
  protocol: string;
  secret: string;
  department_id: number;
  /** The department's code. */
  department: string;
  /** The citizen behind it (null when anonymous). */
  citizen_id: number | null;
}

let serial = 0;

/**
 * The JSON body of a demand filed with `overrides` (each call a new grid point and e-mail), for a test that sends it
 * itself (to another process over HTTP); `fileDemand` sends it to the test's app.
 */
export function demandBody(service: string, overrides: Omit<DemandOverrides, "service"> = {}) {
  serial++;
  const identity = overrides.identity ?? (overrides.email || overrides.phone ? "identified" : "anonymous");
  const email = overrides.email ?? (overrides.phone ? undefined : `cidadao${serial}@example.org`);
  return {
    service,
    description: overrides.description ?? `Buraco grande na pista em frente ao número ${serial}`,
    // 400 m apart, so no demand is a duplicate of another unless a test places it so.
    location: overrides.at ?? {
      lat: SE.lat - (serial % 8) * 0.004,
      lon: SE.lon - Math.floor(serial / 8) * 0.004,
    },
    ...(overrides.address !== undefined ? { address: overrides.address } : {}),
    ...(overrides.channel !== undefined ? { channel: overrides.channel } : {}),
    identity,
    ...(identity === "anonymous"
      ? {}
      : {
          citizen: {
            name: overrides.name ?? "Maria da Silva",
            ...(email !== undefined ? { email } : {}),
            ...(overrides.phone !== undefined ? { phone: overrides.phone } : {}),
            ...(overrides.document !== undefined ? { document: overrides.document } : {}),
            ...(overrides.locale ? { locale: overrides.locale } : {}),
            ...(overrides.consent ? { consent: overrides.consent } : {}),
          },
        }),
  };
}

/** One file of a multipart body. */
export interface FormFile {
  name: string;
  content: Buffer;
  /** The form field: the portal's `photos` unless given (`attachments`, `documents`, the evidence's `files`). */
  field?: string;
  /** The type the part declares, image/png unless given: the server judges the content, so a test may lie here. */
  type?: string;
}

/**
 * A well-formed multipart/form-data body as the portal and the console send it: the `demand` JSON field (none when
 * `demand` is undefined, as on the evidence upload) and the files. Spreads into `app.inject` as payload and headers.
 */
export function multipartBody(demand: unknown, files: readonly FormFile[] = []) {
  return multipartForm(demand === undefined ? {} : { demand: JSON.stringify(demand) }, files);
}

/** A multipart/form-data body of text fields and files (an agent's reply: `text` and `attachments`). */
export function multipartForm(fields: Record<string, string>, files: readonly FormFile[] = []) {
  const boundary = `----factory${serial}x${process.pid}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  for (const file of files) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${file.field ?? "photos"}"; filename="${file.name}"\r\ncontent-type: ${file.type ?? "image/png"}\r\n\r\n`,
      ),
      file.content,
      Buffer.from("\r\n"),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
  };
}

/** Files a demand through the public API (201 asserted) and reads back its row. */
export async function fileDemand(world: World, overrides: DemandOverrides = {}): Promise<FiledDemand> {
  const body = demandBody(overrides.service ?? (await findPlainService(world.ctx.db)), overrides);
  const form = overrides.photos ? multipartBody(body, overrides.photos) : undefined;
  const res = await world.app.inject({
    method: "POST",
    url: "/api/v1/demands",
    headers: { ...overrides.headers, ...form?.headers },
    payload: form ? form.payload : body,
  });
  assert.equal(res.statusCode, 201, res.body);
  const { protocol, secret } = res.json() as { protocol: string; secret: string };
  const row = await one<{ id: number; department_id: number; department: string; citizen_id: number | null }>(
    world.ctx.db,
    `SELECT d.id, d.department_id, dep.code AS department, d.citizen_id
       FROM demands d LEFT JOIN departments dep ON dep.id = d.department_id WHERE d.protocol = $1`,
    [protocol],
  );
  return { protocol, secret, ...row };
}

/** A signed-in staff member of `role` (in the department `departmentCode`): its headers and id. */
export function makeStaff(db: Db, role: StaffRole, departmentCode?: string) {
  return staffHeaders(db, role, departmentCode);
}

/** A demand's status now. */
export async function statusOf(db: Db, demandId: number): Promise<string> {
  return (await one<{ status: string }>(db, "SELECT status FROM demands WHERE id = $1", [demandId])).status;
}

/** The demand's open work order. */
export function openOrder(db: Db, demandId: number) {
  return one<{ id: number; state: string; department_id: number }>(
    db,
    `SELECT id, state, department_id FROM work_orders WHERE demand_id = $1
      AND state IN ('dispatched', 'accepted', 'in_progress', 'waiting_citizen')`,
    [demandId],
  );
}

/** A department's code by id. */
export async function departmentCodeOf(db: Db, departmentId: number): Promise<string> {
  return (await one<{ code: string }>(db, "SELECT code FROM departments WHERE id = $1", [departmentId])).code;
}

/** POSTs as someone (their headers, or `{}` for the public) with an optional JSON body. */
export function postAs(app: FastifyInstance, url: string, who: { authorization?: string }, payload?: object) {
  return app.inject({
    method: "POST",
    url,
    headers: who.authorization ? { authorization: who.authorization } : {},
    ...(payload ? { payload } : {}),
  });
}

/** The department answers the demand's open work order with `answer` (which closes it), as its staff would. */
export async function answerByDepartment(world: World, demandId: number, answer = ANSWER): Promise<void> {
  const order = await openOrder(world.ctx.db, demandId);
  const staff = await makeStaff(
    world.ctx.db,
    "department_staff",
    await departmentCodeOf(world.ctx.db, order.department_id),
  );
  const answered = await postAs(world.app, `/api/v1/work-orders/${order.id}/answer`, staff, { answer });
  if (answered.statusCode !== 200)
    throw new Error(`answering ${demandId}: ${answered.statusCode} ${answered.body}`);
}

/** The factories bound to one test file's app, so its tests read `await fileDemand({ email })`. */
export function factoriesFor(world: World, jobs: readonly Job[] = JOBS) {
  const db = world.ctx.db;
  return {
    drain: () => drain(world.ctx, jobs),
    fileDemand: (overrides: DemandOverrides = {}) => fileDemand(world, overrides),
    makeStaff: (role: StaffRole, departmentCode?: string) => makeStaff(db, role, departmentCode),
    statusOf: (demandId: number) => statusOf(db, demandId),
    openOrder: (demandId: number) => openOrder(db, demandId),
    departmentCodeOf: (departmentId: number) => departmentCodeOf(db, departmentId),
    post: (url: string, who: { authorization?: string }, payload?: object) =>
      postAs(world.app, url, who, payload),
  };
}

/**
 * The in-process app with e-mail delivered to a fake SMTP server on loopback, so that messages to citizens are
 * really sent; `mailsTo` reads what an address received, parsed.
 */
export async function testAppWithMail(overrides: Partial<Config> = {}) {
  const fake = await startFakeSmtp();
  after(() => fake.close());
  const { app, ctx } = await testApp({
    smtpUrl: fake.url,
    publicUrl: "https://156.cidade.example",
    ...overrides,
  });
  after(() => closeChannelsOf(ctx.config));
  const mailsTo = (address: string) =>
    Promise.all(fake.received.filter((m) => m.to.includes(address)).map((m) => fake.parse(m)));
  return { app, ctx, fake, mailsTo };
}

/** A valid one-pixel PNG. */
export const TINY_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

/** A small PDF (its type is read from the `%PDF-` head). */
export const TINY_PDF = Buffer.from(
  "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n",
);

/** A new agent takes the latest conversation of `address` on `channel` (204 asserted): its id and the agent. */
export async function takenByAgent(world: World, channel: string, address: string) {
  const { id } = await one<{ id: number }>(
    world.ctx.db,
    "SELECT id FROM conversations WHERE channel = $1 AND address = $2 ORDER BY id DESC LIMIT 1",
    [channel, address],
  );
  const agent = await staffHeaders(world.ctx.db, "agent");
  const take = await world.app.inject({
    method: "POST",
    url: `/api/v1/conversations/${id}/take`,
    headers: { authorization: agent.authorization },
  });
  assert.equal(take.statusCode, 204, take.body);
  return { id: Number(id), agent };
}
