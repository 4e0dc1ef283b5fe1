package sqlite_test

import (
	"database/sql"
	"regexp"
	"testing"
)

// orderedAggregate matches an aggregate call with an ORDER BY inside its parentheses, syntax
// SQLite has only from 3.44: a schema holding one is "malformed" to older sqlite3 shells (Debian
// 12 ships 3.40), which then refuse every statement on the database.
var orderedAggregate = regexp.MustCompile(`(?is)\b(json_group_array|json_group_object|group_concat|string_agg)\s*\([^()]*\bORDER\s+BY`)

// TestSchema_ReadableByOlderSQLite: an operator must be able to open covmon's database with the
// distribution's sqlite3 shell (to read it, or to check that audit verify catches a row edited
// by hand), so the migrated schema may not use syntax newer than SQLite 3.40.
func TestSchema_ReadableByOlderSQLite(t *testing.T) {
	db := MustOpenDB(t)
	raw, err := sql.Open("sqlite", db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	rows, err := raw.Query(`SELECT type, name, sql FROM sqlite_master WHERE sql IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var typ, name, text string
		if err := rows.Scan(&typ, &name, &text); err != nil {
			t.Fatal(err)
		}
		n++
		if orderedAggregate.MatchString(text) {
			t.Errorf("%s %s uses an aggregate with ORDER BY (SQLite 3.44+): %s", typ, name, orderedAggregate.FindString(text))
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 10 {
		t.Fatalf("only %d schema entries: the migrations did not run", n)
	}
}
