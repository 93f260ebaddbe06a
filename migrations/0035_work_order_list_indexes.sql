-- The department's work-order list counts each order's unacknowledged alarms (by demand) on every live redraw;
-- without an index that is a scan of the whole alarm log per order. Only open alarms are indexed, so the index
-- stays as small as what people still have to look at. (The deadlines of an order are read through the demand's
-- index, deadlines_demand_idx.)
CREATE INDEX alarms_open_demand_idx ON alarms (demand_id) WHERE acknowledged_at IS NULL;
