package sqlite

import "github.com/covmon/covmon/collector/internal/sqlstore"

// queries are this store's statements for the logic it shares with collector/postgres.
var queries = &sqlstore.Queries{
	LedgerHead:   `SELECT id, hash FROM ledger ORDER BY id DESC LIMIT 1`,
	LedgerInsert: `INSERT INTO ledger (id, kind, ref, content, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?)`,
	LedgerAll:    `SELECT id, kind, ref, content, prev_hash, hash FROM ledger ORDER BY id`,

	UploadRow: `SELECT id, kind, carrier, file_name, size, sha256, source, token_id,
		received_at, result, features, inserted, duplicate_of, problems, extent, marked_dark, notes, role, effective
		FROM uploads WHERE id = ?`,
	UploadEffective: `SELECT effective FROM uploads WHERE id = ?`,
	UploadRowV1: `SELECT id, kind, carrier, file_name, size, sha256, source, token_id,
		received_at, result, features, inserted, duplicate_of, problems, extent, marked_dark, notes
		FROM uploads WHERE id = ?`,
	TokenRow:       `SELECT id, name, role, carrier, secret_hash, created_at FROM tokens WHERE id = ?`,
	TokenRevokedAt: `SELECT revoked_at FROM tokens WHERE id = ?`,
	ProgramRow:     `SELECT id, name, deadline, powered_only FROM programs WHERE id = ?`,
	ProgramRef:     `SELECT rowid FROM programs WHERE id = ?`, // programs are keyed by text; the ledger refers to rows by number
	ProgramIDs:     `SELECT id FROM programs ORDER BY id`,
	UploadIDs:      `SELECT id FROM uploads ORDER BY id`,
	TokenIDs:       `SELECT id FROM tokens ORDER BY id`,
	RevokedIDs:     `SELECT id FROM tokens WHERE revoked_at IS NOT NULL ORDER BY id`,

	UploadAccepted: `SELECT id FROM uploads WHERE carrier = ? AND role = ? AND sha256 = ? AND result = 'accepted'`,
	UploadInserted: `UPDATE uploads SET inserted = ? WHERE id = ?`,

	AssignmentUploads: `SELECT id, received_at FROM uploads WHERE kind = 'assignments'`,

	RegistryVersion: `SELECT coalesce(max(id), 0) FROM uploads WHERE kind = 'villages' AND result = 'accepted'`,
	SnapshotSave: `INSERT INTO snapshot_cache (program_set, inputs, computed_at, data) VALUES (?, ?, ?, ?)
		ON CONFLICT (program_set) DO UPDATE SET inputs = excluded.inputs, computed_at = excluded.computed_at, data = excluded.data`,
	SnapshotLoad: `SELECT inputs, computed_at, CASE WHEN inputs = ? THEN data END FROM snapshot_cache WHERE program_set = ?`,

	ObservationMark:   `SELECT coalesce(max(id), 0) FROM observations`,
	ObservationsCount: `SELECT count(*) FROM (SELECT 1 FROM observations WHERE id > ? AND id <= ? LIMIT ?)`,
	ObservedSince: `SELECT village_id, max(observed_at) FROM observations
		WHERE id > ? AND id <= ? GROUP BY village_id ORDER BY village_id`,

	AlertsFiring: `SELECT ` + sqlstore.AlertColumns + ` FROM alerts WHERE state = 'firing' ORDER BY key`,
	AlertEndsAt:  `SELECT ends_at FROM alerts WHERE key = ?`,
	AlertRefresh: `UPDATE alerts SET labels = ?, annotations = ?, updated_at = ? WHERE key = ?`,
	AlertFire: `INSERT INTO alerts
		(key, kind, labels, annotations, state, starts_at, ends_at, updated_at)
		VALUES (?, ?, ?, ?, 'firing', ?, NULL, ?)
		ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, labels = excluded.labels,
			annotations = excluded.annotations, state = 'firing', starts_at = excluded.starts_at,
			ends_at = NULL, updated_at = excluded.updated_at`,
	AlertResolve: `UPDATE alerts SET state = 'resolved', ends_at = ?, updated_at = ? WHERE key = ?`,
	OutboxInsert: `INSERT INTO alert_outbox
		(receiver, alert_key, transition, starts_at, alert, created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`,
	OutboxWithdraw: `UPDATE alert_outbox SET sent_at = ?, last_error = ?
		WHERE receiver = ? AND alert_key = ? AND transition = 'firing' AND starts_at = ? AND sent_at IS NULL`,
	OutboxPrune: `DELETE FROM alert_outbox WHERE sent_at IS NOT NULL AND sent_at < ?`,
	AlertsPrune: `DELETE FROM alerts WHERE state = 'resolved' AND ends_at < ?`,

	TokenRevoke: `UPDATE tokens SET revoked_at = ? WHERE id = ?`,
	ProgramUpsert: `INSERT INTO programs (id, name, deadline, powered_only)
		VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name,
			deadline = excluded.deadline,
			powered_only = excluded.powered_only`,
}

// secondaryIndexes lists, for ? (the tables, a JSON array), the indexes a first registry
// import drops and rebuilds (dropIndexes): name and definition of those with an SQL
// definition (not the primary keys' automatic ones).
const secondaryIndexes = `SELECT name, sql FROM sqlite_master
		WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN (SELECT value FROM json_each(?))
		ORDER BY name`
