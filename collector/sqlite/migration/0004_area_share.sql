-- Coverage areas (areas/v1, issue 6): an observation made by joining a carrier's coverage areas
-- to a village's settled area carries the covered share of that area, 0…1. NULL for
-- per-village reports and for villages known only by their centre.
ALTER TABLE observations ADD COLUMN area_share REAL
	CHECK (area_share IS NULL OR (area_share >= 0 AND area_share <= 1));

-- The identity of an observation now includes the share: the same village, carrier,
-- technology, instant and signal with another share is another observation.
DROP INDEX observations_identity;
CREATE UNIQUE INDEX observations_identity ON observations (
	village_id, carrier, technology, observed_at, method, has_signal,
	ifnull(rsrp_dbm, ''), ifnull(dl_mbps, ''), ifnull(area_share, '')
);
