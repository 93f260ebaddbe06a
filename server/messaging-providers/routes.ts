/**
 * A city's admin sets its own messaging providers (issue 16): the WhatsApp Cloud API, Telegram, Twilio, Kannel and
 * the SMTP relay of its e-mail. The answers say where each provider comes from and whether its secrets are set,
 * never a secret.
 */
import type { FastifyInstance } from "fastify";
import { auditActorOf } from "../audit/record.ts";
import { AppError } from "../errors.ts";
import { route, validate } from "../http/openapi.ts";
import { tenantPublicUrl } from "../tenants/public-url.ts";
import { removeMessagingProvider, setMessagingProvider } from "./commands.ts";
import { presentMessagingProviders } from "./present.ts";
import {
  type MessagingProvider,
  MessagingProviderInput,
  MessagingProvidersView,
  ProviderParams,
  providerInput,
} from "./schemas.ts";
import { forgetStoredMessaging, storedMessaging } from "./settings.ts";

/** The body checked for its provider; a body that breaks the provider's formats is 422, naming each field. */
function providerBody(provider: MessagingProvider, body: unknown): Record<string, unknown> {
  try {
    return validate(providerInput(provider), body);
  } catch (error) {
    if (!(error instanceof AppError) || error.code !== "invalid_input") throw error;
    throw new AppError(422, "invalid_provider_settings", { provider }, error.fields);
  }
}

/** Registers the city's admin routes of its messaging providers. */
export async function registerMessagingProvidersRoutes(app: FastifyInstance): Promise<void> {
  const { ctx } = app;
  const view = async () => {
    // Read anew: another process may have changed them within the cache's seconds.
    forgetStoredMessaging();
    return presentMessagingProviders(ctx, await storedMessaging(ctx), await tenantPublicUrl(ctx));
  };
  const answer = {
    description: "Each provider's source, shown fields and webhook",
    schema: MessagingProvidersView,
  };

  route(
    app,
    {
      method: "GET",
      path: "/api/v1/messaging-providers",
      summary: "The city's messaging providers: its own accounts or the install's, secrets never shown",
      tag: "messaging-providers",
      action: "messaging.manage",
      responses: { 200: answer },
    },
    async () => view(),
  );

  route(
    app,
    {
      method: "PUT",
      path: "/api/v1/messaging-providers/:provider",
      summary:
        "Set the city's own account of a provider (secrets kept, never shown; required the first time)",
      tag: "messaging-providers",
      action: "messaging.manage",
      body: MessagingProviderInput,
      responses: {
        200: answer,
        409: { description: "messaging_set_by_environment" },
        422: { description: "invalid_provider_settings, secret_required, sender_required" },
      },
    },
    async (req) => {
      const { provider } = validate(ProviderParams, req.params);
      await setMessagingProvider(ctx, provider, providerBody(provider, req.body), auditActorOf(req));
      return view();
    },
  );

  route(
    app,
    {
      method: "DELETE",
      path: "/api/v1/messaging-providers/:provider",
      summary: "Remove the city's own account of a provider: the install's serves it again, if any",
      tag: "messaging-providers",
      action: "messaging.manage",
      responses: {
        200: answer,
        404: { description: "not_found" },
        409: { description: "messaging_set_by_environment" },
      },
    },
    async (req) => {
      const { provider } = validate(ProviderParams, req.params);
      await removeMessagingProvider(ctx, provider, auditActorOf(req));
      return view();
    },
  );
}
