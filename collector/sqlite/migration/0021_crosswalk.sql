-- crosswalk holds the ministry's dated crosswalk of administrative units (crosswalk/v1 CSV
-- uploads): from effective on, (part of) old unit old_code belongs to new unit new_code.
-- A row is identified by level, effective date and the two codes; a later upload of the same
-- row updates its names and share and names itself in upload_id. old_province/new_province
-- are empty on province rows; share is NULL when not given.
CREATE TABLE crosswalk (
	level        TEXT NOT NULL CHECK (level IN ('province', 'commune')),
	effective    INTEGER NOT NULL,
	old_code     TEXT NOT NULL,
	new_code     TEXT NOT NULL,
	old_name     TEXT NOT NULL,
	new_name     TEXT NOT NULL,
	old_province TEXT NOT NULL DEFAULT '',
	new_province TEXT NOT NULL DEFAULT '',
	share        REAL,
	upload_id    INTEGER NOT NULL REFERENCES uploads (id),
	PRIMARY KEY (level, effective, old_code, new_code)
) WITHOUT ROWID;
