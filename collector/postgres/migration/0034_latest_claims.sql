-- latest_claims, as collector/sqlite's 0034: per village × carrier × technology the latest
-- carrier claim stored (greatest observed_at, then greatest id) with its values inline, so
-- today's figures read one compact row per series instead of seeking each series' history
-- (issue 16). Written by the store in the statement that inserts the observations (no per-row
-- trigger, so COPY stays fast); independent measurements never enter it. As-of queries for
-- past instants keep reading observations.
CREATE TABLE latest_claims (
	village_id  TEXT NOT NULL REFERENCES villages (id),
	carrier     TEXT NOT NULL,
	technology  SMALLINT NOT NULL,
	id          BIGINT NOT NULL, -- observations.id
	has_signal  BOOLEAN NOT NULL,
	rsrp_dbm    DOUBLE PRECISION,
	dl_mbps     DOUBLE PRECISION,
	observed_at BIGINT NOT NULL,
	method      TEXT NOT NULL,
	area_share  DOUBLE PRECISION,
	upload_id   BIGINT NOT NULL,
	inspector   TEXT NOT NULL,
	PRIMARY KEY (village_id, carrier, technology)
);

INSERT INTO latest_claims (village_id, carrier, technology, id, has_signal, rsrp_dbm, dl_mbps,
	observed_at, method, area_share, upload_id, inspector)
SELECT DISTINCT ON (village_id, carrier, technology) village_id, carrier, technology, id,
	has_signal, rsrp_dbm, dl_mbps, observed_at, method, area_share, upload_id, inspector
FROM observations
WHERE source_role = 'carrier'
ORDER BY village_id, carrier, technology, observed_at DESC, id DESC;

-- The series with independent measurements (an inspector measures a sample): the latest
-- measurement per series starts from them instead of seeking every series of the registry.
CREATE INDEX observations_independent ON observations (village_id, carrier, technology, observed_at, id)
WHERE source_role = 'independent';
