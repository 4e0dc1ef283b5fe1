package sqlstore

import (
	"context"
	"fmt"
)

// DropIndexes drops the indexes a store's catalogue query lists and returns the statements
// that create them again, to be run in the same transaction once the rows are in (a first
// registry import: building an index from the table is one sort, keeping it row by row a
// descent per row). query, run with args through tx, yields each index's name and its
// definition (the CREATE INDEX statement); drop gives the statement that drops the index of a
// name as the query returned it (quoted as the store's dialect needs). Which indexes a store
// drops, and how it reads its catalogue, are its own (each store's queries.go).
func DropIndexes(ctx context.Context, tx Querier, drop func(name string) string, query string, args ...any) ([]string, error) {
	type index struct{ name, def string }
	ixs, err := Collect(ctx, tx, func(r Row) (index, error) {
		var i index
		err := r.Scan(&i.name, &i.def)
		return i, err
	}, query, args...)
	if err != nil {
		return nil, fmt.Errorf("read indexes: %w", err)
	}
	defs := make([]string, 0, len(ixs))
	for _, i := range ixs {
		if err := tx.Exec(ctx, drop(i.name)); err != nil {
			return nil, fmt.Errorf("drop index %s: %w", i.name, err)
		}
		defs = append(defs, i.def)
	}
	return defs, nil
}
