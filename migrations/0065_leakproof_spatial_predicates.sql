-- Issue 16 (decision 0059): row-level security keeps a function that is not LEAKPROOF from running before a row's
-- policy, and so from becoming an index condition: with the policies on, `ST_Intersects(b.geom, point)` on the blocks
-- and districts, `location && box` on the map's demands and `ST_DWithin` near a point all read every row of the
-- tenant instead of the few the GiST index finds (intake placed each demand by testing every district's polygon).
-- The spatial predicates the application filters with are marked LEAKPROOF: they reveal nothing of a row but their
-- true or false (an invalid geometry may raise an error; the areas are public open data, and the policy still
-- decides which rows come back). Only a superuser may mark a function so: a login without that right keeps working,
-- with the spatial filters slower, and this migration says so in a notice.
DO $$
DECLARE f regprocedure;
BEGIN
  FOR f IN
    SELECT p.oid::regprocedure FROM pg_proc p
     WHERE p.proname IN ('st_intersects', 'st_contains', 'st_within', 'st_dwithin', 'st_covers', 'st_coveredby',
                         'st_equals', 'geometry_overlaps', 'geography_overlaps', 'geometry_within', 'geometry_contains')
       AND NOT p.proleakproof
  LOOP
    EXECUTE format('ALTER FUNCTION %s LEAKPROOF', f);
  END LOOP;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'spatial predicates not marked LEAKPROOF (needs a superuser): spatial filters read every row of a tenant';
END
$$;
