/**
 * The platform operator's routes (docs/tenants.md, "The platform operator"): the tenants of the install, the
 * templates, creating a tenant from one, suspending, resuming, and its host names. They are the install's own and
 * answer on the home tenant only: on any other they do not exist (404), whoever asks.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { DEFAULT_TENANT } from "../tenants/current.ts";
import { addHost, removeHost, requestTenant, resumeTenant, suspendTenant } from "./commands.ts";
import { findPlatformTenant, listPlatformTenants, listTemplates } from "./queries.ts";
import {
  HostInput,
  PlatformTenantView,
  SuspendInput,
  TemplateView,
  TenantHostParams,
  TenantInput,
  TenantParams,
} from "./schemas.ts";

const TAG = "platform";

/** Registers the platform operator's routes, in a scope of their own that only the home tenant reaches. */
export async function registerPlatformRoutes(app: FastifyInstance): Promise<void> {
  await app.register(async (scope) => {
    // Before the session is looked at: another tenant's caller learns only that there is nothing here.
    scope.addHook("onRequest", async (req) => {
      if (req.tenant?.id !== DEFAULT_TENANT) throw new AppError(404, "not_found", { what: req.url });
    });
    registerOn(scope);
  });
}

function registerOn(app: FastifyInstance): void {
  const { db, config } = app.ctx;

  /** The tenant a change was made to, as it is now. */
  const current = async (slug: string) => {
    const tenant = await findPlatformTenant(db, slug);
    if (!tenant) throw new AppError(404, "tenant_not_found", { what: slug });
    return tenant;
  };
  const slugOf = (req: FastifyRequest) => validate(TenantParams, req.params).slug;

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/platform/tenants",
      summary: "Every tenant of the install, with its status, hosts and counts",
      tag: TAG,
      action: "platform.tenants.read",
      responses: { 200: { description: "The tenants, in id order", schema: PlatformTenantView.array() } },
    },
    async () => listPlatformTenants(db),
  );

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/platform/templates",
      summary: "The templates a tenant can be made from, with São Paulo's subprefeituras",
      tag: TAG,
      action: "platform.tenants.read",
      responses: { 200: { description: "The templates", schema: TemplateView.array() } },
    },
    async (req) => listTemplates(config.sharedDataDir, req.locale),
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/platform/tenants",
      summary: "Create a tenant from a template; it is prepared by a job, then active",
      tag: TAG,
      action: "platform.tenants.manage",
      body: TenantInput,
      responses: {
        202: { description: "Created, being prepared", schema: PlatformTenantView },
        409: { description: "tenant_taken: the slug, a host or the jurisdiction is another tenant's" },
        422: { description: "unknown_template or unknown_subprefeitura" },
      },
    },
    async (req, reply) => {
      const input = validate(TenantInput, req.body);
      await requestTenant(db, input, config.sharedDataDir, auditActorOf(req));
      reply.code(202);
      return current(input.slug);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/platform/tenants/:slug/suspend",
      summary: "Suspend a tenant with a reason: its requests answer 503, its periodic work waits",
      tag: TAG,
      action: "platform.tenants.manage",
      body: SuspendInput,
      responses: {
        200: { description: "Suspended", schema: PlatformTenantView },
        404: { description: "tenant_not_found" },
        422: { description: "home_tenant: the home tenant cannot be suspended" },
      },
    },
    async (req) => {
      const slug = slugOf(req);
      const { reason } = validate(SuspendInput, req.body);
      await suspendTenant(db, slug, reason, auditActorOf(req));
      return current(slug);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/platform/tenants/:slug/resume",
      summary: "Make a suspended tenant active again",
      tag: TAG,
      action: "platform.tenants.manage",
      responses: {
        200: { description: "Active", schema: PlatformTenantView },
        404: { description: "tenant_not_found" },
        409: { description: "tenant_provisioning: it is still being prepared" },
      },
    },
    async (req) => {
      const slug = slugOf(req);
      await resumeTenant(db, slug, auditActorOf(req));
      return current(slug);
    },
  );

  route(
    app,
    {
      method: "POST",
      path: "/api/v1/platform/tenants/:slug/hosts",
      summary: "Give a tenant another host name",
      tag: TAG,
      action: "platform.tenants.manage",
      body: HostInput,
      responses: {
        200: { description: "The tenant with its hosts", schema: PlatformTenantView },
        404: { description: "tenant_not_found" },
        409: { description: "tenant_taken: a tenant answers on that host already" },
      },
    },
    async (req) => {
      const slug = slugOf(req);
      const { host } = validate(HostInput, req.body);
      await addHost(db, slug, host, auditActorOf(req));
      return current(slug);
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/platform/tenants/:slug/hosts/:host",
      summary: "Take a host name away from a tenant",
      tag: TAG,
      action: "platform.tenants.manage",
      responses: {
        200: { description: "The tenant with its hosts", schema: PlatformTenantView },
        404: { description: "tenant_not_found, or not_found: the tenant has no such host" },
      },
    },
    async (req) => {
      const { slug, host } = validate(TenantHostParams, req.params);
      await removeHost(db, slug, host, auditActorOf(req));
      return current(slug);
    },
  );
}
