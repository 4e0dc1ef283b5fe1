package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/postgres"
	"github.com/covmon/covmon/collector/postgres/pgtest"
	"github.com/covmon/covmon/collector/storetest"
	"github.com/covmon/covmon/geo"
)

// TestCommitObservations_LargeStageEndsItsSession pins that the session which staged a large
// upload is not kept in the pool: PostgreSQL keeps a session's local buffers (temp_buffers,
// 256 MB for covmon's sessions) until it ends, so every pooled connection that had staged a
// big upload would hold that much of the server's memory. A small upload keeps its session.
func TestCommitObservations_LargeStageEndsItsSession(t *testing.T) {
	ctx := context.Background()
	db := postgres.NewDB(pgtest.NewDatabase(t))
	db.Now = func() time.Time { return storetest.Now }
	db.MaxConns = 1 // the pool's one session is the one each write used
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	storetest.MustCommitVillages(t, db, storetest.Villages(500)...)
	conn := raw(t, db)
	sessions := func() []int32 {
		t.Helper()
		rows, err := conn.Query(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'covmon' ORDER BY pid`)
		if err != nil {
			t.Fatal(err)
		}
		var pids []int32
		for rows.Next() {
			var pid int32
			if err := rows.Scan(&pid); err != nil {
				t.Fatal(err)
			}
			pids = append(pids, pid)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return pids
	}
	upload := func(from, days int) {
		t.Helper()
		var obs []geo.Observation
		for _, v := range storetest.Villages(500) {
			for d := from; d < from+days; d++ {
				obs = append(obs, storetest.ObsAt(v.ID, "viettel", geo.Tech4G, d%2 == 0, storetest.Day(d)))
			}
		}
		if u := storetest.MustCommitObservations(t, db, obs...); u.Inserted != len(obs) {
			t.Fatalf("Inserted = %d, want %d", u.Inserted, len(obs))
		}
	}

	before := sessions()
	if len(before) != 1 {
		t.Fatalf("covmon sessions after the registry import: %v, want one", before)
	}
	upload(1, 2) // 1000 rows: a stage well inside the default 8 MB
	if after := sessions(); !slices.Equal(after, before) {
		t.Errorf("sessions after a small upload: %v, want %v kept", after, before)
	}

	upload(3, 240) // 120k rows, about 11 MB staged
	// The pool's session was closed at the end of the upload; its backend exits at once,
	// but asynchronously: wait (bounded) for it to leave pg_stat_activity.
	deadline := time.Now().Add(10 * time.Second)
	for slices.Contains(sessions(), before[0]) {
		if time.Now().After(deadline) {
			t.Fatalf("session %d, which staged 120k rows, still open after the upload: %v", before[0], sessions())
		}
		time.Sleep(20 * time.Millisecond)
	}
	// The store works on with a new session.
	if _, err := db.Villages(ctx, geo.VillageFilter{IDs: []string{"V001"}}); err != nil {
		t.Fatal(err)
	}
}
