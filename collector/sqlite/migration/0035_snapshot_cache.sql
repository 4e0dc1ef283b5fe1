-- snapshot_cache keeps the last snapshot covmon serve computed, one row per program set, so
-- that a restart on unchanged data serves it at once (a warm start, issue 16) instead of
-- waiting for the whole registry to be evaluated again. It is a cache: derived from the other
-- tables, replaced after each whole computation, refused at start-up unless its inputs (the
-- observation mark, the registry version, the ledger head, the configuration's programs and
-- policy, covmon's build and the encoding) are exactly today's; nothing else reads it.
-- covmon migrate does not copy it (the copy's first start computes its own).
CREATE TABLE snapshot_cache (
	program_set TEXT PRIMARY KEY, -- the programs' IDs, sorted, comma-separated
	inputs      TEXT NOT NULL,    -- what it was computed from (collector's warm-start key)
	computed_at INTEGER NOT NULL, -- unix milliseconds
	data        BLOB NOT NULL     -- the encoded snapshot (collector.EncodeSnapshot)
) WITHOUT ROWID;
