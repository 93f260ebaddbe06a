/**
 * The routes registered without `route()`: server-rendered pages, the web apps' HTML shells, their static files and
 * the OpenAPI document. They take no session and are public; every other route must be declared with `route()`
 * and its permission (tests/permissions.test.ts), and every one here is scanned for personal data
 * (tests/public-output.test.ts). A route added with `app.get` fails both tests until it is listed here.
 */

/** One undeclared route: its method ("*" for a catch-all of every method) and its Fastify path. */
export interface UndeclaredRoute {
  method: string;
  path: string;
}

/** Every route registered without `route()`. */
export const UNDECLARED_ROUTES: readonly UndeclaredRoute[] = [
  { method: "GET", path: "/openapi.json" },
  { method: "GET", path: "/carta-de-servicos" },
  { method: "GET", path: "/acompanhar" },
  // The one-click consent withdrawal page of e-mails: its signed token is its permission.
  { method: "GET", path: "/consentimento/retirar" },
  { method: "POST", path: "/consentimento/retirar" },
  // Open311's catch-all: anything else under /open311 answers 404 in the spec's error format.
  { method: "*", path: "/open311/*" },
  { method: "GET", path: "/" },
  { method: "GET", path: "/solicitar/:code" },
  { method: "GET", path: "/demanda" },
  { method: "GET", path: "/demanda/:protocol" },
  { method: "GET", path: "/perto" },
  { method: "GET", path: "/minhas-solicitacoes" },
  { method: "GET", path: "/transparencia" },
  // The transparency portal's pages of a district, a service and a department (web/portal/transparency*.tsx).
  { method: "GET", path: "/transparencia/distrito/:code" },
  { method: "GET", path: "/transparencia/servico/:code" },
  { method: "GET", path: "/transparencia/orgao/:code" },
  { method: "GET", path: "/acompanhar-area" },
  { method: "GET", path: "/auditor-cidadao" },
  // The monthly report of the public indicators, server-rendered for printing (server/indicators/report-page.ts).
  { method: "GET", path: "/transparencia/relatorio" },
  { method: "GET", path: "/transparencia/relatorio/:month" },
  { method: "GET", path: "/console" },
  { method: "GET", path: "/console/*" },
  { method: "GET", path: "/departamento" },
  { method: "GET", path: "/departamento/*" },
  { method: "GET", path: "/admin" },
  { method: "GET", path: "/admin/*" },
  { method: "GET", path: "/centro" },
  { method: "GET", path: "/centro/*" },
  { method: "GET", path: "/campo" },
  { method: "GET", path: "/campo/*" },
  { method: "GET", path: "/assets/:file" },
  { method: "GET", path: "/sw.js" },
  { method: "GET", path: "/console-sw.js" },
  { method: "GET", path: "/campo-sw.js" },
  { method: "GET", path: "/web-assets.json" },
  { method: "GET", path: "/manifest.webmanifest" },
  { method: "GET", path: "/icons/icon.svg" },
  { method: "GET", path: "/icons/icon-:size.png" },
  // The city's logo and the stylesheet of its colour (server/branding/routes.ts): public, as every screen shows them.
  { method: "GET", path: "/branding/logo" },
  { method: "GET", path: "/branding.css" },
];

/** True when "METHOD /path" is one of `UNDECLARED_ROUTES`. */
export function isUndeclaredRoute(key: string): boolean {
  const space = key.indexOf(" ");
  const method = key.slice(0, space);
  const path = key.slice(space + 1);
  return UNDECLARED_ROUTES.some((r) => r.path === path && (r.method === "*" || r.method === method));
}
