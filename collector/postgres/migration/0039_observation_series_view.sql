-- observation_series becomes a view derived from latest_claims (issue 14). Every upload wrote
-- one row into each of latest_claims and observation_series per new series: with 1M villages
-- every row of a first upload is its own series, so 2M derived rows beside the 1M observations
-- (the upload at 3.5x a plain COPY of the same rows). The store reads series only for carrier
-- claims (the as-of queries seek the latest claim of each series; independent measurements
-- start from the partial index observations_independent), and the carrier series are exactly
-- latest_claims' keys: it holds a row for every village x carrier x technology with a carrier
-- claim, written in the same statement as the claims. So observation_series is no longer
-- written; the view keeps its name and its rows (every series with any observation: the
-- carrier series from latest_claims, the series with only independent measurements from
-- observations) for GIS users and for covmon migrate, which checks a SQLite source's
-- observation_series against it instead of copying it.
DROP TABLE observation_series;
CREATE VIEW observation_series AS
SELECT village_id, carrier, technology FROM latest_claims
UNION
SELECT village_id, carrier, technology FROM observations WHERE source_role = 'independent';
