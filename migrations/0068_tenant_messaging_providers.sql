-- Issue 16: each tenant's own messaging providers. A city's admin sets the accounts its messages go out through and
-- its webhooks are checked with: the WhatsApp Cloud API, Telegram, Twilio, Kannel and the SMTP relay of its e-mail.
-- One row per tenant and provider under row-level security; a provider a tenant did not set is the install's
-- (its environment variables), so a single-city install and a city that set nothing behave as before.

CREATE TABLE messaging_providers (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  provider text NOT NULL CHECK (provider IN ('whatsapp', 'telegram', 'twilio', 'kannel', 'email')),
  -- The account's fields that may be shown (API addresses, senders, account ids), checked by the route's schema
  -- for the provider on every write (server/messaging-providers/schemas.ts).
  settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
  -- Its tokens, passwords and secrets (the SMTP URL, which may carry a password, among them): read by the adapters
  -- only, never in an answer or the audit log.
  secrets jsonb NOT NULL CHECK (jsonb_typeof(secrets) = 'object'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, provider)
);
SELECT responsiva_tenant_table('messaging_providers');
