-- The times of each month by bucket of minutes (server/indicators/distributions.ts, decision 0056): for the median
-- and 90th percentile of the time to the first answer and to closure over many months (the transparency portal's
-- year of a department, its ranking over 12 months), which its months' own percentiles cannot give. One row per
-- indicator, measured column, key (as indicator_months: '' for the whole city) and month: the buckets that hold
-- any demand, in order, and how many each holds. Written with the month's rows, in the same transaction.
CREATE TABLE indicator_distributions (
  indicator text NOT NULL,
  measure text NOT NULL,
  dim text NOT NULL,
  code text NOT NULL,
  month date NOT NULL,
  buckets integer[] NOT NULL,
  counts integer[] NOT NULL,
  PRIMARY KEY (indicator, measure, dim, month, code),
  CHECK (cardinality(buckets) = cardinality(counts))
);

-- The months built before have no distributions: the months job builds them again (six a minute, oldest first),
-- and until then they are read from the facts, exactly as before.
UPDATE indicator_month_state SET built_version = NULL WHERE built_version IS NOT NULL;
