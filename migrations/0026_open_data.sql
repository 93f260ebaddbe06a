-- Open data and the protection of personal data on public endpoints (docs/open-data.md, decision 0013).

-- Demands of a sensitive service are shown publicly only at district level: no point, no street. They are the
-- services whose demands tell something about a person where they live or are found: denúncias of violence,
-- health, social assistance, children and elderly people, police occurrences. Seeded by a rule on the SP156
-- theme and subject (server/catalogue/sp156.ts, isSensitive); editable in the catalogue admin.
ALTER TABLE services ADD COLUMN sensitive boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN services.sensitive IS
  'demands of this service are published only at district level (no point, no street) on public endpoints';
