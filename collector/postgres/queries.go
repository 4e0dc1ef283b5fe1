package postgres

import "github.com/covmon/covmon/collector/internal/sqlstore"

// queries are this store's statements for the logic it shares with collector/sqlite.
var queries = &sqlstore.Queries{
	LedgerHead:   `SELECT id, hash FROM ledger ORDER BY id DESC LIMIT 1`,
	LedgerInsert: `INSERT INTO ledger (id, kind, ref, content, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)`,
	LedgerAll:    `SELECT id, kind, ref, content, prev_hash, hash FROM ledger ORDER BY id`,

	UploadRow: `SELECT id, kind, carrier, file_name, size, sha256, source, token_id,
		received_at, result, features, inserted, duplicate_of, problems, extent, marked_dark, notes, role, effective
		FROM uploads WHERE id = $1`,
	UploadEffective: `SELECT effective FROM uploads WHERE id = $1`,
	UploadRowV1: `SELECT id, kind, carrier, file_name, size, sha256, source, token_id,
		received_at, result, features, inserted, duplicate_of, problems, extent, marked_dark, notes
		FROM uploads WHERE id = $1`,
	TokenRow:       `SELECT id, name, role, carrier, secret_hash, created_at FROM tokens WHERE id = $1`,
	TokenRevokedAt: `SELECT revoked_at FROM tokens WHERE id = $1`,
	ProgramRow:     `SELECT id, name, deadline, powered_only FROM programs WHERE id = $1`,
	ProgramRef:     `SELECT ref FROM programs WHERE id = $1`, // programs are keyed by text; the ledger refers to rows by number
	ProgramIDs:     `SELECT id FROM programs ORDER BY id`,
	UploadIDs:      `SELECT id FROM uploads ORDER BY id`,
	TokenIDs:       `SELECT id FROM tokens ORDER BY id`,
	RevokedIDs:     `SELECT id FROM tokens WHERE revoked_at IS NOT NULL ORDER BY id`,

	UploadAccepted: `SELECT id FROM uploads WHERE carrier = $1 AND role = $2 AND sha256 = $3 AND result = 'accepted'`,
	UploadInserted: `UPDATE uploads SET inserted = $1 WHERE id = $2`,

	AssignmentUploads: `SELECT id, received_at FROM uploads WHERE kind = 'assignments'`,

	RegistryVersion: `SELECT coalesce(max(id), 0) FROM uploads WHERE kind = 'villages' AND result = 'accepted'`,
	SnapshotSave: `INSERT INTO snapshot_cache (program_set, inputs, computed_at, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (program_set) DO UPDATE SET inputs = excluded.inputs, computed_at = excluded.computed_at, data = excluded.data`,
	SnapshotLoad: `SELECT inputs, computed_at, CASE WHEN inputs = $1 THEN data END FROM snapshot_cache WHERE program_set = $2`,

	ObservationMark:   `SELECT coalesce(max(id), 0) FROM observations`,
	ObservationsCount: `SELECT count(*) FROM (SELECT 1 FROM observations WHERE id > $1 AND id <= $2 LIMIT $3) x`,
	ObservedSince: `SELECT village_id, max(observed_at) FROM observations
		WHERE id > $1 AND id <= $2 GROUP BY village_id ORDER BY village_id COLLATE "C"`,

	AlertsFiring: `SELECT ` + sqlstore.AlertColumns + ` FROM alerts WHERE state = 'firing' ORDER BY key`,
	AlertEndsAt:  `SELECT ends_at FROM alerts WHERE key = $1`,
	AlertRefresh: `UPDATE alerts SET labels = $1, annotations = $2, updated_at = $3 WHERE key = $4`,
	AlertFire: `INSERT INTO alerts
		(key, kind, labels, annotations, state, starts_at, ends_at, updated_at)
		VALUES ($1, $2, $3, $4, 'firing', $5, NULL, $6)
		ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, labels = excluded.labels,
			annotations = excluded.annotations, state = 'firing', starts_at = excluded.starts_at,
			ends_at = NULL, updated_at = excluded.updated_at`,
	AlertResolve: `UPDATE alerts SET state = 'resolved', ends_at = $1, updated_at = $2 WHERE key = $3`,
	OutboxInsert: `INSERT INTO alert_outbox
		(receiver, alert_key, transition, starts_at, alert, created_at, next_attempt_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT DO NOTHING`,
	OutboxWithdraw: `UPDATE alert_outbox SET sent_at = $1, last_error = $2
		WHERE receiver = $3 AND alert_key = $4 AND transition = 'firing' AND starts_at = $5 AND sent_at IS NULL`,
	OutboxPrune: `DELETE FROM alert_outbox WHERE sent_at IS NOT NULL AND sent_at < $1`,
	AlertsPrune: `DELETE FROM alerts WHERE state = 'resolved' AND ends_at < $1`,

	TokenRevoke: `UPDATE tokens SET revoked_at = $1 WHERE id = $2`,
	ProgramUpsert: `INSERT INTO programs (id, name, deadline, powered_only)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name,
			deadline = excluded.deadline,
			powered_only = excluded.powered_only`,
}

// secondaryIndexes lists, for $1 (the tables, text[]), the indexes a first registry import
// drops and rebuilds (dropIndexes): name (regclass's output, quoted and schema-qualified as
// needed) and definition, of those backing no constraint (not the primary keys, which the
// foreign keys and the upsert use) on tables covmon's role owns or acts as the owner of.
const secondaryIndexes = `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
		FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
		WHERE i.indrelid = ANY ($1::regclass[]) AND pg_has_role(t.relowner, 'USAGE')
			AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		ORDER BY 1`
