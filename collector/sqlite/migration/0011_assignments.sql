-- Responsibility and per-program deadlines (issue 10).
--
-- assignments keeps every assignment ever uploaded (assignments/v1, ministry only): from
-- assigned_at on, carrier is responsible for the village in the program, until a later
-- assignment of the same village and program; carrier NULL unassigns. Rows are never updated,
-- so figures as of a past instant use the assignment in force then. Of two assignments at the
-- same instant the later upload wins.
CREATE TABLE assignments (
	village_id  TEXT NOT NULL REFERENCES villages (id),
	program_id  TEXT NOT NULL REFERENCES programs (id),
	carrier     TEXT,
	assigned_at INTEGER NOT NULL,
	upload_id   INTEGER NOT NULL REFERENCES uploads (id),
	PRIMARY KEY (program_id, village_id, assigned_at, upload_id)
);

-- villages.deadlines is the registry's per-program deadlines (villages/v1 "deadlines"): a JSON
-- object {"program_id": unix milliseconds}, NULL when none.
ALTER TABLE villages ADD COLUMN deadlines TEXT;
