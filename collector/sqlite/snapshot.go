package sqlite

import (
	"context"

	"github.com/covmon/covmon/geo"
)

// DataVersion returns what a snapshot computed now would be computed from (the observation
// mark, the registry version, the ledger head), read in one read transaction.
func (db *DB) DataVersion(ctx context.Context) (geo.DataVersion, error) {
	tx, err := db.reader(ctx).BeginTx(ctx, nil)
	if err != nil {
		return geo.DataVersion{}, err
	}
	defer tx.Rollback()
	return queries.DataVersion(ctx, sq(tx))
}

// SaveSnapshot replaces the cached snapshot of b.ProgramSet (the warm start's).
func (db *DB) SaveSnapshot(ctx context.Context, b *geo.SnapshotBlob) error {
	return queries.SaveSnapshot(ctx, sq(db.rw), b)
}

// LoadSnapshot returns the cached snapshot of programSet, its Data only when its Inputs are
// inputs, or an error wrapping geo.ErrNotFound.
func (db *DB) LoadSnapshot(ctx context.Context, programSet, inputs string) (*geo.SnapshotBlob, error) {
	return queries.LoadSnapshot(ctx, sq(db.reader(ctx)), programSet, inputs)
}
