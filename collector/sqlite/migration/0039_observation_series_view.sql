-- Migration 0039 of the PostgreSQL store replaces its observation_series table by a view over
-- latest_claims (its upload no longer writes a second derived row per new series; see
-- collector/postgres/migration/0039_observation_series_view.sql). This store keeps its table:
-- here a trigger of observations writes it, one seek into a small primary key inside the
-- insert, and its readers (the as-of queries, the area path's check for known series) use it.
-- So this migration changes nothing: it keeps both stores' numbering aligned.
SELECT 1;
