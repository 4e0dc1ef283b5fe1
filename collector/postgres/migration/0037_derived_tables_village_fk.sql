-- latest_claims and observation_series are derived from observations: their foreign keys to
-- villages go (issue 14). Every row of both is written from observations only, so the
-- village each names is one an observation names, whose own foreign key
-- (observations.village_id REFERENCES villages) has checked it:
--   - the store's insert statement writes both from the rows it has just inserted into
--     observations (its RETURNING), in the same statement, under that foreign key;
--   - migration 0034 filled latest_claims from observations;
--   - covmon migrate (ImportFrom) copies a source's rows as they are: it checks afterwards
--     that every village both tables name is in villages, and fails the copy otherwise.
-- A village is never deleted and its id never changes (a retired village stays in villages
-- with retired_at set; the registry's history is kept), and an observation is never deleted
-- or updated, so the village of a stored row stays there. The contract test
-- DerivedTablesNameVillages checks the rule after uploads, retirements and re-imports.
-- The two constraints cost the upload's insert statement a foreign-key trigger per new row of
-- each table: 2.1 s and 3.4 s of server CPU for 300k series at 100k villages × 1M rows, −20 %
-- of the statement without them (docs/benchmarks.md). The SQLite store keeps its two: see its
-- 0037.
ALTER TABLE latest_claims DROP CONSTRAINT latest_claims_village_id_fkey;
ALTER TABLE observation_series DROP CONSTRAINT observation_series_village_id_fkey;
