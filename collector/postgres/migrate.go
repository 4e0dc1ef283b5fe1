package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// Source is a database to copy into PostgreSQL (collector/sqlite's DB is one).
type Source interface {
	// TableNames lists the source's tables.
	TableNames(ctx context.Context) ([]string, error)
	// CountRows counts the rows of a table.
	CountRows(ctx context.Context, table string) (int64, error)
	// ReadTable calls fn with every row of table, the columns in the given order; "rowid"
	// names the source's own row number.
	ReadTable(ctx context.Context, table string, columns []string, fn func(row []any) error) error
}

// TableCount is one table's rows in the source and in the target after a copy.
type TableCount struct {
	Table          string
	Source, Target int64
}

// ImportFrom copies every table of src into db, which must hold no data, in one transaction
// with COPY: rows keep their IDs (so the ledger, which names rows by ID and hashes their
// contents, verifies on the copy), and the ID sequences continue after the highest copied
// ID. A source table that this store does not have fails the copy, so no data is left
// behind silently. It returns the row counts of both sides, which the caller compares; the
// copy fails, and nothing is kept, when any differs.
func (db *DB) ImportFrom(ctx context.Context, src Source) ([]TableCount, error) {
	names, err := src.TableNames(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	for _, n := range names {
		if !slices.Contains(Tables, n) {
			return nil, fmt.Errorf("import: the source has a table %q that the PostgreSQL store does not know (a newer covmon? upgrade the target first)", n)
		}
	}
	tx, err := db.begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer tx.Rollback(ctx)
	for _, t := range Tables {
		var any bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t}.Sanitize()+`)`).Scan(&any); err != nil {
			return nil, fmt.Errorf("import: %w", err)
		}
		if any {
			return nil, fmt.Errorf("import: the target database is not empty (table %s has rows): covmon migrate copies into an empty database only", t)
		}
	}
	var counts []TableCount
	for _, t := range Tables {
		if !slices.Contains(names, t) || slices.Contains(derivedViews, t) {
			counts = append(counts, TableCount{Table: t})
			continue
		}
		n, err := copyTable(ctx, tx, src, t)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", t, err)
		}
		want, err := src.CountRows(ctx, t)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", t, err)
		}
		var got int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&got); err != nil {
			return nil, fmt.Errorf("import %s: %w", t, err)
		}
		counts = append(counts, TableCount{Table: t, Source: want, Target: got})
		if got != want || n != want {
			return counts, fmt.Errorf("import %s: %d rows in the source, %d copied, %d in the target", t, want, n, got)
		}
	}
	// A view of this store that is a table of the source is not copied: the view derives its
	// rows from the tables copied, and it must count as many as the source's table.
	for i, c := range counts {
		if !slices.Contains(derivedViews, c.Table) || !slices.Contains(names, c.Table) {
			continue
		}
		want, err := src.CountRows(ctx, c.Table)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", c.Table, err)
		}
		var got int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{c.Table}.Sanitize()).Scan(&got); err != nil {
			return nil, fmt.Errorf("import %s: %w", c.Table, err)
		}
		counts[i].Source, counts[i].Target = want, got
		if got != want {
			return counts, fmt.Errorf("import %s: %d rows in the source, %d derived in the target (a view of the copied tables: the source's own %s disagrees with its observations)",
				c.Table, want, got, c.Table)
		}
	}
	// latest_claims and observation_series have no foreign key to villages (migration 0037:
	// the store writes them only from observations, which have one); a copy takes them as
	// the source has them, so it checks the rule itself.
	for _, t := range []string{"latest_claims", "observation_series"} {
		var id string
		err := tx.QueryRow(ctx, `SELECT d.village_id FROM `+t+` d
			WHERE NOT EXISTS (SELECT 1 FROM villages v WHERE v.id = d.village_id) LIMIT 1`).Scan(&id)
		switch {
		case err == nil:
			return counts, fmt.Errorf("import %s: village %q is not in villages (the source breaks its own rule: every row names a village with observations)", t, id)
		case !errors.Is(err, pgx.ErrNoRows):
			return counts, fmt.Errorf("import %s: %w", t, err)
		}
	}
	// Identity columns continue after the copied IDs.
	for _, c := range [][2]string{{"programs", "ref"}, {"tokens", "id"}, {"uploads", "id"}, {"observations", "id"}, {"alert_outbox", "id"}, {"village_versions", "id"}} {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), coalesce(max(%s), 0) + 1, false) FROM %s`,
			c[0], c[1], c[1], c[0])); err != nil {
			return nil, fmt.Errorf("import: sequence of %s.%s: %w", c[0], c[1], err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("import: commit: %w", err)
	}
	db.known = knownCache{}
	// Every copied table at once (the copy is the database's whole content).
	var total int64
	for _, c := range counts {
		total += c.Target
	}
	db.analyzeAfter(ctx, int(total), slices.DeleteFunc(slices.Clone(Tables), func(t string) bool { return slices.Contains(derivedViews, t) })...)
	return counts, nil
}

// copyTable copies one table with COPY, converting the source's values to the target's
// column types (SQLite keeps booleans as integers).
func copyTable(ctx context.Context, tx pgx.Tx, src Source, table string) (int64, error) {
	rows, err := tx.Query(ctx, `SELECT column_name, data_type FROM information_schema.columns
		WHERE table_schema = current_schema() AND table_name = $1 AND is_generated = 'NEVER'
		ORDER BY ordinal_position`, table)
	if err != nil {
		return 0, err
	}
	var cols, types []string
	for rows.Next() {
		var c, ty string
		if err := rows.Scan(&c, &ty); err != nil {
			rows.Close()
			return 0, err
		}
		cols, types = append(cols, c), append(types, ty)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	srcCols := slices.Clone(cols)
	if table == "programs" {
		srcCols[slices.Index(cols, "ref")] = "rowid"
	}
	// Read the source in a goroutine, feeding COPY through a channel of rows.
	ch := make(chan []any, 256)
	errc := make(chan error, 1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(ch)
		errc <- src.ReadTable(ctx, table, srcCols, func(row []any) error {
			out := make([]any, len(row))
			for i, v := range row {
				out[i] = convert(v, types[i])
			}
			select {
			case ch <- out:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	}()
	n, err := tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := <-ch
		if !ok {
			return nil, nil
		}
		return row, nil
	}))
	cancel()
	for range ch { // let the reader finish
	}
	if rerr := <-errc; rerr != nil && err == nil {
		err = rerr
	}
	return n, err
}

// convert turns a value read from SQLite into one for a column of PostgreSQL type ty.
func convert(v any, ty string) any {
	switch ty {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0
		}
	case "double precision":
		if x, ok := v.(int64); ok {
			return float64(x)
		}
	case "text":
		if x, ok := v.([]byte); ok {
			return string(x)
		}
	case "bytea":
		if x, ok := v.(string); ok {
			return []byte(x)
		}
	}
	return v
}
