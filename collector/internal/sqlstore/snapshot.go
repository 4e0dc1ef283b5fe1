package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/covmon/covmon/geo"
)

// DataVersion reads the observation mark, the registry version and the ledger head through q
// (a read transaction, or the pool: each part only grows, so parts read at slightly
// different moments still never match a later state they do not describe).
func (qs *Queries) DataVersion(ctx context.Context, q Querier) (geo.DataVersion, error) {
	var v geo.DataVersion
	if err := q.QueryRow(ctx, qs.ObservationMark).Scan(&v.Mark); err != nil {
		return v, fmt.Errorf("data version: observation mark: %w", err)
	}
	if err := q.QueryRow(ctx, qs.RegistryVersion).Scan(&v.Registry); err != nil {
		return v, fmt.Errorf("data version: registry: %w", err)
	}
	err := q.QueryRow(ctx, qs.LedgerHead).Scan(&v.Ledger, &v.LedgerHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return v, fmt.Errorf("data version: ledger head: %w", err)
	}
	return v, nil
}

// SaveSnapshot replaces the cached snapshot of b.ProgramSet.
func (qs *Queries) SaveSnapshot(ctx context.Context, q Querier, b *geo.SnapshotBlob) error {
	if b.ProgramSet == "" || b.Inputs == "" {
		return fmt.Errorf("save snapshot: no program set or inputs")
	}
	if err := q.Exec(ctx, qs.SnapshotSave, b.ProgramSet, b.Inputs, b.ComputedAt.UnixMilli(), b.Data); err != nil {
		return fmt.Errorf("save snapshot: %w", err)
	}
	return nil
}

// LoadSnapshot returns the cached snapshot of programSet, its Data only when its Inputs are
// inputs (nil otherwise: the bytes of a snapshot that would be refused are not read), or an
// error wrapping geo.ErrNotFound.
func (qs *Queries) LoadSnapshot(ctx context.Context, q Querier, programSet, inputs string) (*geo.SnapshotBlob, error) {
	b := &geo.SnapshotBlob{ProgramSet: programSet}
	var ms int64
	err := q.QueryRow(ctx, qs.SnapshotLoad, inputs, programSet).Scan(&b.Inputs, &ms, &b.Data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("load snapshot %q: %w", programSet, geo.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("load snapshot %q: %w", programSet, err)
	}
	b.ComputedAt = time.UnixMilli(ms).In(geo.Vietnam)
	return b, nil
}
