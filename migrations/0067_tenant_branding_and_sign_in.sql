-- Issue 16: what each tenant sets for itself. Its logo (the name and colour stay in tenants.branding, which the
-- shells read with the tenant), and the OpenID providers its citizens (gov.br) and staff (the city's own provider)
-- sign in through, with their client secrets. Both are a tenant's own rows under row-level security: a city's admin
-- reads and writes only its own, and a secret never leaves the server (the routes say only whether one is set).

CREATE TABLE tenant_logos (
  tenant_id int PRIMARY KEY DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  content_type text NOT NULL CHECK (content_type IN ('image/png', 'image/webp')),
  bytes bytea NOT NULL CHECK (octet_length(bytes) BETWEEN 1 AND 262144),
  -- The first characters of the bytes' SHA-256: the version in the logo's address, so a new logo is fetched anew.
  version text NOT NULL CHECK (version ~ '^[0-9a-f]{16}$'),
  updated_at timestamptz NOT NULL DEFAULT now()
);
SELECT responsiva_tenant_table('tenant_logos');

CREATE TABLE sign_in_providers (
  tenant_id int NOT NULL DEFAULT responsiva_default_tenant() REFERENCES tenants (id),
  provider text NOT NULL CHECK (provider IN ('govbr', 'city')),
  issuer text NOT NULL CHECK (issuer ~ '^https?://'),
  client_id text NOT NULL CHECK (length(client_id) BETWEEN 1 AND 200),
  client_secret text NOT NULL CHECK (length(client_secret) BETWEEN 1 AND 500),
  -- gov.br's API host, where the confidence levels are read; null for the city's provider.
  confidence_api text CHECK (confidence_api ~ '^https?://'),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, provider)
);
SELECT responsiva_tenant_table('sign_in_providers');

-- The name and colour live on the tenant's row, which the application's role may not write (decision 0059): a
-- tenant changes its own through this function, which updates the row of the transaction's tenant and no other
-- (across tenants, where responsiva_tenant() is null, it changes nothing).
CREATE FUNCTION responsiva_set_branding(value jsonb) RETURNS jsonb
LANGUAGE sql SECURITY DEFINER SET search_path = public AS $$
  UPDATE tenants SET branding = value WHERE id = responsiva_tenant() RETURNING branding;
$$;
REVOKE ALL ON FUNCTION responsiva_set_branding(jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION responsiva_set_branding(jsonb) TO responsiva_app;
