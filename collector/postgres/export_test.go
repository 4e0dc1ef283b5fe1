package postgres

// StagedUploads returns how many uploads db stored from a stage filled while their files
// were read (StageObservations).
func StagedUploads(db *DB) int64 { return db.staged.Load() }
