-- API tokens. Only the SHA-256 of a token's secret is stored.
CREATE TABLE tokens (
	id          INTEGER PRIMARY KEY,
	name        TEXT NOT NULL,
	role        TEXT NOT NULL CHECK (role IN ('carrier', 'ministry')),
	carrier     TEXT NOT NULL DEFAULT '',
	secret_hash TEXT NOT NULL,
	created_at  INTEGER NOT NULL,
	revoked_at  INTEGER
);

-- Upload statistics group by carrier and result.
CREATE INDEX uploads_carrier_result ON uploads (carrier, result, received_at);
CREATE INDEX uploads_source ON uploads (source) WHERE result = 'accepted';
