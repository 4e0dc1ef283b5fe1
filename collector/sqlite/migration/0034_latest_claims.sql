-- latest_claims keeps, per village × carrier × technology, the latest carrier claim stored
-- (greatest observed_at, then greatest id: the row the as-of query would pick at any instant
-- after every stored observation) with its values inline, so the status of "now" reads one
-- compact row per series in key order instead of seeking observations_latest and then the
-- observation itself per series (issue 16). It is maintained by a trigger in the transaction
-- of every insert; independent measurements are not claims and never enter it. Observations
-- are never updated or deleted, so an insert is the only change to follow. As-of queries for
-- past instants keep reading observations (a row here observed after the instant asked for is
-- not the answer at that instant).
CREATE TABLE latest_claims (
	village_id  TEXT NOT NULL REFERENCES villages (id),
	carrier     TEXT NOT NULL,
	technology  INTEGER NOT NULL,
	id          INTEGER NOT NULL, -- observations.id
	has_signal  INTEGER NOT NULL,
	rsrp_dbm    REAL,
	dl_mbps     REAL,
	observed_at INTEGER NOT NULL,
	method      TEXT NOT NULL,
	area_share  REAL,
	upload_id   INTEGER NOT NULL,
	inspector   TEXT NOT NULL,
	PRIMARY KEY (village_id, carrier, technology)
) WITHOUT ROWID;

INSERT INTO latest_claims (village_id, carrier, technology, id, has_signal, rsrp_dbm, dl_mbps,
	observed_at, method, area_share, upload_id, inspector)
SELECT o.village_id, o.carrier, o.technology, o.id, o.has_signal, o.rsrp_dbm, o.dl_mbps,
	o.observed_at, o.method, o.area_share, o.upload_id, o.inspector
FROM observation_series s
JOIN observations o ON o.id = (
	SELECT x.id FROM observations x
	WHERE x.village_id = s.village_id AND x.carrier = s.carrier AND x.technology = s.technology
		AND x.source_role = 'carrier'
	ORDER BY x.observed_at DESC, x.id DESC
	LIMIT 1);

-- A new row has the greatest id so far: it is the latest of its series unless an observation
-- observed later is already there (a report of an earlier instant arriving afterwards).
CREATE TRIGGER observations_latest_claim AFTER INSERT ON observations
WHEN NEW.source_role = 'carrier'
BEGIN
	INSERT INTO latest_claims (village_id, carrier, technology, id, has_signal, rsrp_dbm, dl_mbps,
		observed_at, method, area_share, upload_id, inspector)
	VALUES (NEW.village_id, NEW.carrier, NEW.technology, NEW.id, NEW.has_signal, NEW.rsrp_dbm,
		NEW.dl_mbps, NEW.observed_at, NEW.method, NEW.area_share, NEW.upload_id, NEW.inspector)
	ON CONFLICT (village_id, carrier, technology) DO UPDATE SET
		id = excluded.id, has_signal = excluded.has_signal, rsrp_dbm = excluded.rsrp_dbm,
		dl_mbps = excluded.dl_mbps, observed_at = excluded.observed_at, method = excluded.method,
		area_share = excluded.area_share, upload_id = excluded.upload_id, inspector = excluded.inspector
	WHERE excluded.observed_at >= latest_claims.observed_at;
END;

-- The series with independent measurements (an inspector measures a sample): the latest
-- measurement per series starts from them instead of seeking every series of the registry.
CREATE INDEX observations_independent ON observations (village_id, carrier, technology, observed_at, id)
WHERE source_role = 'independent';
