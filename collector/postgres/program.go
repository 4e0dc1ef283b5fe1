package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

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
	tx, err := db.begin(ctx)
	if err != nil {
		return fmt.Errorf("upsert program %q: %w", p.ID, err)
	}
	defer tx.Rollback(ctx)
	before, err := programContent(ctx, tx, p.ID)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("upsert program %q: %w", p.ID, err)
	}
	_, err = tx.Exec(ctx, `INSERT INTO programs (id, name, deadline, powered_only)
		VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET
			name = excluded.name,
			deadline = excluded.deadline,
			powered_only = excluded.powered_only`,
		p.ID, p.Name, nullMillis(p.Deadline), p.PoweredOnly)
	if err != nil {
		return fmt.Errorf("upsert program %q: %w", p.ID, err)
	}
	after, err := programContent(ctx, tx, p.ID)
	if err != nil {
		return fmt.Errorf("upsert program %q: %w", p.ID, err)
	}
	if after == before {
		return nil
	}
	if err := appendLedger(ctx, tx, geo.LedgerProgramSet, programRef(ctx, tx, p.ID), after); err != nil {
		return fmt.Errorf("upsert program %q: %w", p.ID, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("upsert program %q: commit: %w", p.ID, err)
	}
	return nil
}

const programColumns = `id, name, deadline, powered_only`

func scanProgram(s pgx.Row) (*geo.Program, error) {
	var (
		p        geo.Program
		deadline *int64
	)
	if err := s.Scan(&p.ID, &p.Name, &deadline, &p.PoweredOnly); err != nil {
		return nil, err
	}
	p.Deadline = fromMillis(deadline)
	return &p, nil
}

// Programs lists every program ordered by ID.
func (db *DB) Programs(ctx context.Context) ([]geo.Program, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+programColumns+` FROM programs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list programs: %w", err)
	}
	defer rows.Close()
	var out []geo.Program
	for rows.Next() {
		p, err := scanProgram(rows)
		if err != nil {
			return nil, fmt.Errorf("list programs: %w", err)
		}
		out = append(out, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list programs: %w", err)
	}
	return out, nil
}

// Program returns the program with the given ID, or an error wrapping geo.ErrNotFound.
func (db *DB) Program(ctx context.Context, id string) (*geo.Program, error) {
	p, err := scanProgram(db.pool.QueryRow(ctx,
		`SELECT `+programColumns+` FROM programs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("program %q: %w", id, geo.ErrNotFound)
	} else if err != nil {
		return nil, fmt.Errorf("program %q: %w", id, err)
	}
	return p, nil
}
