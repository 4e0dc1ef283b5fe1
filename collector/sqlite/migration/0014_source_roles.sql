-- Sources with roles (issue 11): every observation is a carrier's claim ('carrier') or an
-- independent measurement ('independent': a ministry or provincial drive test, a field
-- inspection, crowd measurements), with who measured it. Status as the carriers claim it reads
-- only 'carrier' rows; the index leads with the role so that seek stays one seek.
ALTER TABLE observations ADD COLUMN source_role TEXT NOT NULL DEFAULT 'carrier'
	CHECK (source_role IN ('carrier', 'independent'));
ALTER TABLE observations ADD COLUMN inspector TEXT NOT NULL DEFAULT '';

DROP INDEX IF EXISTS observations_latest;
CREATE INDEX observations_latest ON observations (village_id, carrier, technology, source_role, observed_at, id);

-- The inspector token role: the tokens table is rebuilt to widen its CHECK. Uploads refer to
-- tokens, so the foreign keys are checked at commit, when every token is back under its ID.
PRAGMA defer_foreign_keys = ON;
CREATE TEMP TABLE tokens_old AS SELECT * FROM tokens;
DROP TABLE tokens;
CREATE TABLE tokens (
	id           INTEGER PRIMARY KEY,
	name         TEXT NOT NULL,
	role         TEXT NOT NULL CHECK (role IN ('carrier', 'ministry', 'inspector')),
	carrier      TEXT NOT NULL DEFAULT '',
	secret_hash  TEXT NOT NULL,
	created_at   INTEGER NOT NULL,
	revoked_at   INTEGER,
	last_used_at INTEGER
);
INSERT INTO tokens (id, name, role, carrier, secret_hash, created_at, revoked_at, last_used_at)
	SELECT id, name, role, carrier, secret_hash, created_at, revoked_at, last_used_at FROM tokens_old;
DROP TABLE temp.tokens_old;
