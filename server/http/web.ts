/**
 * Serves the screen apps built by web/build.ts: the hashed assets with long immutable cache headers, the service
 * worker at the root scope, the web manifest and icons, and each app's server-rendered HTML shell — with its
 * language, the first screen's HTML (usable before the script runs) and a CSP that allows no inline script.
 * Opened under a tenant's path prefix (`/t/santos/`, docs/tenants.md), a shell's own links (the manifest, the home
 * link, the plain forms, the preloaded readings) carry the prefix too; the hashed assets and the icons are the same
 * for every tenant and stay at the root.
 */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { WebManifest } from "../../web/build.ts";
import { signInProviders } from "../access/oidc.ts";
import { type Brand, brandOf } from "../branding/brand.ts";
import { loadCalendar } from "../calendar/queries.ts";
import { MAX_ATTACHMENTS } from "../demands/attachments.ts";
import { AppError } from "../errors.ts";
import { LOCALES, type Locale, loadLocale, translate } from "../i18n.ts";
import { publicDefinitions } from "../indicators/present.ts";
import { tenantPathOf as tenantBase } from "../tenants/http.ts";
import { escapeHtml } from "./html.ts";
import { ICON_SVG, iconPng } from "./icons.ts";

const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../.cache/web");

const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

let manifest: { at: number; value: WebManifest } | undefined;
// The manifest is read once, and again when the build has changed it (tests and `npm start` rebuild before use).
function readManifest(): WebManifest {
  try {
    const text = readFileSync(join(WEB_DIR, "manifest.json"), "utf8");
    const value = JSON.parse(text) as WebManifest;
    const at = Date.parse(value.builtAt);
    if (!manifest || manifest.at !== at) manifest = { at, value };
    return manifest.value;
  } catch {
    throw new AppError(503, "web_not_built");
  }
}

/**
 * The portal's stylesheets, which server-rendered pages link too (html.ts page()); none when the screens are not
 * built, and the page is still usable plain.
 */
export function portalStylesheets(): string[] {
  try {
    return readManifest().apps.portal?.css ?? [];
  } catch {
    return [];
  }
}

