-- covmon schema, version 1.
--
-- Conventions: instants and dates are INTEGER unix milliseconds (UTC), NULL for a zero
-- time.Time; booleans are INTEGER 0/1; a village's settled area is a WKB BLOB and its centre
-- is lon/lat REAL columns (WGS84 degrees).

CREATE TABLE programs (
	id           TEXT PRIMARY KEY,
	name         TEXT NOT NULL,
	deadline     INTEGER,
	powered_only INTEGER NOT NULL DEFAULT 0 CHECK (powered_only IN (0, 1))
);

-- uploads records every file received, accepted or not.
CREATE TABLE uploads (
	id           INTEGER PRIMARY KEY,
	kind         TEXT NOT NULL,
	carrier      TEXT NOT NULL DEFAULT '',
	file_name    TEXT NOT NULL DEFAULT '',
	size         INTEGER NOT NULL DEFAULT 0,
	sha256       TEXT NOT NULL,
	source       TEXT NOT NULL DEFAULT '',
	received_at  INTEGER NOT NULL,
	result       TEXT NOT NULL CHECK (result IN ('accepted', 'rejected', 'duplicate')),
	features     INTEGER NOT NULL DEFAULT 0,
	inserted     INTEGER NOT NULL DEFAULT 0,
	duplicate_of INTEGER REFERENCES uploads (id),
	problems     TEXT -- JSON array of geo.Problem, NULL when none
);

-- The same bytes are accepted at most once: the backstop behind the duplicate check.
CREATE UNIQUE INDEX uploads_sha256_accepted ON uploads (sha256) WHERE result = 'accepted';
CREATE INDEX uploads_carrier ON uploads (carrier, id);

CREATE TABLE villages (
	id                   TEXT PRIMARY KEY,
	name                 TEXT NOT NULL,
	commune_code         TEXT NOT NULL DEFAULT '',
	commune_name         TEXT NOT NULL DEFAULT '',
	province_code        TEXT NOT NULL DEFAULT '',
	province_name        TEXT NOT NULL DEFAULT '',
	legacy_district_code TEXT NOT NULL DEFAULT '',
	legacy_commune_code  TEXT NOT NULL DEFAULT '',
	lon                  REAL NOT NULL,
	lat                  REAL NOT NULL,
	area                 BLOB, -- WKB Polygon or MultiPolygon
	grid_power           INTEGER NOT NULL CHECK (grid_power IN (0, 1)),
	grid_power_since     INTEGER,
	households           INTEGER NOT NULL DEFAULT 0,
	baseline             INTEGER NOT NULL CHECK (baseline IN (0, 1)),
	found_at             INTEGER,
	deadline             INTEGER,
	upload_id            INTEGER REFERENCES uploads (id) -- last upload that created or changed it
);

CREATE INDEX villages_province ON villages (province_code, id);

CREATE TABLE village_programs (
	village_id TEXT NOT NULL REFERENCES villages (id) ON DELETE CASCADE,
	program_id TEXT NOT NULL REFERENCES programs (id),
	PRIMARY KEY (village_id, program_id)
) WITHOUT ROWID;

CREATE INDEX village_programs_program ON village_programs (program_id, village_id);

-- observations are kept forever; status is derived from them.
CREATE TABLE observations (
	id          INTEGER PRIMARY KEY,
	village_id  TEXT NOT NULL REFERENCES villages (id),
	carrier     TEXT NOT NULL,
	technology  INTEGER NOT NULL CHECK (technology BETWEEN 2 AND 5), -- geo.Technology
	has_signal  INTEGER NOT NULL CHECK (has_signal IN (0, 1)),
	rsrp_dbm    REAL,
	dl_mbps     REAL,
	observed_at INTEGER NOT NULL,
	method      TEXT NOT NULL,
	upload_id   INTEGER NOT NULL REFERENCES uploads (id)
);

-- An identical observation is stored once. NULLs are distinct in a UNIQUE index, so the
-- optional measurements are indexed through ifnull.
CREATE UNIQUE INDEX observations_identity ON observations (
	village_id, carrier, technology, observed_at, method, has_signal,
	ifnull(rsrp_dbm, ''), ifnull(dl_mbps, '')
);

-- Seek to the latest observation of one series at or before an instant (ties: highest id).
CREATE INDEX observations_latest ON observations (village_id, carrier, technology, observed_at, id);

-- observation_series lists every village × carrier × technology with any observation, so the
-- latest-as-of query seeks once per series instead of scanning all observations.
CREATE TABLE observation_series (
	village_id TEXT NOT NULL REFERENCES villages (id),
	carrier    TEXT NOT NULL,
	technology INTEGER NOT NULL,
	PRIMARY KEY (village_id, carrier, technology)
) WITHOUT ROWID;

CREATE TRIGGER observations_series AFTER INSERT ON observations
BEGIN
	INSERT OR IGNORE INTO observation_series (village_id, carrier, technology)
	VALUES (NEW.village_id, NEW.carrier, NEW.technology);
END;
