package sqlite

import (
	"context"
	"fmt"
	"regexp"
	"strings"
)

var identifier = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// TableNames lists covmon's tables in the database (not SQLite's own, not schema_migrations,
// not the snapshot cache: derived data the copy computes again at its first start), for
// copying the database elsewhere (covmon migrate).
func (db *DB) TableNames(ctx context.Context) ([]string, error) {
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('schema_migrations', 'snapshot_cache') ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("list tables: %w", err)
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// CountRows counts the rows of table.
func (db *DB) CountRows(ctx context.Context, table string) (int64, error) {
	if !identifier.MatchString(table) {
		return 0, fmt.Errorf("count rows: bad table name %q", table)
	}
	var n int64
	if err := db.reader(ctx).QueryRowContext(ctx, `SELECT count(*) FROM "`+table+`"`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count %s: %w", table, err)
	}
	return n, nil
}

// ReadTable calls fn with every row of table, the given columns in order, in one read
// transaction; the slice is reused between calls. The column "rowid" reads SQLite's row
// number (programs are referred to by it in the ledger).
func (db *DB) ReadTable(ctx context.Context, table string, columns []string, fn func(row []any) error) error {
	for _, n := range append([]string{table}, columns...) {
		if !identifier.MatchString(n) {
			return fmt.Errorf("read table: bad name %q", n)
		}
	}
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = `"` + c + `"`
		if c == "rowid" {
			quoted[i] = "rowid"
		}
	}
	rows, err := db.reader(ctx).QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM "`+table+`"`)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	vals := make([]any, len(columns))
	ptrs := make([]any, len(columns))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return nil
}
