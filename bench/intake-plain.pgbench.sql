-- pgbench baseline of the intake benchmark: the bare insert of one demand row into the plain table (same columns,
-- no foreign keys, checks or secondary indexes), the row the minimal handler writes. One statement per transaction.
\set n random(1, 2000000000)
\set lat -23.60 + random(0, 100000) / 1000000.0
\set lon -46.70 + random(0, 100000) / 1000000.0
INSERT INTO bench_plain_demands (protocol, service_id, channel, description, identity_mode, location, attributes,
  secret_hash)
VALUES ('P' || :n, 1, 'web', 'Buraco na calçada em frente ao número 120, bench', 'anonymous',
  ST_SetSRID(ST_MakePoint(:lon::float8, :lat::float8), 4326), '{}', md5(:n::text))
RETURNING id, opened_at;
