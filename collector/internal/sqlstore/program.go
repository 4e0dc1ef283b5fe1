package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/covmon/covmon/geo"
)

// ProgramColumns are the columns ScanProgram reads, in order.
const ProgramColumns = `id, name, deadline, powered_only`

// ScanProgram reads a program's ProgramColumns.
func ScanProgram(s Row) (geo.Program, error) {
	var (
		p        geo.Program
		deadline *int64
	)
	if err := s.Scan(&p.ID, &p.Name, &deadline, &p.PoweredOnly); err != nil {
		return geo.Program{}, err
	}
	p.Deadline = NullTime(deadline)
	return p, nil
}

// UpsertProgram creates the program p or replaces its name, deadline and scope, in tx. A
// program created or changed is appended to the ledger (kind program_set); an unchanged one
// is not.
func (qs *Queries) UpsertProgram(ctx context.Context, tx Querier, p geo.Program) error {
	before, err := qs.ProgramContent(ctx, tx, p.ID)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	if err := tx.Exec(ctx, qs.ProgramUpsert, p.ID, p.Name, NullMillis(p.Deadline), p.PoweredOnly); err != nil {
		return err
	}
	after, err := qs.ProgramContent(ctx, tx, p.ID)
	if err != nil {
		return err
	}
	if after == before {
		return nil
	}
	return qs.AppendLedger(ctx, tx, geo.LedgerProgramSet, qs.programRef(ctx, tx, p.ID), after)
}
