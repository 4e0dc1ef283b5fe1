package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/covmon/covmon/collector/internal/sqlstore"
	"github.com/covmon/covmon/geo"
)

// UpsertProgram creates the program p or replaces its name, deadline and scope (its late-entry
// grace and deadline overrides are configuration and are not stored). Programs must exist
// before villages name them. A program created or changed is an admin action: it is appended
// to the ledger (kind program_set) in the same transaction; an unchanged one is not.
func (db *DB) UpsertProgram(ctx context.Context, p geo.Program) error {
	if p.ID == "" {
		return errors.New("upsert program: empty id")
	}
	tx, err := db.rw.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("upsert program %q: %w", p.ID, err)
	}
	defer tx.Rollback()
	if err := queries.UpsertProgram(ctx, sq(tx), p); err != nil {
		return fmt.Errorf("upsert program %q: %w", p.ID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("upsert program %q: commit: %w", p.ID, err)
	}
	return nil
}

// Programs lists every program ordered by ID.
func (db *DB) Programs(ctx context.Context) ([]geo.Program, error) {
	out, err := sqlstore.Collect(ctx, sq(db.reader(ctx)), sqlstore.ScanProgram, `SELECT `+sqlstore.ProgramColumns+` FROM programs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list programs: %w", err)
	}
	return out, nil
}

// Program returns the program with the given ID, or an error wrapping geo.ErrNotFound.
func (db *DB) Program(ctx context.Context, id string) (*geo.Program, error) {
	p, err := sqlstore.ScanProgram(db.reader(ctx).QueryRowContext(ctx,
		`SELECT `+sqlstore.ProgramColumns+` FROM programs WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("program %q: %w", id, geo.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("program %q: %w", id, err)
	}
	return &p, nil
}
