-- The tamper-evident ledger (issue 11): a hash chain over every upload record and every admin
-- action. docs/audit.md specifies the hash so a third party can recompute it. Entries are only
-- ever appended, in the same transaction as what they record; the uploads and tokens that
-- existed before this migration are chained once, in ID order, when it runs.
CREATE TABLE ledger (
	id        INTEGER PRIMARY KEY, -- 1, 2, 3, … with no gap
	kind      TEXT NOT NULL,       -- geo.Ledger*: upload, token_created, token_revoked, …
	ref       INTEGER NOT NULL,    -- the upload or token it records
	content   TEXT NOT NULL,       -- canonical JSON, hashed as these bytes
	prev_hash TEXT NOT NULL,
	hash      TEXT NOT NULL
);

CREATE INDEX ledger_ref ON ledger (kind, ref);

-- The API token that sent an upload (NULL for the command line, drop folder, feeds, seed).
ALTER TABLE uploads ADD COLUMN token_id INTEGER REFERENCES tokens (id);

-- When a token last authenticated a request (NULL: never used).
ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;
