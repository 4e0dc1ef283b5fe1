-- The reads of covmon status at national scale (issue 16), as SQLite's migration 0038: the
-- completion forecast's history walk (EachVillageHistory) reads only the columns a status at
-- an instant rests on (village, carrier, technology, source role, observed_at, id, signal,
-- RSRP), and observations_latest now holds them all (has_signal and rsrp_dbm INCLUDEd, the
-- key unchanged), so the walk can be an index-only scan where the visibility map allows.
-- SQLite's other two changes have no counterpart here: PostgreSQL's planner does not need a
-- unique index to keep the join's order, and this store has no search-key fill at open.
DROP INDEX observations_latest;
CREATE INDEX observations_latest ON observations (village_id, carrier, technology, source_role,
	observed_at, id) INCLUDE (has_signal, rsrp_dbm);
