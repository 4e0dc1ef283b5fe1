-- The ledger's upload entries record the instant an upload speaks as of (uploads.effective,
-- the field effective_ms, content format 3) from this migration on. The entries appended
-- before it (formats 1 and 2) do not: this migration's Go step (sqlstore.SealEffective)
-- appends one upload_effective entry per upload stored now, recording its effective instant,
-- so an edit of the column is found by `covmon audit verify` for old uploads too (docs/audit.md).
SELECT 1;
