/**
 * The public-output scan (decision 0020): demands whose people have a distinctive name, e-mail, phone, CPF and
 * house number, with staff answers, questions and reasons that write all of them, then every public route (each
 * declared `public` or `citizen` route, called without a session; every page and static file of tests/pages.ts),
 * in every format, the live public event stream, a webhook delivered to a loopback receiver and the answer told to
 * a follower of the demand: none of those strings, nor their digits-only forms, may appear. A public route the table below does not call fails the test.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import type { InjectOptions } from "light-my-request";
import { one } from "../server/db/index.ts";
import { recordEvent } from "../server/demands/transitions.ts";
import { declaredRoutes } from "../server/http/openapi.ts";
import { INDICATORS } from "../server/indicators/definitions.ts";
import { runOnce } from "../server/jobs/runner.ts";
import { planMessage } from "../server/notifications/commands.ts";
import { fanOutWebhooks } from "../server/webhooks/fan-out.ts";
import { deliverWebhookJob } from "../server/webhooks/jobs.ts";
import { factoriesFor, SE } from "./factories.ts";
import { staffHeaders, testApp, testMessaging } from "./helpers.ts";
import { UNDECLARED_ROUTES } from "./pages.ts";
import { follow } from "./sse-client.ts";

/** A person whose every detail must stay off public outputs. */
interface Person {
  name: string;
  email: string;
  phone: string;
  cpf: string;
  address: string;
  houseNumber: string;
}

const ZULEICA: Person = {
  name: "Zuleica Brandimarte Quixadá",
  email: "zuleica.quixada@example.org",
  phone: "(11) 98765-4321",
  cpf: "529.982.247-25",
  address: "Rua Augusta, 7319",
  houseNumber: "7319",
};
const GENOVEVA: Person = {
  name: "Genoveva Tarcísio Ubirajara",
  email: "genoveva.ubirajara@example.net",
  phone: "(11) 97531-8642",
  cpf: "111.444.777-35",
  address: "Avenida Paulista nº 2987, apto 41",
  houseNumber: "2987",
};

/** What staff might write about a person in a public text: every detail, in the ways people write them. */
function staffText(p: Person): string {
  const digits = (s: string) => s.replace(/\D/g, "");
  const [first, , last] = p.name.split(" ");
  return (
    `Prezada ${p.name}, conforme combinado com a Sra. ${first} ${last?.toUpperCase()} pelo telefone ${p.phone} ` +
    `(ou +55 ${digits(p.phone)}, ${digits(p.phone).slice(2)}) e pelo e-mail ${p.email.toUpperCase()}, ` +
    `CPF ${p.cpf} (${digits(p.cpf)}), o reparo no endereço ${p.address} foi concluído; ` +
    `número ${p.houseNumber}, a casa ${p.houseNumber} de muro azul. Equipe de zeladoria.`
  );
}

/** The needles of a person: each name part, e-mail, phone and CPF with any separators, the house number. */
function needles(p: Person): Array<{ what: string; pattern: RegExp }> {
  const fold = (s: string) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  const digits = (s: string) => s.replace(/\D/g, "");
  const spaced = (d: string) => new RegExp(`(?<!\\d)${d.split("").join("[\\s().\\-/]*")}(?!\\d)`);
  return [
    ...p.name.split(" ").map((part) => ({ what: `name ${part}`, pattern: new RegExp(fold(part), "i") })),
    { what: "e-mail", pattern: new RegExp(p.email.replace(/\./g, "\\."), "i") },
    { what: "e-mail user", pattern: new RegExp(p.email.split("@")[0]!.replace(/\./g, "\\."), "i") },
    { what: "phone", pattern: spaced(digits(p.phone).slice(2)) },
    { what: "CPF", pattern: spaced(digits(p.cpf)) },
    // Not inside a longer run of digits or letters (a hex id such as an ETag's may hold the digits by chance).
    { what: "house number", pattern: new RegExp(`(?<![\\dA-Za-z])${p.houseNumber}(?![\\dA-Za-z])`) },
  ];
}

const PEOPLE = [ZULEICA, GENOVEVA];
const NEEDLES = PEOPLE.flatMap(needles);

/** The needles (of `people`, by default everyone's) found in a text (accents folded), named. */
function leaks(text: string, people?: Person[]): string[] {
  const folded = text.normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  const needlesOf = people ? people.flatMap(needles) : NEEDLES;
  return needlesOf.filter((n) => n.pattern.test(folded)).map((n) => n.what);
}

