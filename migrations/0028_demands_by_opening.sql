-- Lists of demands newest first (Open311 GET requests, open data) page by (opened_at, id): with the id in the index
-- the page is read straight off it, already in order, instead of sorting every demand of the window.
DROP INDEX demands_opened_at_idx;
CREATE INDEX demands_opened_at_idx ON demands (opened_at, id);
