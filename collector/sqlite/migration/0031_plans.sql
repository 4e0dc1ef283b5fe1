-- Carriers' plans and build progress (plans/v1, issue 11).
--
-- plans keeps every plan ever uploaded: a later plan of the same carrier for the same village
-- and program replaces the earlier one from the moment its upload was received (uploads
-- .received_at), and rows are never updated, so figures as of a past instant use the plan
-- known then. Dates are unix milliseconds; built_at and on_air_at are NULL for a step not
-- reached.
CREATE TABLE plans (
	village_id    TEXT NOT NULL REFERENCES villages (id),
	program_id    TEXT NOT NULL REFERENCES programs (id),
	carrier       TEXT NOT NULL,
	site_id       TEXT NOT NULL,
	target_on_air INTEGER NOT NULL,
	progress      TEXT NOT NULL CHECK (progress IN ('planned', 'built', 'on_air')),
	planned_at    INTEGER NOT NULL,
	built_at      INTEGER,
	on_air_at     INTEGER,
	upload_id     INTEGER NOT NULL REFERENCES uploads (id),
	PRIMARY KEY (program_id, village_id, upload_id)
);