// Telephony configured, so its webhooks are read (and refused for their signature) rather than switched off.
const { app, ctx } = await testApp({
  telephonyWebhookSecret: "whsec_c2Nhbi10ZXN0LXNlY3JldC0wMTIzNDU2Nzg5",
  twilioAuthToken: "scan-test-token",
  messaging: testMessaging(undefined, "scan-test-token"),
});
const db = ctx.db;
const admin = await staffHeaders(db, "admin");
const supervisor = await staffHeaders(db, "supervisor");
// The service takes identified and anonymous demands without extra fields.
const service = (
  await one<{ code: string }>(
    db,
    `SELECT code FROM services WHERE active AND anonymous_allowed AND NOT sensitive AND attributes = '[]'::jsonb
      ORDER BY code LIMIT 1`,
  )
).code;

const factories = factoriesFor({ app, ctx });

/** A demand of `p` at the Sé, every personal detail of theirs in its fields and description. */
function fileDemand(p: Person, identity: "identified" | "confidential") {
  return factories.fileDemand({
    service,
    description: `Buraco na calçada. ${staffText(p)}`,
    at: SE,
    address: p.address,
    identity,
    name: p.name,
    email: p.email,
    phone: p.phone,
    document: p.cpf,
  });
}

/** Staff-written public events naming `people`, and the demand answered with such a text, as the commands write. */
async function writeStaffTexts(demandId: number, people: Person[]) {
  const text = people.map(staffText).join(" ");
  const staff = { kind: "staff" as const, id: admin.staffId };
  await db.transaction(async (tx) => {
    await recordEvent(tx, demandId, "demand.complement_requested", staff, "public", { question: text });
    await recordEvent(tx, demandId, "demand.returned", staff, "public", { from: "dispatched", reason: text });
    await recordEvent(tx, demandId, "deadline.extended", staff, "public", {
      reason: text,
      dueAt: new Date().toISOString(),
      notes: [text, { nested: text }],
    });
    await recordEvent(tx, demandId, "demand.answered", staff, "public", {
      from: "in_progress",
      answer: text,
    });
    await tx.query("UPDATE demands SET status = 'answered', answered_at = now() WHERE id = $1", [demandId]);
  });
}

// Zuleica's demand; Genoveva's duplicate merged into it (she follows it); Genoveva's confidential demand.
const main = await fileDemand(ZULEICA, "identified");
const duplicate = await fileDemand(GENOVEVA, "identified");
const merged = await app.inject({
  method: "POST",
  url: `/api/v1/demands/${duplicate.protocol}/merge`,
  headers: { authorization: supervisor.authorization },
  payload: { into: main.protocol },
});
assert.equal(merged.statusCode, 204, merged.body);
const confidential = await fileDemand(GENOVEVA, "confidential");
await writeStaffTexts(main.id, [ZULEICA, GENOVEVA]);
await writeStaffTexts(confidential.id, [GENOVEVA]);

// A client application, and a request filed through Open311 by Zuleica, answered the same way.
const client = await app.inject({
  method: "POST",
  url: "/api/v1/api-clients",
  headers: { authorization: admin.authorization },
  payload: { name: "Scan client" },
});
assert.equal(client.statusCode, 201, client.body);
const apiKey = (client.json() as { key: string }).key;
const [firstName, ...lastNames] = ZULEICA.name.split(" ");
const filed = await app.inject({
  method: "POST",
  url: "/open311/v2/requests.json",
  headers: { "content-type": "application/x-www-form-urlencoded" },
  payload: new URLSearchParams({
    api_key: apiKey,
    service_code: service,
    lat: String(SE.lat),
    long: String(SE.lon),
    address_string: ZULEICA.address,
    email: ZULEICA.email,
    first_name: firstName!,
    last_name: lastNames.join(" "),
    phone: ZULEICA.phone,
    description: staffText(ZULEICA),
  }).toString(),
});
assert.equal(filed.statusCode, 200, filed.body);
const { service_request_id: open311Protocol, token } = (
  filed.json() as Array<{ service_request_id: string; token: string }>
)[0]!;
const open311Demand = await one<{ id: number }>(db, "SELECT id FROM demands WHERE protocol = $1", [
  open311Protocol,
]);
await writeStaffTexts(open311Demand.id, [ZULEICA]);

