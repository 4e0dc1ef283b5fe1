package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/covmon/covmon/collector/postgres/pgtest"
)

// TestDerivedTables_NoVillageForeignKey: after migration 0037, latest_claims and
// observation_series have no foreign key (the rule they keep instead is the contract test
// DerivedTablesNameVillages), while observations keeps its own to villages.
func TestDerivedTables_NoVillageForeignKey(t *testing.T) {
	db := mustOpen(t, pgtest.NewDatabase(t))
	rows, err := raw(t, db).Query(context.Background(), `SELECT conrelid::regclass::text, confrelid::regclass::text
		FROM pg_constraint WHERE contype = 'f'
			AND conrelid IN ('latest_claims'::regclass, 'observation_series'::regclass, 'observations'::regclass)
		ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			t.Fatal(err)
		}
		got = append(got, from+"→"+to)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if want := "[observations→uploads observations→villages]"; fmt.Sprint(got) != want {
		t.Errorf("foreign keys: %v, want %s", got, want)
	}
}

// orphanSource is a source database whose latest_claims names a village it does not have.
type orphanSource struct{}

func (orphanSource) TableNames(context.Context) ([]string, error) {
	return []string{"latest_claims"}, nil
}

func (orphanSource) CountRows(context.Context, string) (int64, error) { return 1, nil }

func (orphanSource) ReadTable(_ context.Context, table string, columns []string, fn func(row []any) error) error {
	v := map[string]any{"village_id": "X404", "carrier": "viettel", "technology": int64(4), "id": int64(1),
		"has_signal": int64(1), "observed_at": int64(0), "method": "drive_test", "upload_id": int64(1), "inspector": ""}
	row := make([]any, len(columns))
	for i, c := range columns {
		row[i] = v[c]
	}
	return fn(row)
}

// TestImportFrom_RefusesDerivedRowWithoutVillage: covmon migrate copies latest_claims as the
// source has it; without the foreign key it checks the rule itself and keeps nothing.
func TestImportFrom_RefusesDerivedRowWithoutVillage(t *testing.T) {
	db := mustOpen(t, pgtest.NewDatabase(t))
	_, err := db.ImportFrom(context.Background(), orphanSource{})
	if err == nil || !strings.Contains(err.Error(), `village "X404" is not in villages`) {
		t.Fatalf("ImportFrom: %v, want the village named", err)
	}
	var n int
	if err := raw(t, db).QueryRow(context.Background(), `SELECT count(*) FROM latest_claims`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("latest_claims holds %d rows after the failed copy, want 0", n)
	}
}

// seriesSource is a source database whose observation_series lists a series its (absent)
// observations do not have.
type seriesSource struct{ t *testing.T }

func (seriesSource) TableNames(context.Context) ([]string, error) {
	return []string{"observation_series"}, nil
}

func (seriesSource) CountRows(context.Context, string) (int64, error) { return 1, nil }

func (s seriesSource) ReadTable(_ context.Context, table string, _ []string, _ func(row []any) error) error {
	s.t.Errorf("ReadTable(%s): a view of the target is not copied", table)
	return nil
}

// TestImportFrom_ObservationSeriesIsDerived: observation_series is a view in this store
// (migration 0039); covmon migrate does not copy the source's table into it but compares its
// count with the view's, and a source that disagrees with itself fails the copy.
func TestImportFrom_ObservationSeriesIsDerived(t *testing.T) {
	db := mustOpen(t, pgtest.NewDatabase(t))
	var kind string
	if err := raw(t, db).QueryRow(context.Background(), `SELECT relkind::text FROM pg_class WHERE oid = 'observation_series'::regclass`).Scan(&kind); err != nil {
		t.Fatal(err)
	}
	if kind != "v" {
		t.Errorf("observation_series: relkind %q, want a view (v)", kind)
	}
	_, err := db.ImportFrom(context.Background(), seriesSource{t})
	if err == nil || !strings.Contains(err.Error(), "import observation_series: 1 rows in the source, 0 derived in the target") {
		t.Fatalf("ImportFrom: %v, want the counts named", err)
	}
}
