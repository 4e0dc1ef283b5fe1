-- snapshot_cache: the last snapshot computed, for a warm start, as collector/sqlite's
-- 0035_snapshot_cache. A cache derived from the other tables: not in Tables, so covmon
-- migrate neither copies it nor requires it empty.
CREATE TABLE snapshot_cache (
	program_set TEXT PRIMARY KEY,
	inputs      TEXT NOT NULL,
	computed_at BIGINT NOT NULL,
	data        BYTEA NOT NULL
);