const PROTOCOLS = [main.protocol, duplicate.protocol, confidential.protocol, open311Protocol];
const FORMATS = ["json", "xml"];
const form = { "content-type": "application/x-www-form-urlencoded" };
const asset = Object.values(
  (await app.inject({ url: "/web-assets.json" })).json() as Record<string, string>,
)[0];
const today = new Date();
const window = `start_date=${new Date(today.getTime() - 86_400_000).toISOString()}&end_date=${new Date(
  today.getTime() + 3_600_000,
).toISOString()}`;

type Calls = () => InjectOptions[];
const get = (...urls: string[]): InjectOptions[] => urls.map((url) => ({ method: "GET", url }));
const perProtocol = (make: (p: string) => string[]) => get(...PROTOCOLS.flatMap(make));
const post = (url: string, payload: unknown, headers: Record<string, string> = {}): InjectOptions => ({
  method: "POST",
  url,
  headers,
  payload: typeof payload === "string" ? payload : JSON.stringify(payload),
  ...(typeof payload === "string" ? {} : { headers: { "content-type": "application/json", ...headers } }),
});

/**
 * How the scan calls each public route, with real path parameters and every format. A route missing here fails
 * the coverage test: a new public route must say how it is scanned.
 */
const PUBLIC_CALLS: Record<string, Calls> = {
  "GET /health": () => get("/health"),
  "GET /health/ready": () => get("/health/ready"),
  // A redirect to SOURCE_URL (decision 0032): no body of its own.
  "GET /codigo-fonte": () => get("/codigo-fonte"),
  // Without METRICS_TOKEN a 404; the figures it serves are counts per job, channel and route pattern.
  "GET /metrics": () => get("/metrics"),
  "POST /api/v1/auth/login": () => [
    post("/api/v1/auth/login", { email: "nobody@test.local", password: "x" }),
  ],
  "POST /api/v1/auth/logout": () => [post("/api/v1/auth/logout", {})],
  "GET /api/v1/districts": () => get("/api/v1/districts"),
  // The city's name, colour and logo address: the tenant's, no person's.
  "GET /api/v1/branding": () => get("/api/v1/branding"),
  // Aggregates of codes and numbers only, grouped by the finest keys they take.
  "GET /api/v1/indicators": () => get("/api/v1/indicators"),
  "GET /api/v1/indicators/:id": () =>
    get(
      ...INDICATORS.filter((i) => i.audience === "public").map(
        (i) =>
          `/api/v1/indicators/${i.id}?groupBy=district,service${i.periodBy === "now" ? "" : "&compare=previous-year"}`,
      ),
    ),
  // Clusters of published (grid) points; confidential and sensitive demands only counted per district.
  "GET /api/v1/public/map/clusters": () =>
    get(
      ...[10, 16, 20].map(
        (zoom) => `/api/v1/public/map/clusters?zoom=${zoom}&bbox=-46.83,-24.01,-46.36,-23.36`,
      ),
    ),
  // Block quality scores per district: numbers and district names only, withheld under the minimum of blocks.
  "GET /api/v1/public/quality/districts": () =>
    get("/api/v1/public/quality/districts", `/api/v1/public/quality/districts?service=${service}`),
  "GET /api/v1/districts.geojson": () => get("/api/v1/districts.geojson"),
  "GET /api/v1/subprefeituras": () => get("/api/v1/subprefeituras"),
  "GET /api/v1/geocode": () => get("/api/v1/geocode?q=Rua%20Augusta"),
  "GET /api/v1/geocode/reverse": () => get(`/api/v1/geocode/reverse?lat=${SE.lat}&lon=${SE.lon}`),
  "GET /api/v1/places": () => get("/api/v1/places?q=Augusta"),
  "GET /api/v1/tiles/streets/:z/:x/:y.json": () =>
    get("/api/v1/tiles/streets/16/24278/37181.json", "/api/v1/tiles/streets/9/0/0.json"),
  "GET /api/v1/services": () => get("/api/v1/services"),
  "GET /api/v1/services/:code": () => get(`/api/v1/services/${service}`),
  "GET /api/v1/service-groups": () => get("/api/v1/service-groups"),
  "GET /api/v1/charter": () => get("/api/v1/charter"),
  "GET /api/v1/services/suggest": () => get("/api/v1/services/suggest?q=buraco%20na%20rua"),
  "POST /api/v1/citizen/sign-in": () => [post("/api/v1/citizen/sign-in", { email: "nobody@test.local" })],
  "POST /api/v1/citizen/verify": () => [
    post("/api/v1/citizen/verify", { email: "nobody@test.local", code: "000000" }),
  ],
  "POST /api/v1/citizen/sign-out": () => [post("/api/v1/citizen/sign-out", {})],
  "GET /api/v1/citizen/demands": () => get("/api/v1/citizen/demands"),
  "POST /api/v1/citizen/consent/withdrawal": () => [post("/api/v1/citizen/consent/withdrawal", {})],
  // Sign-in through OpenID providers (decision 0057): redirects, or 404 where none is configured.
  "GET /api/v1/citizen/govbr/start": () => get("/api/v1/citizen/govbr/start"),
  "GET /api/v1/citizen/govbr/callback": () => get("/api/v1/citizen/govbr/callback?code=x&state=y"),
  "POST /api/v1/citizen/govbr/cpf-link": () => [post("/api/v1/citizen/govbr/cpf-link", {})],
  // The signed-in citizen's own auditor enrolment (docs/auditors.md): without a session a 401 that names nobody.
  "GET /api/v1/citizen/auditor": () => get("/api/v1/citizen/auditor"),
  "PUT /api/v1/citizen/auditor": () => [
    {
      method: "PUT",
      url: "/api/v1/citizen/auditor",
      payload: {
        consent: true,
        consentTextVersion: "x",
        point: SE,
        windows: [{ weekday: 1, starts: "09:00", ends: "11:00" }],
      },
    },
  ],
  "DELETE /api/v1/citizen/auditor": () => [{ method: "DELETE", url: "/api/v1/citizen/auditor" }],
  "GET /api/v1/auth/oidc/start": () => get("/api/v1/auth/oidc/start"),
  "GET /api/v1/auth/oidc/callback": () => get("/api/v1/auth/oidc/callback?code=x&state=y"),
  "POST /api/v1/consent/withdrawal": () => [post("/api/v1/consent/withdrawal", { token: "not-a-token" })],
  // A follow answers its area and state, never the address it goes to; its digests are scanned in
  // server/area-follows/area-follows.test.ts.
  "POST /api/v1/area-follows": () => [
    post("/api/v1/area-follows", { district: "77", email: ZULEICA.email }),
    post("/api/v1/area-follows", { point: SE, radiusM: 500, email: GENOVEVA.email }),
  ],
  "GET /api/v1/area-follows": () => get("/api/v1/area-follows"),
  "DELETE /api/v1/area-follows/:id": () => [{ method: "DELETE", url: "/api/v1/area-follows/1" }],
  "POST /api/v1/area-follows/confirm": () => [post("/api/v1/area-follows/confirm", { token: "not-a-token" })],
  "POST /api/v1/area-follows/stop": () => [post("/api/v1/area-follows/stop", { token: "not-a-token" })],
  "POST /api/v1/area-follows/unsubscribe": () => [
    post("/api/v1/area-follows/unsubscribe?token=not-a-token", "List-Unsubscribe=One-Click", form),
  ],
  "POST /api/v1/demands": () => {
    const demand = { service, description: "Poste apagado", location: SE, identity: "anonymous" };
    const multipart = `--scan\r\ncontent-disposition: form-data; name="demand"\r\n\r\n${JSON.stringify(demand)}\r\n--scan--\r\n`;
    return [
      post("/api/v1/demands", demand),
      post("/api/v1/demands", multipart, { "content-type": "multipart/form-data; boundary=scan" }),
    ];
  },
  "GET /api/v1/demands/:protocol": () =>
    perProtocol((p) => [
      `/api/v1/demands/${p}`,
      `/api/v1/demands/${p}?lang=en`,
      `/api/v1/demands/${p}?secret=x`,
    ]),
  "GET /api/v1/demands/:protocol/attachments/:id": () =>
    perProtocol((p) => [`/api/v1/demands/${p}/attachments/1`]),
  // An agent's reply file by its signed link (server/conversations/reply-media.ts): forged and malformed links.
  "GET /media/replies/:token": () =>
    get(`/media/replies/1.0.1799999999.${"a".repeat(43)}`, "/media/replies/not-a-token"),
  "GET /api/v1/workflow/statuses": () => get("/api/v1/workflow/statuses"),
  "GET /api/v1/duplicate-candidates": () =>
    get(`/api/v1/duplicate-candidates?service=${service}&lat=${SE.lat}&lon=${SE.lon}`),
  "POST /api/v1/demands/:protocol/support": () =>
    PROTOCOLS.map((p) => post(`/api/v1/demands/${p}/support`, {})),
  "POST /api/v1/demands/:protocol/follow": () =>
    PROTOCOLS.map((p) => post(`/api/v1/demands/${p}/follow`, {})),
  "DELETE /api/v1/demands/:protocol/follow": () =>
    PROTOCOLS.map((p) => ({ method: "DELETE" as const, url: `/api/v1/demands/${p}/follow` })),
  "POST /api/v1/demands/:protocol/complement": () =>
    PROTOCOLS.map((p) => post(`/api/v1/demands/${p}/complement`, { text: "mais detalhes" })),
  "POST /api/v1/demands/:protocol/rating": () =>
    PROTOCOLS.map((p) => post(`/api/v1/demands/${p}/rating`, { rating: 5, solved: true })),
  "POST /api/v1/demands/:protocol/reopen": () =>
    PROTOCOLS.map((p) => post(`/api/v1/demands/${p}/reopen`, { reason: "continua" })),
  "GET /api/v1/calendar/holidays": () => get("/api/v1/calendar/holidays"),
  "GET /api/v1/calendar/settings": () => get("/api/v1/calendar/settings"),
  "GET /api/v1/demands/:protocol/events": () =>
    perProtocol((p) => [`/api/v1/demands/${p}/events`, `/api/v1/demands/${p}/events?lastEventId=0`]),
  "POST /api/v1/department-systems/:code/servicerequestupdates.:format": () =>
    FORMATS.map((f) =>
      post(`/api/v1/department-systems/AMLURB/servicerequestupdates.${f}`, "description=x", form),
    ),
  "GET /api/v1/open-data/demands.csv": () =>
    get("/api/v1/open-data/demands.csv", `/api/v1/open-data/demands.csv?service=${service}&bom=true`),
  "GET /api/v1/open-data/demands.geojson": () =>
    get(
      "/api/v1/open-data/demands.geojson",
      "/api/v1/open-data/demands.geojson?bbox=-46.7,-23.6,-46.6,-23.5",
    ),
  "GET /open311/v2/discovery.:format": () => get(...FORMATS.map((f) => `/open311/v2/discovery.${f}`)),
  "GET /open311/v2/services.:format": () => get(...FORMATS.map((f) => `/open311/v2/services.${f}`)),
  "GET /open311/v2/services/:file": () => get(...FORMATS.map((f) => `/open311/v2/services/${service}.${f}`)),
  "POST /open311/v2/requests.:format": () =>
    FORMATS.map((f) => post(`/open311/v2/requests.${f}`, `service_code=${service}&lat=1&long=1`, form)),
  "GET /open311/v2/requests.:format": () =>
    get(
      ...FORMATS.flatMap((f) => [
        `/open311/v2/requests.${f}`,
        `/open311/v2/requests.${f}?${window}&service_code=${service}`,
        `/open311/v2/requests.${f}?service_request_id=${PROTOCOLS.join(",")}`,
      ]),
    ),
  "GET /open311/v2/requests/:file": () =>
    perProtocol((p) => FORMATS.map((f) => `/open311/v2/requests/${p}.${f}`)),
  "GET /open311/v2/tokens/:file": () => get(...FORMATS.map((f) => `/open311/v2/tokens/${token}.${f}`)),
  "GET /open311/v2/servicerequestupdates.:format": () =>
    get(...FORMATS.map((f) => `/open311/v2/servicerequestupdates.${f}?${window}`)),
  "POST /open311/v2/servicerequestupdates.:format": () =>
    FORMATS.map((f) =>
      post(`/open311/v2/servicerequestupdates.${f}`, `service_request_id=${main.protocol}`, form),
    ),
  "POST /api/v1/telephony/events": () => [post("/api/v1/telephony/events", { type: "call.ringing" })],
  // The written channels' webhooks, refused unsigned: they publish nothing.
  "GET /webhooks/whatsapp": () =>
    get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=x"),
  "POST /webhooks/whatsapp": () => [
    post("/webhooks/whatsapp", { object: "whatsapp_business_account", entry: [] }),
  ],
  "POST /webhooks/twilio/messaging": () => [
    post("/webhooks/twilio/messaging", "MessageSid=SM1&Body=oi", form),
  ],
  "POST /webhooks/telegram": () => [post("/webhooks/telegram", { update_id: 1 })],
  "GET /webhooks/kannel/sms": () => get("/webhooks/kannel/sms?id=k1&from=5511977776666&to=156&text=oi"),
  "GET /webhooks/kannel/dlr": () => get("/webhooks/kannel/dlr?key=k1&sig=x&type=1&fid=1"),
  // The portal's chat: a message, and the replies of a chat (a token that opens none, and none at all).
  "POST /api/v1/chat/messages": () => [
    post("/api/v1/chat/messages", { id: "5b0c2d4e-8f1a-4c3b-9d2e-1a2b3c4d5e6f", text: "oi" }),
  ],
  "GET /api/v1/chat/messages": () => [
    { method: "GET", url: "/api/v1/chat/messages" },
    { method: "GET", url: "/api/v1/chat/messages", headers: { "x-chat-token": "A".repeat(32) } },
  ],
  "GET /api/v1/telephony/prompts/:file": () => get(`/api/v1/telephony/prompts/${"0".repeat(64)}.wav`),
  "POST /api/v1/telephony/twilio/voice": () => [post("/api/v1/telephony/twilio/voice", "CallSid=CA1", form)],
  "POST /api/v1/telephony/twilio/ivr": () => [
    post("/api/v1/telephony/twilio/ivr?step=menu&lang=pt-BR&tries=0", "CallSid=CA1&Digits=1", form),
  ],
  "POST /api/v1/telephony/twilio/status": () => [
    post("/api/v1/telephony/twilio/status", "CallSid=CA1", form),
  ],
  "POST /api/v1/telephony/twilio/auditor-call": () => [
    post("/api/v1/telephony/twilio/auditor-call?call=1&q=coleta&tries=0", "CallSid=CA1&Digits=1", form),
  ],
  "POST /api/v1/telephony/twilio/auditor-call/status": () => [
    post("/api/v1/telephony/twilio/auditor-call/status?call=1", "CallSid=CA1&CallStatus=no-answer", form),
  ],
  "POST /api/v1/telephony/twilio/call-recording": () => [
    post("/api/v1/telephony/twilio/call-recording", "CallSid=CA1&RecordingStatus=completed", form),
  ],
  "POST /api/v1/telephony/twilio/auditor-call/recording": () => [
    post(
      "/api/v1/telephony/twilio/auditor-call/recording?call=1",
      "CallSid=CA1&RecordingStatus=completed",
      form,
    ),
  ],
};

