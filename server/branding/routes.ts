/**
 * The city's branding (issue 16): read by anyone (every screen shows it), changed by its admins, and the two public
 * files every shell links — the logo and the stylesheet that gives the screens the city's colour.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { tenantPathOf } from "../tenants/http.ts";
import { brandCss, brandOf, paletteView, type StoredBranding } from "./brand.ts";
import { readLogo, removeLogo, setBranding, setLogo } from "./commands.ts";
import { BrandingInput, BrandingView, LogoInput } from "./schemas.ts";

/** The branding of the request's tenant, as the routes present it. */
function viewOf(req: FastifyRequest, stored?: StoredBranding) {
  const tenant = stored ? { branding: stored as Record<string, unknown> } : req.tenant;
  return { ...brandOf(tenant, tenantPathOf(req)), palette: paletteView() };
}

export async function registerBrandingRoutes(app: FastifyInstance): Promise<void> {
  const { db } = app.ctx;
  const view = { 200: { description: "The branding", schema: BrandingView } };

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/branding",
      summary: "The city's name, colour (of the accessible palette) and logo, as every screen shows them",
      tag: "branding",
      action: "public",
      responses: view,
    },
    async (req) => viewOf(req),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/branding",
      summary: "Set the city's name and its colour, a key of the accessible palette",
      tag: "branding",
      action: "branding.manage",
      body: BrandingInput,
      responses: view,
    },
    async (req) => viewOf(req, await setBranding(db, validate(BrandingInput, req.body), auditActorOf(req))),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/branding/logo",
      summary: "Set the city's logo: a PNG or WebP image of at most 256 KB, as a data URL",
      tag: "branding",
      action: "branding.manage",
      body: LogoInput,
      responses: { ...view, 422: { description: "logo_not_an_image, logo_too_large" } },
    },
    async (req) => viewOf(req, await setLogo(db, validate(LogoInput, req.body).image, auditActorOf(req))),
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/branding/logo",
      summary: "Remove the city's logo",
      tag: "branding",
      action: "branding.manage",
      responses: view,
    },
    async (req) => viewOf(req, await removeLogo(db, auditActorOf(req))),
  );

  // The logo's address carries its version (?v=): one version never changes, so it is cached for a year.
  app.get("/branding/logo", async (req, reply) => {
    const logo = await readLogo(db);
    if (!logo) throw new AppError(404, "not_found", { what: "/branding/logo" });
    const asked = (req.query as Record<string, unknown>).v;
    return reply
      .type(logo.content_type)
      .header("cache-control", asked === logo.version ? "public, max-age=31536000, immutable" : "no-cache")
      .header("x-content-type-options", "nosniff")
      .header("content-security-policy", "default-src 'none'; sandbox")
      .send(logo.bytes);
  });

  // The screens' colour: `--brand`, which every stylesheet uses for links, buttons, focus and the header.
  app.get("/branding.css", async (req, reply) =>
    reply
      .type("text/css; charset=utf-8")
      .header("cache-control", "no-cache")
      .send(brandCss(brandOf(req.tenant))),
  );
}
