-- daily_figures keeps the headline figures of each program as they were computed on a day
-- (the daily snapshot), for burn-down charts. Rows marked backfilled were computed later from
-- the stored observations for days before covmon ran.
CREATE TABLE daily_figures (
	day              TEXT NOT NULL, -- YYYY-MM-DD, Vietnam time
	program_id       TEXT NOT NULL,
	baseline         INTEGER NOT NULL,
	baseline_covered INTEGER NOT NULL,
	covered          INTEGER NOT NULL,
	dead_zone        INTEGER NOT NULL,
	no_power         INTEGER NOT NULL,
	no_data          INTEGER NOT NULL,
	overdue          INTEGER NOT NULL,
	found_later      INTEGER NOT NULL,
	backfilled       INTEGER NOT NULL DEFAULT 0 CHECK (backfilled IN (0, 1)),
	computed_at      INTEGER NOT NULL,
	PRIMARY KEY (program_id, day)
) WITHOUT ROWID;