/** Public routes that publish what a demand is: the scan must get a 2xx answer from each. */
const PUBLISHING = [
  "POST /api/v1/demands",
  "GET /api/v1/demands/:protocol",
  "GET /api/v1/demands/:protocol/events",
  "GET /api/v1/duplicate-candidates",
  "GET /api/v1/open-data/demands.csv",
  "GET /api/v1/open-data/demands.geojson",
  "GET /open311/v2/requests.:format",
  "GET /open311/v2/requests/:file",
  "GET /open311/v2/tokens/:file",
  "GET /open311/v2/servicerequestupdates.:format",
];

/** How the scan calls each page and static file of tests/pages.ts. */
const PAGE_CALLS: Record<string, Calls> = {
  "* /open311/*": () => [...get("/open311/v2/nothing.json"), post("/open311/v2/nothing.xml", "a=b", form)],
  "GET /openapi.json": () => get("/openapi.json"),
  "GET /consentimento/retirar": () => get("/consentimento/retirar?token=not-a-token"),
  "POST /consentimento/retirar": () => [post("/consentimento/retirar", "token=not-a-token", form)],
  "GET /carta-de-servicos": () => get("/carta-de-servicos", "/carta-de-servicos?lang=es"),
  "GET /acompanhar": () =>
    perProtocol((p) => [`/acompanhar?protocolo=${p}`, `/acompanhar?protocolo=${p}&lang=en`]),
  "GET /": () => get("/"),
  "GET /solicitar/:code": () => get(`/solicitar/${service}`),
  "GET /demanda": () => get("/demanda"),
  "GET /demanda/:protocol": () => perProtocol((p) => [`/demanda/${p}`]),
  "GET /perto": () => get("/perto"),
  "GET /minhas-solicitacoes": () => get("/minhas-solicitacoes"),
  "GET /acompanhar-area": () => get("/acompanhar-area", "/acompanhar-area?parar=not-a-token&lang=es"),
  "GET /auditor-cidadao": () => get("/auditor-cidadao", "/auditor-cidadao?lang=en"),
  "GET /transparencia": () => get("/transparencia", "/transparencia?lang=en"),
  "GET /transparencia/distrito/:code": () => get("/transparencia/distrito/77"),
  "GET /transparencia/servico/:code": () => get(`/transparencia/servico/${service}`),
  "GET /transparencia/orgao/:code": () => get("/transparencia/orgao/SUB-SE?lang=es"),
  "GET /transparencia/relatorio": () => get("/transparencia/relatorio"),
  "GET /transparencia/relatorio/:month": () =>
    get(
      `/transparencia/relatorio/${new Date().toISOString().slice(0, 7)}`,
      "/transparencia/relatorio/2019-03?lang=es",
    ),
  "GET /console": () => get("/console"),
  "GET /console/*": () => get("/console/triagem"),
  "GET /departamento": () => get("/departamento"),
  "GET /departamento/*": () => get("/departamento/ordens"),
  "GET /admin": () => get("/admin"),
  "GET /admin/*": () => get("/admin/servicos"),
  "GET /centro": () => get("/centro"),
  "GET /centro/*": () => get("/centro/parede"),
  "GET /campo": () => get("/campo"),
  "GET /campo/*": () => get("/campo/sincronizar"),
  "GET /assets/:file": () => get(`/assets/${asset}`),
  "GET /sw.js": () => get("/sw.js"),
  "GET /console-sw.js": () => get("/console-sw.js"),
  "GET /campo-sw.js": () => get("/campo-sw.js"),
  "GET /web-assets.json": () => get("/web-assets.json"),
  "GET /manifest.webmanifest": () => get("/manifest.webmanifest"),
  "GET /icons/icon.svg": () => get("/icons/icon.svg"),
  "GET /icons/icon-:size.png": () => get("/icons/icon-192.png"),
  // The city's logo (none in the demo: a 404) and its colour.
  "GET /branding/logo": () => get("/branding/logo"),
  "GET /branding.css": () => get("/branding.css"),
};

