-- Alert states and the delivery outbox (package alerts; written by DB.ApplyEvaluation).
--
-- alerts holds one row per alert key: its latest episode. state is 'firing' while the alert is
-- active; a resolved row keeps ends_at so that a later episode of the same key gets a later
-- starts_at (the outbox de-duplicates on it).
CREATE TABLE alerts (
	key         TEXT PRIMARY KEY,
	kind        TEXT NOT NULL,
	labels      TEXT NOT NULL, -- JSON object
	annotations TEXT NOT NULL, -- JSON object
	state       TEXT NOT NULL CHECK (state IN ('firing', 'resolved')),
	starts_at   INTEGER NOT NULL,
	ends_at     INTEGER,
	updated_at  INTEGER NOT NULL
);

CREATE INDEX alerts_state ON alerts (state, key);

-- alert_outbox holds one row per receiver per transition, written in the evaluation's
-- transaction and marked sent by the drain loop. Undelivered rows survive restarts.
CREATE TABLE alert_outbox (
	id              INTEGER PRIMARY KEY,
	receiver        TEXT NOT NULL,
	alert_key       TEXT NOT NULL,
	transition      TEXT NOT NULL CHECK (transition IN ('firing', 'resolved')),
	starts_at       INTEGER NOT NULL,
	alert           TEXT NOT NULL, -- JSON of the alert as it was at the transition
	created_at      INTEGER NOT NULL,
	next_attempt_at INTEGER NOT NULL,
	attempts        INTEGER NOT NULL DEFAULT 0,
	sent_at         INTEGER,
	last_error      TEXT
);

-- The dedupe key: re-applying an evaluation never queues a transition twice.
CREATE UNIQUE INDEX alert_outbox_dedupe ON alert_outbox (receiver, alert_key, transition, starts_at);
CREATE INDEX alert_outbox_pending ON alert_outbox (receiver, id) WHERE sent_at IS NULL;
