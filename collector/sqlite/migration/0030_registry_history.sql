-- The registry with history (issue 12).
--
-- villages stays the current registry, one plain row per village ever imported, so reads of
-- today's registry stay a scan of one table. Two columns date that row:
--   valid_from  the instant the row's content took effect (NULL: since always — a village's
--               first version, unless it was created as the successor of retired villages);
--   retired_at  the instant the village was retired (NULL: active). A retired village keeps its
--               row (observations reference it and its history stays readable) but is not in
--               the registry from retired_at on.
-- village_versions holds every superseded version: the content a village had during
-- [valid_from, valid_to), with its program list as a sorted JSON array (the current row's
-- programs are in village_programs). A re-import that changes a village copies the stored row
-- here (valid_to = the import's effective instant) before overwriting it, so only changed
-- villages have versions and the table stays small.
--
-- The registry as of instant T is therefore
--   SELECT ... FROM villages
--    WHERE (valid_from IS NULL OR valid_from <= T) AND (retired_at IS NULL OR retired_at > T)
--   UNION ALL
--   SELECT ... FROM village_versions
--    WHERE valid_to > T AND (valid_from IS NULL OR valid_from <= T)
-- (at most one row per village: versions are contiguous and the current row starts where the
-- newest version ends).
ALTER TABLE villages ADD COLUMN valid_from INTEGER;
ALTER TABLE villages ADD COLUMN retired_at INTEGER;

CREATE TABLE village_versions (
	id                   INTEGER PRIMARY KEY,
	village_id           TEXT NOT NULL REFERENCES villages (id),
	valid_from           INTEGER, -- NULL: since always
	valid_to             INTEGER NOT NULL,
	name                 TEXT NOT NULL,
	commune_code         TEXT NOT NULL DEFAULT '',
	commune_name         TEXT NOT NULL DEFAULT '',
	province_code        TEXT NOT NULL DEFAULT '',
	province_name        TEXT NOT NULL DEFAULT '',
	legacy_district_code TEXT NOT NULL DEFAULT '',
	legacy_commune_code  TEXT NOT NULL DEFAULT '',
	lon                  REAL NOT NULL,
	lat                  REAL NOT NULL,
	area                 BLOB,
	grid_power           INTEGER NOT NULL,
	grid_power_since     INTEGER,
	households           INTEGER NOT NULL DEFAULT 0,
	baseline             INTEGER NOT NULL,
	found_at             INTEGER,
	deadline             INTEGER,
	deadlines            TEXT,
	search_key           TEXT,
	programs             TEXT NOT NULL DEFAULT '[]', -- sorted JSON array of program IDs
	upload_id            INTEGER REFERENCES uploads (id), -- the upload that made this version
	superseded_by        INTEGER NOT NULL REFERENCES uploads (id) -- the upload that ended it
);

-- As-of reads seek the versions still valid after T; a village's history seeks by village.
CREATE INDEX village_versions_to ON village_versions (valid_to);
CREATE INDEX village_versions_village ON village_versions (village_id, valid_to);

-- village_successions records retirements: from effective on, predecessor is retired and
-- successor carries on (a merge has two predecessors of one successor, a split one
-- predecessor of two successors).
CREATE TABLE village_successions (
	predecessor TEXT NOT NULL REFERENCES villages (id),
	successor   TEXT NOT NULL REFERENCES villages (id),
	effective   INTEGER NOT NULL,
	upload_id   INTEGER NOT NULL REFERENCES uploads (id),
	PRIMARY KEY (predecessor, successor)
) WITHOUT ROWID;

CREATE INDEX village_successions_successor ON village_successions (successor, predecessor);

-- The registry's effective instant per villages upload (NULL: the upload's received_at).
ALTER TABLE uploads ADD COLUMN effective INTEGER;

-- villages_history keeps the version a registry upload replaces. Every change of a village's
-- content or programs sets its upload_id and valid_from (the upload's effective instant), and
-- happens before its new programs are written, so village_programs still holds the old ones.
-- A retirement sets retired_at only and keeps the row as its last version.
CREATE TRIGGER villages_history AFTER UPDATE OF upload_id ON villages
WHEN OLD.retired_at IS NULL AND NEW.valid_from IS NOT NULL
BEGIN
	INSERT INTO village_versions (village_id, valid_from, valid_to, name, commune_code,
		commune_name, province_code, province_name, legacy_district_code, legacy_commune_code,
		lon, lat, area, grid_power, grid_power_since, households, baseline, found_at, deadline,
		deadlines, search_key, programs, upload_id, superseded_by)
	VALUES (OLD.id, OLD.valid_from, NEW.valid_from, OLD.name, OLD.commune_code,
		OLD.commune_name, OLD.province_code, OLD.province_name, OLD.legacy_district_code,
		OLD.legacy_commune_code, OLD.lon, OLD.lat, OLD.area, OLD.grid_power, OLD.grid_power_since,
		OLD.households, OLD.baseline, OLD.found_at, OLD.deadline, OLD.deadlines, OLD.search_key,
		(SELECT coalesce(json_group_array(program_id ORDER BY program_id), '[]')
			FROM village_programs WHERE village_id = OLD.id),
		OLD.upload_id, NEW.upload_id);
END;