const publicRoutes = () =>
  declaredRoutes()
    .filter((r) => r.action === "public" || r.action === "citizen")
    .map((r) => `${r.method} ${r.path}`);

/** Calls every request of a table; returns the leaks and 5xx answers found, and every body read. */
async function scan(table: Record<string, Calls>) {
  const problems: string[] = [];
  const bodies: string[] = [];
  const succeeded = new Set<string>();
  for (const [route, calls] of Object.entries(table)) {
    for (const call of calls()) {
      const res = await app.inject(call);
      const where = `${route}: ${call.method} ${call.url}`;
      if (res.statusCode >= 500) problems.push(`${where} answered ${res.statusCode}`);
      // The request id is a random UUID the server makes: its hex may hold a house number's digits by chance.
      const { "x-request-id": _requestId, ...headers } = res.headers;
      const found = leaks(`${JSON.stringify(headers)}\n${res.body}`);
      if (found.length > 0) problems.push(`${where} shows ${found.join(", ")}`);
      bodies.push(res.body);
      if (res.statusCode < 300) succeeded.add(route);
    }
  }
  return { problems, bodies, succeeded };
}

describe("public outputs", () => {
  it("has a way to call every public route and every page, and none that no longer exists", () => {
    const declared = publicRoutes();
    assert.deepEqual(
      declared.filter((key) => !(key in PUBLIC_CALLS)),
      [],
      "say in PUBLIC_CALLS how the scan calls these public routes",
    );
    assert.deepEqual(
      Object.keys(PUBLIC_CALLS).filter((key) => !declared.includes(key)),
      [],
    );
    const pages = UNDECLARED_ROUTES.map((r) => `${r.method} ${r.path}`);
    assert.deepEqual(
      pages.filter((key) => !(key in PAGE_CALLS)),
      [],
    );
    assert.deepEqual(
      Object.keys(PAGE_CALLS).filter((key) => !pages.includes(key)),
      [],
    );
  });

  it("the people's details are in the database, and the scan would see them", async () => {
    // The texts the scan must not find are really there: the staff view of the answer holds every one of them.
    const staffView = await app.inject({
      url: `/api/v1/demands/${main.protocol}`,
      headers: { authorization: admin.authorization },
    });
    assert.equal(staffView.statusCode, 200);
    assert.deepEqual(
      [...new Set(NEEDLES.map((n) => n.what))].filter((what) => !leaks(staffView.body).includes(what)),
      [],
    );
  });

  it("shows no name, contact, document or house number on any public route, in any format", async () => {
    const { problems, bodies, succeeded } = await scan(PUBLIC_CALLS);
    assert.deepEqual(problems, []);
    // The routes that publish demands were read for real, not refused.
    assert.deepEqual(
      PUBLISHING.filter((route) => !succeeded.has(route)),
      [],
    );
    // The answers are published, redacted: the words stay, the personal data is gone.
    const notes = bodies.filter((b) => b.includes("o reparo no endereço"));
    assert.ok(notes.length >= 10, `answers published in ${notes.length} answers`);
    assert.ok(notes.every((b) => b.includes("[…]")));
  });

  it("shows no personal data on any page or static file", async () => {
    const { problems, succeeded } = await scan(PAGE_CALLS);
    assert.deepEqual(problems, []);
    // /acompanhar answers a redirect to /demanda/:protocol (decision 0030): its headers are scanned all the same.
    assert.ok(succeeded.has("GET /carta-de-servicos") && succeeded.has("GET /demanda/:protocol"));
  });

  it("sends no personal data on the live public event stream", async () => {
    const address = await app.listen({ port: 0, host: "127.0.0.1" });
    const stream = await follow(`${address}/api/v1/demands/${main.protocol}/events`);
    const staff = { kind: "staff" as const, id: admin.staffId };
    await db.transaction((tx) =>
      recordEvent(tx, main.id, "demand.answered", staff, "public", {
        answer: `Live: ${staffText(ZULEICA)} ${staffText(GENOVEVA)}`,
      }),
    );
    const message = await stream.until((m) => JSON.stringify(m.data ?? {}).includes("Live:"), 10_000);
    stream.close();
    assert.deepEqual(leaks(JSON.stringify(message.data)), []);
    assert.match(JSON.stringify(message.data), /o reparo no endereço/);
  });

  it("tells a follower the answer without the details of the person who filed the demand", async () => {
    const { citizen_id: filer } = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM demands WHERE id = $1",
      [main.id],
    );
    const { citizen_id: follower } = await one<{ citizen_id: number }>(
      db,
      "SELECT citizen_id FROM demand_followers WHERE demand_id = $1",
      [main.id],
    );
    const textFor = async (citizenId: number) => {
      const payload = {
        demandId: main.id,
        citizenId,
        template: "demand.answered" as const,
        channel: "web",
        data: { answer: staffText(ZULEICA) },
      };
      const outbox = await one<{ id: number }>(
        db,
        "INSERT INTO outbox (job, payload, state) VALUES ('send-message', $1, 'done') RETURNING id",
        [JSON.stringify(payload)],
      );
      const plan = await db.transaction((tx) =>
        planMessage(tx, outbox.id, payload, ["email"], ctx.config.publicUrl),
      );
      assert.equal(plan.kind, "send");
      return plan.kind === "send" ? `${plan.rendered.subject}\n${plan.rendered.text}` : "";
    };
    const toFollower = await textFor(follower);
    assert.match(toFollower, /o reparo no endereço/);
    // Greeted by their own name, told nothing of the filer's.
    assert.deepEqual(leaks(toFollower, [ZULEICA]), []);
    // The person who filed it reads their own answer whole.
    assert.ok(leaks(await textFor(filer)).includes("name Zuleica"));
  });

  it("posts no personal data to a webhook receiver", async () => {
    const received: string[] = [];
    const server = createServer((req, res) => {
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        received.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const subscribed = await app.inject({
      method: "POST",
      url: "/api/v1/webhooks",
      headers: { authorization: admin.authorization },
      payload: { url: `http://127.0.0.1:${port}/hook`, eventTypes: ["*"], description: "scan" },
    });
    assert.equal(subscribed.statusCode, 201, subscribed.body);
    const staff = { kind: "staff" as const, id: admin.staffId };
    await writeStaffTexts(main.id, [ZULEICA, GENOVEVA]);
    await db.transaction((tx) =>
      recordEvent(tx, confidential.id, "demand.cancelled", staff, "public", { reason: staffText(GENOVEVA) }),
    );
    await fanOutWebhooks(db);
    const deliver = deliverWebhookJob({ timeoutMs: 2000 });
    while ((await runOnce({ db, config: ctx.config }, [deliver])) > 0) {}
    assert.ok(received.length >= 5, `${received.length} deliveries`);
    assert.ok(received.some((b) => b.includes("o reparo no endereço")));
    const found = received.flatMap((b) => leaks(b));
    assert.deepEqual(found, []);
  });
});
