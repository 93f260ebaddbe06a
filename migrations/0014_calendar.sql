-- The city's business calendar: its time zone, opening hours and the holidays it adds to the national ones.
-- National holidays (fixed and Easter-bound) are computed in domain/business-time-holidays.ts, not stored.

CREATE TABLE calendar_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id), -- one row: the city's calendar
  time_zone text NOT NULL DEFAULT 'America/Sao_Paulo', -- IANA name
  -- Opening intervals per weekday in local wall time: {"mon": [["08:00", "18:00"]], …}; a day left out is closed.
  business_hours jsonb NOT NULL DEFAULT '{"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]],
    "wed": [["08:00", "18:00"]], "thu": [["08:00", "18:00"]], "fri": [["08:00", "18:00"]]}',
  -- Keys of national days the city works on anyway, e.g. {carnival_monday, carnival_tuesday, corpus_christi}.
  skipped_national text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO calendar_settings DEFAULT VALUES;

-- The state's, the municipality's and one-off holidays. Each row is a rule of exactly one shape: one date, every
-- year on a month and day, or every year a number of days from Easter Sunday (movable religious holidays).
CREATE TABLE holidays (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  scope text NOT NULL CHECK (scope IN ('state', 'municipal', 'extra')), -- extra: a one-off day off (ponto facultativo)
  name jsonb NOT NULL, -- {"pt-BR": "...", "en": "...", "es": "..."}; pt-BR always present
  on_date date, -- a single day
  month integer CHECK (month BETWEEN 1 AND 12), -- every year on month/day
  day integer CHECK (day BETWEEN 1 AND 31),
  easter_offset integer CHECK (easter_offset BETWEEN -100 AND 100), -- every year, days after Easter Sunday
  from_year integer, -- first year a recurring rule applies (the law that created it)
  until_year integer, -- last year it applies
  law text, -- the act that establishes it, e.g. "Lei municipal 14.485/2007"
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (num_nonnulls(on_date, month, easter_offset) = 1),
  CHECK ((month IS NULL) = (day IS NULL)),
  CHECK (name ? 'pt-BR')
);
-- One rule per day and scope: a second "25 January, municipal" is a conflict, not a duplicate.
CREATE UNIQUE INDEX holidays_rule_idx
  ON holidays (scope, coalesce(on_date, '0001-01-01'), coalesce(month, 0), coalesce(day, 0),
               coalesce(easter_offset, -1000));
