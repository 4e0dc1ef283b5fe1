-- Carriers' plans and build progress (plans/v1, issue 11), as collector/sqlite's 0031_plans.
-- Every plan ever uploaded is kept: a later plan of the same carrier for the same village and
-- program replaces the earlier one from the moment its upload was received; rows are never
-- updated. Dates are unix milliseconds; built_at and on_air_at are NULL for a step not reached.
CREATE TABLE plans (
	village_id    TEXT NOT NULL REFERENCES villages (id),
	program_id    TEXT NOT NULL REFERENCES programs (id),
	carrier       TEXT NOT NULL,
	site_id       TEXT NOT NULL,
	target_on_air BIGINT NOT NULL,
	progress      TEXT NOT NULL CHECK (progress IN ('planned', 'built', 'on_air')),
	planned_at    BIGINT NOT NULL,
	built_at      BIGINT,
	on_air_at     BIGINT,
	upload_id     BIGINT NOT NULL REFERENCES uploads (id),
	PRIMARY KEY (program_id, village_id, upload_id)
);
