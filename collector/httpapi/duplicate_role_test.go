package httpapi_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// TestServer_DuplicateKeyRole: through the API with real tokens, duplicates are judged by
// carrier, role and bytes. A carrier that sends an inspector's exact measurement file first,
// as its own claims, does not swallow the inspection: the inspector's upload is accepted and
// its measurement stored; the reverse likewise (an inspection flags the carrier's claim, then
// the carrier's file with the inspection's bytes is its claim, stored: a concession that
// clears the flag). Each token sending its bytes again gets a duplicate of its own upload.
func TestServer_DuplicateKeyRole(t *testing.T) {
	ctx := context.Background()
	srv, carrier, db := newServerDB(t, nil)
	secret, hash, err := geo.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	it := &geo.Token{Name: "Sở TT&TT Lào Cai", Role: geo.RoleInspector, SecretHash: hash}
	if err := db.CreateToken(ctx, it); err != nil {
		t.Fatal(err)
	}
	inspector := geo.FormatToken(it.ID, secret)
	uploads := srv.URL + "/api/v1/uploads"
	send := func(tok, body string) (id int64, result string, dupOf int64, role string) {
		t.Helper()
		code, p := post(t, uploads, tok, strings.NewReader(body))
		if code != 201 && code != 200 {
			t.Fatalf("%d %v", code, p)
		}
		id = int64(p["upload_id"].(float64))
		if d, ok := p["duplicate_of"].(float64); ok {
			dupOf = int64(d)
		}
		role, _ = p["role"].(string)
		return id, p["result"].(string), dupOf, role
	}
	file := func(tech string, signal bool) string {
		s := "false"
		if signal {
			s = "true"
		}
		return `{"type":"FeatureCollection","covmon_schema":"observations/v1","carrier":"viettel","features":[{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"` + tech + `","has_signal":` + s + `,"observed_at":"2025-04-10","method":"drive_test"}}]}`
	}
	pol := geo.DefaultPolicy()
	flags := func() []geo.Discrepancy {
		t.Helper()
		asOf := time.Date(2025, 5, 1, 0, 0, 0, 0, geo.Vietnam)
		claims, err := db.LatestObservations(ctx, asOf, geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		measured, err := db.LatestMeasurements(ctx, asOf, geo.VillageFilter{})
		if err != nil {
			t.Fatal(err)
		}
		return geo.FindDiscrepancies(claims["T-1"], measured["T-1"], &pol, 365*24*time.Hour, asOf)
	}
	// The carrier claims T-1 covered on 4G and 3G on 2025-03-02.
	claim := `{"type":"FeatureCollection","features":[` +
		`{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"4g","has_signal":true,"observed_at":"2025-03-02","method":"model"}},` +
		`{"type":"Feature","geometry":null,"properties":{"village_id":"T-1","technology":"3g","has_signal":true,"observed_at":"2025-03-02","method":"model"}}]}`
	if _, res, _, _ := send(carrier, claim); res != "accepted" {
		t.Fatalf("claim: %s", res)
	}

	// 4G: the carrier sends the inspector's file (4G dark on 2025-04-10) first.
	dark4G := file("4g", false)
	c, res, _, role := send(carrier, dark4G)
	if res != "accepted" || role != geo.RoleCarrier {
		t.Fatalf("carrier's copy: %s in role %q", res, role)
	}
	i, res, dup, role := send(inspector, dark4G)
	if res != "accepted" || dup != 0 || role != geo.RoleInspector {
		t.Fatalf("inspection after the carrier's copy: %s duplicate_of %d role %q, want accepted as the inspector's", res, dup, role)
	}
	if c != 3 || i != 4 {
		t.Errorf("uploads %d and %d, want 3 and 4 (docs/security.md's worked example)", c, i)
	}
	hist, err := db.Observations(ctx, "T-1")
	if err != nil {
		t.Fatal(err)
	}
	var measured *geo.Observation
	for k := range hist {
		if hist[k].Independent() {
			measured = &hist[k]
		}
	}
	if measured == nil || measured.UploadID != i || measured.Technology != geo.Tech4G {
		t.Fatalf("history %+v: want the inspection of upload %d stored", hist, i)
	}
	// Each again: a duplicate of its own upload.
	if id, res, dup, _ := send(carrier, dark4G); res != "duplicate" || dup != c {
		t.Fatalf("carrier again: upload %d %s of %d, want a duplicate of %d", id, res, dup, c)
	}
	if id, res, dup, _ := send(inspector, dark4G); res != "duplicate" || dup != i {
		t.Fatalf("inspector again: upload %d %s of %d, want a duplicate of %d", id, res, dup, i)
	}
	// The carrier conceded 4G (its copy claims dark): no flag for it.
	if d := flags(); len(d) != 0 {
		t.Fatalf("flags %+v before the 3G inspection, want none", d)
	}

	// 3G: the inspection comes first and contradicts the claim.
	dark3G := file("3g", false)
	i3, res, _, _ := send(inspector, dark3G)
	if res != "accepted" {
		t.Fatalf("3G inspection: %s", res)
	}
	if d := flags(); len(d) != 1 || d[0].Technology != geo.Tech3G || d[0].Kind != geo.Overstated || d[0].Measurement.UploadID != i3 {
		t.Fatalf("flags %+v, want 3G overstated by upload %d", d, i3)
	}
	// The carrier's file with the inspection's bytes is its claim, not a duplicate of it.
	c3, res, dup, _ := send(carrier, dark3G)
	if res != "accepted" || dup != 0 {
		t.Fatalf("carrier's 3G file: %s duplicate_of %d, want accepted", res, dup)
	}
	if d := flags(); len(d) != 0 {
		t.Fatalf("flags %+v after the carrier's concession (upload %d), want none", d, c3)
	}
	if rep, err := db.VerifyLedger(ctx); err != nil || rep.Break != nil {
		t.Fatalf("ledger: %v %v", err, rep.Break)
	}
}
