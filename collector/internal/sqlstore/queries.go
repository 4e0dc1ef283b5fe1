package sqlstore

// Queries are a store's statements that the shared logic runs, in the store's dialect. The
// comment of each field names the parameters it takes, in order, and the columns it returns.
type Queries struct {
	// The ledger.
	LedgerHead   string // → id, hash of the newest entry
	LedgerInsert string // id, kind, ref, content, prev_hash, hash
	LedgerAll    string // → id, kind, ref, content, prev_hash, hash of every entry in ID order

	// What the ledger records, read back from the tables.
	UploadRow       string // upload id → id, kind, carrier, file_name, size, sha256, source, token_id, received_at, result, features, inserted, duplicate_of, problems, extent, marked_dark, notes, role, effective
	UploadEffective string // upload id → effective (NULL when the upload has none)
	UploadRowV1     string // upload id → the UploadRow columns up to notes (those of migration 0013: format 1)
	TokenRow        string // token id → id, name, role, carrier, secret_hash, created_at
	TokenRevokedAt  string // token id → revoked_at
	ProgramRow      string // program id → id, name, deadline, powered_only
	ProgramRef      string // program id → the number the ledger refers to the program by
	ProgramIDs      string // → every program's id, in id order
	UploadIDs       string // → every upload's id, in id order
	TokenIDs        string // → every token's id, in id order
	RevokedIDs      string // → the ids of the revoked tokens, in id order

	// Uploads.
	UploadAccepted string // carrier, role, sha256 → id of the accepted upload of these bytes
	UploadInserted string // inserted, upload id: set an accepted upload's count

	// Observations stored since a mark.
	ObservationMark   string // → the newest observation's id, 0 for none
	ObservationsCount string // mark, next, limit → how many observations have mark < id <= next, counting at most limit
	ObservedSince     string // mark, next → village_id, max(observed_at) of the observations with mark < id <= next, by village_id (byte order)

	// Assignments.
	AssignmentUploads string // → id, received_at of every assignments upload

	// The snapshot cache (warm start).
	RegistryVersion string // → the latest accepted registry upload's id, 0 for none
	SnapshotSave    string // program_set, inputs, computed_at, data: insert or replace
	SnapshotLoad    string // inputs, program_set → inputs, computed_at, and data when inputs are the row's (else NULL)

	// Alert states and the delivery outbox.
	AlertsFiring string // → AlertColumns of the firing alerts, by key
	AlertEndsAt  string // key → ends_at
	AlertRefresh string // labels, annotations, updated_at, key: a firing alert's new text
	AlertFire    string // key, kind, labels, annotations, starts_at, updated_at: insert or restart as firing
	AlertResolve string // ends_at, updated_at, key
	OutboxInsert string // receiver, alert_key, transition, starts_at, alert, created_at, next_attempt_at; a repeat does nothing
	// OutboxWithdraw settles a firing row never delivered, as a dropped one (sent_at, last_error):
	// sent_at, last_error, receiver, alert_key, starts_at.
	OutboxWithdraw string
	OutboxPrune    string // sent_at bound: delete the rows delivered before it
	AlertsPrune    string // ends_at bound: delete the alerts resolved before it

	// Writes the shared logic makes.
	TokenRevoke   string // revoked_at, token id
	ProgramUpsert string // id, name, deadline, powered_only: insert or replace the three
}