/** The Content-Security-Policy of the shells: scripts and styles from this origin only; tiles when configured. */
export function contentSecurityPolicy(tileUrl: string | undefined): string {
  const tiles = tileUrl ? ` ${new URL(tileUrl.replaceAll(/[{}]/g, "")).origin}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `img-src 'self' data: blob:${tiles}`,
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * The texts an app's boot block carries: its own `web.<app>.*` and the shared `web.ui.*` without the `web.` prefix
 * (staff apps also `web.staff.*` and the other staff apps' names, for the app switcher), plus the status and event
 * names. Each app carries only its own, so the portal's first screen does not grow with the staff screens.
 */
const messages = new Map<string, Record<string, string>>();
function webMessages(locale: Locale, app: string): Record<string, string> {
  const cacheKey = `${locale}:${app}`;
  const hit = messages.get(cacheKey);
  if (hit) return hit;
  const staff = app in STAFF_APPS;
  const prefixes = ["web.ui.", `web.${app}.`, ...(staff ? ["web.staff."] : [])];
  const names = staff ? new Set(Object.values(STAFF_APPS).map((a) => `web.${a.name}`)) : new Set<string>();
  const out: Record<string, string> = {};
  for (const [key, value] of loadLocale(locale)) {
    if (prefixes.some((p) => key.startsWith(p)) || names.has(key)) out[key.slice(4)] = value;
    else if (key.startsWith("status.") || key.startsWith("events.")) out[key] = value;
  }
  messages.set(cacheKey, out);
  return out;
}

/** The first screen's HTML of each portal path: a heading and, where it works without script, a plain form. */
function criticalHtml(locale: Locale, path: string, base: string): string {
  const t = (key: string) => escapeHtml(translate(locale, `web.${key}`));
  const follow = `<form action="${base}/acompanhar" method="get"><input type="hidden" name="lang" value="${locale}">
<label for="protocolo">${t("portal.follow.label")}</label><input id="protocolo" name="protocolo" inputmode="numeric" autocomplete="off">
<button type="submit">${t("portal.follow.submit")}</button></form>`;
  if (path === "/") {
    return `<h1>${t("portal.home.title")}</h1><p>${t("portal.home.intro")}</p>
<form id="search" role="search" action="${base}/carta-de-servicos" method="get"><input type="hidden" name="lang" value="${locale}">
<label for="q">${t("portal.home.search_label")}</label><input id="q" name="q" type="search" autocomplete="off"></form>
<h2>${t("portal.follow.title")}</h2>${follow}`;
  }
  if (path.startsWith("/demanda")) return `<h1>${t("portal.follow.title")}</h1>${follow}`;
  if (path === "/minhas-solicitacoes") return `<h1>${t("portal.mine.title")}</h1><p>${t("ui.loading")}</p>`;
  if (path === "/acompanhar-area")
    return `<h1>${t("portal.areaFollows.title")}</h1><p>${t("ui.loading")}</p>`;
  if (path === "/auditor-cidadao") return `<h1>${t("portal.auditor.title")}</h1><p>${t("ui.loading")}</p>`;
  if (path === "/perto") return `<h1>${t("portal.nearby.title")}</h1><p>${t("ui.loading")}</p>`;
  if (path === "/transparencia" || path.startsWith("/transparencia/"))
    return `<h1>${t("portal.transparency.title")}</h1><p>${t("portal.transparency.intro")}</p><p>${t("ui.loading")}</p>`;
  return `<h1>${t("portal.file.title")}</h1><p>${t("ui.loading")}</p>`;
}

/** The staff apps: where each lives, and the key of its name among the `web.*` texts. */
export const STAFF_APPS = {
  console: { base: "/console", name: "console.site_name" },
  backoffice: { base: "/departamento", name: "backoffice.site_name" },
  admin: { base: "/admin", name: "admin.site_name" },
  centre: { base: "/centro", name: "centre.site_name" },
  campo: { base: "/campo", name: "campo.site_name" },
} as const;

/** The chunks loaded on demand that are this path's first screen (web/build.ts ROUTE_MODULES): preloaded too. */
function routeChunks(assets: { routes?: Record<string, string[]> }, path: string): string[] {
  return Object.entries(assets.routes ?? {})
    .filter(([prefix]) => path === prefix || path.startsWith(`${prefix}/`))
    .flatMap(([, chunks]) => chunks);
}

/**
 * The readings the transparency page's first cards ask for first, fetched by the browser while the scripts load:
 * the same URLs as web/ui/indicators.ts readingUrl builds (the 30 days compared with the 30 before; none for "now").
 */
function firstReadings(app: string, path: string, locale: Locale, base: string): string[] {
  if (app !== "portal" || path !== "/transparencia") return [];
  return publicDefinitions(locale)
    .slice(0, FIRST_CARDS)
    .map((d) => `${base}/api/v1/indicators/${d.id}${d.periodBy === "now" ? "" : "?compare=previous-month"}`);
}
/** The cards a phone's first screen shows. */
const FIRST_CARDS = 3;

/**
 * The HTML shell of an app; `path` is the one routed (without the tenant prefix), `base` the prefix it came with
 * ("/t/santos", or "" when the host names the tenant).
 */
export function shellHtml(
  app: string,
  locale: Locale,
  path: string,
  web: WebManifest,
  tileUrl: string | undefined,
  timeZone: string,
  limits?: { attachmentBytes: number; attachments: number },
  signIn: { govbr: boolean; city: boolean } = { govbr: false, city: false },
  base = "",
  brand: Brand = brandOf(undefined),
): string {
  const assets = web.apps[app];
  if (!assets) throw new AppError(503, "web_not_built");
  const boot = {
    locale,
    locales: LOCALES.map((code) => ({ code, name: translate(code, "pages.language_name") })),
    messages: webMessages(locale, app),
    tileUrl: tileUrl ?? null,
    leafletCss: web.leafletCss,
    timeZone,
    ...(limits ? { limits } : {}),
    // The city's name and logo (its colour comes with branding.css): issue 16.
    brand: { name: brand.name, logoUrl: brand.logoUrl },
    // Which sign-in buttons to show: gov.br on the portal, the city's provider on the staff apps (decision 0057).
    signIn: app === "portal" ? { govbr: signIn.govbr, city: false } : { govbr: false, city: signIn.city },
    // The transparency page's first screen asks for every public indicator's reading at once, without first
    // asking for their list (bench/web.ts, docs/performance.md).
    ...(app === "portal" && path === "/transparencia" ? { indicators: publicDefinitions(locale) } : {}),
  };
  // Inside a JSON data block "</" must not end the element.
  const bootJson = JSON.stringify(boot).replaceAll("</", "<\\/");
  const t = (key: string) => escapeHtml(translate(locale, `web.${key}`));
  const staffApp = STAFF_APPS[app as keyof typeof STAFF_APPS];
  // The portal says the city's name where it set one; a staff app says its own name, and the city's beside it.
  const appName = t(staffApp?.name ?? "portal.site_name");
  const cityName = brand.name === null ? null : escapeHtml(brand.name);
  const siteName = staffApp ? appName : (cityName ?? appName);
  const title = staffApp && cityName ? `${appName} · ${cityName}` : siteName;
  const logo = brand.logoUrl
    ? `<img class="brand-logo" src="${escapeHtml(brand.logoUrl)}" alt="" height="32">`
    : "";
  const home = `${base}${staffApp?.base ?? "/"}`;
  // Staff screens need a session and data first: the shell says only where one is.
  const first = staffApp ? `<h1>${siteName}</h1><p>${t("ui.loading")}</p>` : criticalHtml(locale, path, base);
  return `<!doctype html>
<html lang="${locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<meta name="description" content="${t("portal.home.intro")}">
<meta name="theme-color" content="${brand.colourHex}">
<link rel="manifest" href="${base}/manifest.webmanifest?lang=${locale}">
<link rel="icon" href="/icons/icon.svg" type="image/svg+xml">
<link rel="apple-touch-icon" href="/icons/icon-192.png">
${assets.css.map((href) => `<link rel="stylesheet" href="${href}">`).join("\n")}
<link rel="stylesheet" href="${base}/branding.css">
${[...assets.preload, ...routeChunks(assets, path)].map((href) => `<link rel="modulepreload" href="${href}">`).join("\n")}
${firstReadings(app, path, locale, base)
  .map((href) => `<link rel="preload" as="fetch" crossorigin="anonymous" href="${escapeHtml(href)}">`)
  .join("\n")}
<script type="module" src="${assets.js}"></script>
</head>
<body>
<script type="application/json" id="boot">${bootJson}</script>
<div id="app"><a class="skip" href="#main">${t("ui.skip_to_content")}</a>
<header class="site-header"><a class="brand" href="${home}?lang=${locale}">${logo}${siteName}</a></header>
<main id="main">${first}</main></div>
</body>
</html>`;
}

/** The portal's paths, each served the same shell (the app picks the screen from the path). */
export const PORTAL_PATHS = [
  "/",
  "/solicitar/:code",
  "/demanda",
  "/demanda/:protocol",
  "/perto",
  "/minhas-solicitacoes",
  "/transparencia",
  "/transparencia/distrito/:code",
  "/transparencia/servico/:code",
  "/transparencia/orgao/:code",
  "/acompanhar-area",
  "/auditor-cidadao",
] as const;

/** Scripts and styles are sent gzipped to clients that take it; they are compressed once per file and process. */
const COMPRESSIBLE = new Set([".js", ".css", ".json", ".svg"]);
const gzipped = new Map<string, Buffer>();

async function sendFile(
  req: FastifyRequest,
  reply: FastifyReply,
  file: string,
  cache: string,
): Promise<FastifyReply> {
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    throw new AppError(404, "not_found", { what: file.slice(WEB_DIR.length) });
  }
  reply
    .header("cache-control", cache)
    .header("x-content-type-options", "nosniff")
    .type(TYPES[extname(file)] ?? "application/octet-stream");
  if (!COMPRESSIBLE.has(extname(file))) return reply.send(body);
  reply.header("vary", "accept-encoding");
  if (!/\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""))) return reply.send(body);
  // A hashed asset never changes under its name: compressed once. Anything else (/sw.js) is small and compressed
  // each time, as it is rebuilt in place.
  const immutable = cache.includes("immutable");
  let packed = immutable ? gzipped.get(file) : undefined;
  if (!packed) {
    packed = gzipSync(body, { level: 9 });
    if (immutable) gzipped.set(file, packed);
  }
  return reply.header("content-encoding", "gzip").send(packed);
}

/** Registers the web apps' files and shells. */
export function registerWebRoutes(app: FastifyInstance): void {
  const tileUrl = app.ctx.config.mapTileUrl;
  const csp = contentSecurityPolicy(tileUrl);
  // The portal checks photos against the server's own limits before uploading them.
  const limits = { attachmentBytes: app.ctx.config.maxAttachmentBytes, attachments: MAX_ATTACHMENTS };
  // Dates on every screen are said in the city's time zone, the calendar's (cached: loadCalendar). A shell still
  // loads while the database is away, in the zone last read: its screens then say what is unavailable themselves.
  let lastZone: string | undefined;
  const cityZone = async (): Promise<string> => {
    try {
      lastZone = (await loadCalendar(app.ctx.db)).timeZone;
    } catch (error) {
      if (lastZone === undefined) throw error;
    }
    return lastZone;
  };
  const shell = (name: string) => async (req: FastifyRequest, reply: FastifyReply) => {
    const timeZone = await cityZone();
    const providers = await signInProviders(app.ctx);
    return reply
      .header("content-security-policy", csp)
      .header("cache-control", "no-cache")
      .header("vary", "accept-language")
      .header("x-content-type-options", "nosniff")
      .header("referrer-policy", "same-origin")
      .type("text/html; charset=utf-8")
      .send(
        shellHtml(
          name,
          req.locale,
          req.url.split("?")[0]!,
          readManifest(),
          tileUrl,
          timeZone,
          limits,
          { govbr: providers.govbr !== undefined, city: providers.city !== undefined },
          tenantBase(req),
          brandOf(req.tenant, tenantBase(req)),
        ),
      );
  };
  for (const path of PORTAL_PATHS) app.get(path, shell("portal"));
  for (const [name, { base }] of Object.entries(STAFF_APPS)) {
    app.get(base, shell(name));
    app.get(`${base}/*`, shell(name));
  }

  app.get("/assets/:file", async (req, reply) => {
    const { file } = req.params as { file: string };
    if (!/^[\w.-]+$/.test(file)) throw new AppError(404, "not_found", { what: req.url });
    return sendFile(req, reply, join(WEB_DIR, "assets", file), "public, max-age=31536000, immutable");
  });
  app.get("/sw.js", async (req, reply) => {
    reply.header("service-worker-allowed", "/");
    return sendFile(req, reply, join(WEB_DIR, "sw.js"), "no-cache");
  });
  // The agent console's (scope /console): it keeps no citizen's data (web/console/sw.ts).
  app.get("/console-sw.js", async (req, reply) =>
    sendFile(req, reply, join(WEB_DIR, "console-sw.js"), "no-cache"),
  );
  // The inspectors' tablet's (scope /campo, decision 0063): it keeps the app, never a citizen's data.
  app.get("/campo-sw.js", async (req, reply) =>
    sendFile(req, reply, join(WEB_DIR, "campo-sw.js"), "no-cache"),
  );
  app.get("/web-assets.json", async (_req, reply) => {
    const web = readManifest();
    return reply.header("cache-control", "no-cache").send([...new Set([...web.files, web.leafletCss])]);
  });
  app.get("/manifest.webmanifest", async (req, reply) => {
    const t = (key: string) => translate(req.locale, `web.${key}`);
    // Installed from a tenant's prefix, the app opens there and stays there.
    const base = tenantBase(req);
    return reply
      .type("application/manifest+json")
      .header("cache-control", "no-cache")
      .send({
        name: brandOf(req.tenant).name ?? t("portal.site_name"),
        short_name: t("portal.short_name"),
        description: t("portal.home.intro"),
        lang: req.locale,
        start_url: `${base}/?lang=${req.locale}`,
        scope: `${base}/`,
        display: "standalone",
        background_color: "#ffffff",
        theme_color: brandOf(req.tenant).colourHex,
        icons: [
          { src: "/icons/icon.svg", sizes: "any", type: "image/svg+xml", purpose: "any maskable" },
          { src: "/icons/icon-192.png", sizes: "192x192", type: "image/png" },
          { src: "/icons/icon-512.png", sizes: "512x512", type: "image/png" },
        ],
      });
  });
  app.get("/icons/icon.svg", async (_req, reply) =>
    reply.type("image/svg+xml").header("cache-control", "public, max-age=86400").send(ICON_SVG),
  );
  app.get("/icons/icon-:size.png", async (req, reply) => {
    const size = Number((req.params as { size: string }).size);
    if (size !== 192 && size !== 512) throw new AppError(404, "not_found", { what: req.url });
    return reply.type("image/png").header("cache-control", "public, max-age=86400").send(iconPng(size));
  });
}
