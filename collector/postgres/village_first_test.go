package postgres_test

import (
	"context"
	"testing"

	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/collector/storetest"
)

// TestCommitVillages_FirstImport pins the PostgreSQL side of the first import's bulk path
// (the rows it stores are the contract's, storetest's FirstImport): the secondary indexes of
// villages and village_programs, dropped for the import, are back afterwards with the same
// definitions and valid, and the GiST index answers a spatial query.
func TestCommitVillages_FirstImport(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, pgtest.NewDatabase(t))
	conn := raw(t, db)
	indexes := func() string {
		var s string
		if err := conn.QueryRow(ctx, `SELECT string_agg(pg_get_indexdef(i.indexrelid) || ' valid=' || i.indisvalid, E'\n' ORDER BY i.indexrelid::regclass::text)
			FROM pg_index i WHERE i.indrelid IN ('villages'::regclass, 'village_programs'::regclass)`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := indexes()
	storetest.MustCommitVillages(t, db, storetest.Villages(500)...)
	if after := indexes(); after != before {
		t.Errorf("indexes after a first import:\n%s\nwant as migrated:\n%s", after, before)
	}
	var n int
	if _, err := conn.Exec(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	// Villages(500) lie at 103.9 + i/1000 E, 22.4 N: V100 … V199 in this box.
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM villages
		WHERE geom && ST_MakeEnvelope(103.9995, 22.3, 104.0995, 22.5, 4326)`).Scan(&n); err != nil || n != 100 {
		t.Errorf("villages in the box: %d (%v), want 100", n, err)
	}
}
