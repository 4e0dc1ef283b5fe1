package geo_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/covmon/covmon/geo"
)

// These tests pin the discrepancy rule and the trust rule on hand-made histories (docs/figures.md
// has the same cases as worked examples). A claim is the carrier's own report; a measurement an
// independent one (an inspection) of the same carrier × technology.

func claim(signal bool, at string) geo.Observation {
	o := obs("viettel", geo.Tech4G, signal, at)
	o.UploadID = 1
	return o
}

func inspection(signal bool, at string) geo.Observation {
	o := obs("viettel", geo.Tech4G, signal, at)
	o.Source, o.Inspector, o.UploadID = geo.SourceIndependent, "Sở TTTT Hà Giang", 2
	return o
}

// evalEvidence evaluates village V1 at asOf from its history (claims and measured, each in
// order), as EvaluateAt does for the figures: the latest claim and measurement per series,
// each measurement with the claim in force at its instant.
func evalEvidence(t *testing.T, trust geo.Trust, claims, measured []geo.Observation, asOf string) geo.VillageStatus {
	t.Helper()
	prog := geo.DefaultProgram()
	prog.Trust = trust
	v := geo.Village{ID: "V1", GridPower: true, Baseline: true, Programs: []string{prog.ID}}
	p := geo.DefaultPolicy()
	hist := append(slices.Clone(claims), measured...)
	slices.SortStableFunc(hist, func(a, b geo.Observation) int { return a.ObservedAt.Compare(b.ObservedAt) })
	var st *geo.VillageStatus
	geo.EvaluateAt([]geo.Village{v}, map[string][]geo.Observation{"V1": hist}, &prog, &p, nil, []time.Time{day(asOf)},
		func(_ int, s *geo.VillageStatus) { c := *s; st = &c })
	// The same evaluation from the latest observations, as the stores give them.
	latest, ms := latestOf(claims, day(asOf)), geo.WithClaimsInForce(claims, latestOf(measured, day(asOf)))
	direct := geo.EvaluateEvidence([]geo.Village{v}, map[string][]geo.Observation{"V1": latest},
		map[string][]geo.Observation{"V1": ms}, &prog, &p, nil, day(asOf))[0]
	if direct.Status != st.Status || len(direct.Discrepancies) != len(st.Discrepancies) {
		t.Fatalf("EvaluateEvidence %s with %d discrepancies, EvaluateAt %s with %d", direct.Status, len(direct.Discrepancies), st.Status, len(st.Discrepancies))
	}
	return *st
}

// latestOf returns the latest observation per carrier × technology of h observed at or before
// asOf (the last among equals).
func latestOf(h []geo.Observation, asOf time.Time) []geo.Observation {
	var out []geo.Observation
	geo.LatestAt(h, []time.Time{asOf}, func(_ int, l []geo.Observation) { out = slices.Clone(l) })
	return out
}

func TestDiscrepancies(t *testing.T) {
	weak := inspection(true, "2025-04-10")
	weak.RSRPdBm = f64(-124) // below the default −120 dBm: dark
	other := inspection(false, "2025-04-10")
	other.Carrier = "mobifone"
	for _, tt := range []struct {
		name     string
		claims   []geo.Observation
		measured []geo.Observation
		asOf     string
		want     geo.DiscrepancyKind // "" for none
	}{
		{"claim covered, newer inspection dark", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01", geo.Overstated},
		{"inspection signal under the RSRP threshold counts as dark", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{weak}, "2025-05-01", geo.Overstated},
		{"reverse: claim dark, newer inspection covered", []geo.Observation{claim(false, "2025-03-02")}, []geo.Observation{inspection(true, "2025-04-10")}, "2025-05-01", geo.Understated},
		// The carrier may have fixed it since the inspection: its newer claim is not contradicted.
		{"claim newer than the inspection", []geo.Observation{claim(true, "2025-05-01")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-06-01", ""},
		// A claim dated the very instant of the inspection is in force at it: judged by it (a
		// carrier cannot dodge an inspection by dating its claim the same instant).
		{"same instant: judged", []geo.Observation{claim(true, "2025-04-10")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01", geo.Overstated},
		{"inspection confirms", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(true, "2025-04-10")}, "2025-05-01", ""},
		{"inspection 180 days old still counts", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-10-07", geo.Overstated},
		{"inspection older than 180 days", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-10-08", ""},
		{"inspection of another carrier", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{other}, "2025-05-01", ""},
		{"inspection without any claim", nil, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := evalEvidence(t, geo.TrustClaims, tt.claims, tt.measured, tt.asOf)
			if tt.want == "" {
				if len(st.Discrepancies) != 0 {
					t.Fatalf("Discrepancies = %+v, want none", st.Discrepancies)
				}
				return
			}
			if len(st.Discrepancies) != 1 {
				t.Fatalf("Discrepancies = %+v, want one %s", st.Discrepancies, tt.want)
			}
			d := st.Discrepancies[0]
			if d.Kind != tt.want || d.Carrier != "viettel" || d.Technology != geo.Tech4G {
				t.Errorf("discrepancy = %s %s %s, want %s viettel 4g", d.Kind, d.Carrier, d.Technology, tt.want)
			}
			if !d.Claim.ObservedAt.Equal(tt.claims[0].ObservedAt) || d.Claim.UploadID != 1 ||
				!d.Measurement.ObservedAt.Equal(tt.measured[0].ObservedAt) || d.Measurement.UploadID != 2 {
				t.Errorf("sides = claim %v (upload %d), measurement %v (upload %d); want both observations with their uploads",
					d.Claim.ObservedAt, d.Claim.UploadID, d.Measurement.ObservedAt, d.Measurement.UploadID)
			}
			// Under the default trust rule a contradicted claim still counts.
			if tt.want == geo.Overstated && st.Status != geo.StatusCovered {
				t.Errorf("Status = %s under trust: claims, want covered (flagged)", st.Status)
			}
		})
	}
}

// TestDiscrepancy_NoResponsibleCarrier: a village nobody is responsible for still has its
// discrepancies; they belong to the carrier whose claim it is.
func TestDiscrepancy_NoResponsibleCarrier(t *testing.T) {
	st := evalEvidence(t, geo.TrustClaims, []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01")
	if st.Responsible != "" || len(st.Discrepancies) != 1 {
		t.Fatalf("Responsible=%q Discrepancies=%d, want unassigned with one", st.Responsible, len(st.Discrepancies))
	}
	p := geo.DefaultPolicy()
	counts := geo.CountDiscrepancies([]geo.VillageStatus{st}, &p, day("2025-05-01"))
	if counts[0].Carrier != "viettel" || counts[0].Villages != 1 || counts[0].Overstated != 1 {
		t.Errorf("counts = %+v, want viettel first with 1 overstated village", counts)
	}
	for _, c := range counts[1:] {
		if c.Villages != 0 {
			t.Errorf("%s counted %d villages, want 0", c.Carrier, c.Villages)
		}
	}
}

// TestTrust runs both rules on the same histories.
func TestTrust(t *testing.T) {
	for _, tt := range []struct {
		name                 string
		claims, measured     []geo.Observation
		claimsSt, verifiedSt geo.Status
		verifiedReason       geo.Reason
	}{
		{"claim alone", []geo.Observation{claim(true, "2025-03-02")}, nil, geo.StatusCovered, geo.StatusDeadZone, geo.ReasonUnconfirmed},
		{"confirmed later", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(true, "2025-04-10")}, geo.StatusCovered, geo.StatusCovered, ""},
		{"confirmed the same instant", []geo.Observation{claim(true, "2025-04-10")}, []geo.Observation{inspection(true, "2025-04-10")}, geo.StatusCovered, geo.StatusCovered, ""},
		// A confirmation years ago still confirms: the carrier has claimed nothing newer.
		{"confirmation older than the window", []geo.Observation{claim(true, "2023-03-02")}, []geo.Observation{inspection(true, "2023-04-10")}, geo.StatusCovered, geo.StatusCovered, ""},
		{"measured before the claim", []geo.Observation{claim(true, "2025-05-01")}, []geo.Observation{inspection(true, "2025-04-10")}, geo.StatusCovered, geo.StatusDeadZone, geo.ReasonUnconfirmed},
		{"contradicted", []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, geo.StatusCovered, geo.StatusDeadZone, geo.ReasonContradicted},
		// The carrier itself claims no signal: nothing to confirm; the measured signal is flagged
		// (understated), not counted: covmon counts carriers' claims, measurements check them.
		{"reverse", []geo.Observation{claim(false, "2025-03-02")}, []geo.Observation{inspection(true, "2025-04-10")}, geo.StatusDeadZone, geo.StatusDeadZone, geo.ReasonNoSignal},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := evalEvidence(t, geo.TrustClaims, tt.claims, tt.measured, "2025-05-01")
			v := evalEvidence(t, geo.TrustVerified, tt.claims, tt.measured, "2025-05-01")
			if c.Status != tt.claimsSt || c.Trust != geo.TrustClaims {
				t.Errorf("trust claims: %s (%s), want %s", c.Status, c.Trust, tt.claimsSt)
			}
			if v.Status != tt.verifiedSt || v.Reason != tt.verifiedReason || v.Trust != geo.TrustVerified {
				t.Errorf("trust verified: %s reason %q (%s), want %s reason %q", v.Status, v.Reason, v.Trust, tt.verifiedSt, tt.verifiedReason)
			}
		})
	}
}

// TestTrust_Summary: the headline figures say which rule they were computed under, and count
// an unconfirmed overdue village under its own reason.
func TestTrust_Summary(t *testing.T) {
	prog := geo.DefaultProgram()
	prog.Trust = geo.TrustVerified
	p := geo.DefaultPolicy()
	st := evalEvidence(t, geo.TrustVerified, []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01")
	s := geo.Summarize([]geo.VillageStatus{st}, &prog, &p, day("2025-05-01"))
	if s.Trust != geo.TrustVerified || s.National.OverdueContradicted != 1 || s.National.Overdue != 1 || s.National.Discrepancies != 1 {
		t.Errorf("summary: trust %s, overdue %d (contradicted %d), discrepancies %d; want verified, 1 (1), 1",
			s.Trust, s.National.Overdue, s.National.OverdueContradicted, s.National.Discrepancies)
	}
	if s := geo.Summarize(nil, nil, &p, day("2025-05-01")); s.Trust != geo.TrustClaims {
		t.Errorf("no program: trust %s, want claims", s.Trust)
	}
}

func TestExplain(t *testing.T) {
	st := evalEvidence(t, geo.TrustClaims, []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01")
	e := st.Explain()
	if e.Claim == nil || !e.Claim.ObservedAt.Equal(day("2025-03-02")) || e.Contradiction == nil ||
		!e.Contradiction.ObservedAt.Equal(day("2025-04-10")) || e.Confirmation != nil {
		t.Fatalf("Explain = %+v, want the 2025-03-02 claim contradicted by the 2025-04-10 inspection", e)
	}
	st = evalEvidence(t, geo.TrustVerified, []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(true, "2025-04-10")}, "2025-05-01")
	if e := st.Explain(); e.Confirmation == nil || e.Contradiction != nil || e.Trust != geo.TrustVerified {
		t.Errorf("Explain = %+v, want a confirmed claim under trust verified", e)
	}
}

// TestExplain_PrefersUncontradicted: a village covered by two claims, one contradicted, rests
// on the other (older, but standing) claim; the discrepancy is still listed.
func TestExplain_PrefersUncontradicted(t *testing.T) {
	old := claim(true, "2025-01-05")
	old.Carrier = "mobifone"
	st := evalEvidence(t, geo.TrustClaims, []geo.Observation{old, claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01")
	e := st.Explain()
	if e.Claim == nil || e.Claim.Carrier != "mobifone" || e.Contradiction != nil || len(st.Discrepancies) != 1 {
		t.Errorf("Explain = %+v with %d discrepancies, want mobifone's standing claim and viettel's discrepancy", e, len(st.Discrepancies))
	}
}

func TestParseTrust(t *testing.T) {
	for in, want := range map[string]geo.Trust{"": geo.TrustClaims, "claims": geo.TrustClaims, "verified": geo.TrustVerified} {
		if got, err := geo.ParseTrust(in); err != nil || got != want {
			t.Errorf("ParseTrust(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := geo.ParseTrust("trusted"); err == nil {
		t.Error("ParseTrust(trusted) succeeded")
	}
}

// TestEvaluateAt_Trust: the burn-down backfill applies the trust rule with the measurements
// observed by each day, from one history holding claims and measurements.
func TestEvaluateAt_Trust(t *testing.T) {
	prog := geo.DefaultProgram()
	prog.Trust = geo.TrustVerified
	p := geo.DefaultPolicy()
	v := geo.Village{ID: "V1", GridPower: true, Baseline: true, Programs: []string{prog.ID}}
	hist := map[string][]geo.Observation{"V1": {claim(true, "2025-03-02"), inspection(true, "2025-04-10")}}
	ats := []time.Time{day("2025-04-01"), day("2025-05-01")}
	var got []geo.Status
	geo.EvaluateAt([]geo.Village{v}, hist, &prog, &p, nil, ats, func(_ int, st *geo.VillageStatus) { got = append(got, st.Status) })
	if want := []geo.Status{geo.StatusDeadZone, geo.StatusCovered}; !slices.Equal(got, want) {
		t.Errorf("verified: %v, want %v (confirmed on 2025-04-10)", got, want)
	}
	prog.Trust, got = geo.TrustClaims, nil
	geo.EvaluateAt([]geo.Village{v}, hist, &prog, &p, nil, ats, func(_ int, st *geo.VillageStatus) { got = append(got, st.Status) })
	if want := []geo.Status{geo.StatusCovered, geo.StatusCovered}; !slices.Equal(got, want) {
		t.Errorf("claims: %v, want %v (the measurement is not a claim)", got, want)
	}
}

// TestDiscrepancies_ClaimInForce pins the rule that a measurement judges the carrier's claim
// in force at its instant, so a carrier cannot erase a contradiction by claiming the same
// again with a newer date (docs/figures.md#discrepancies has these cases as worked examples).
func TestDiscrepancies_ClaimInForce(t *testing.T) {
	const t1, t2, t3, t4 = "2025-03-02", "2025-04-10", "2025-05-01", "2025-06-15"
	other3G := claim(true, t3)
	other3G.Technology = geo.Tech3G
	for _, tt := range []struct {
		name     string
		claims   []geo.Observation
		measured []geo.Observation
		asOf     string
		want     geo.DiscrepancyKind // "" for none
		// the dates of the contradicted claim, the measurement and the re-claim ("" for none)
		claimAt, measuredAt, reclaimAt string
		// status under trust: claims and trust: verified
		claimsSt, verifiedSt geo.Status
	}{
		{"a: claim covered, inspection dark", []geo.Observation{claim(true, t1)}, []geo.Observation{inspection(false, t2)}, t3,
			geo.Overstated, t1, t2, "", geo.StatusCovered, geo.StatusDeadZone},
		{"b: re-claimed covered after the dark inspection", []geo.Observation{claim(true, t1), claim(true, t3)}, []geo.Observation{inspection(false, t2)}, t4,
			geo.Overstated, t1, t2, t3, geo.StatusCovered, geo.StatusDeadZone},
		{"b: re-claimed with a signal reading", []geo.Observation{claim(true, t1), func() geo.Observation { o := claim(true, t3); o.RSRPdBm = f64(-80); return o }()}, []geo.Observation{inspection(false, t2)}, t4,
			geo.Overstated, t1, t2, t3, geo.StatusCovered, geo.StatusDeadZone},
		{"c: a newer inspection confirms the re-claim", []geo.Observation{claim(true, t1), claim(true, t3)}, []geo.Observation{inspection(false, t2), inspection(true, t4)}, "2025-07-01",
			"", "", "", "", geo.StatusCovered, geo.StatusCovered},
		{"c: a newer inspection dark again: plain, against the re-claim", []geo.Observation{claim(true, t1), claim(true, t3)}, []geo.Observation{inspection(false, t2), inspection(false, t4)}, "2025-07-01",
			geo.Overstated, t3, t4, "", geo.StatusCovered, geo.StatusDeadZone},
		{"d: the carrier concedes", []geo.Observation{claim(true, t1), claim(false, t3)}, []geo.Observation{inspection(false, t2)}, t4,
			"", "", "", "", geo.StatusDeadZone, geo.StatusDeadZone},
		// Conceding, then claiming signal again, is a re-claim of what was contradicted: still
		// flagged until an inspection judges it (else two uploads would erase any flag).
		{"d: concedes, then claims signal again", []geo.Observation{claim(true, t1), claim(false, t3), claim(true, "2025-05-20")}, []geo.Observation{inspection(false, t2)}, t4,
			geo.Overstated, t1, t2, "2025-05-20", geo.StatusCovered, geo.StatusDeadZone},
		{"e: measured before any claim", []geo.Observation{claim(true, t3)}, []geo.Observation{inspection(false, t2)}, t4,
			"", "", "", "", geo.StatusCovered, geo.StatusDeadZone},
		{"e: claim dark, inspection agrees, claim covered after", []geo.Observation{claim(false, t1), claim(true, t3)}, []geo.Observation{inspection(false, t2)}, t4,
			"", "", "", "", geo.StatusCovered, geo.StatusDeadZone},
		{"f: understated", []geo.Observation{claim(false, t1)}, []geo.Observation{inspection(true, t2)}, t3,
			geo.Understated, t1, t2, "", geo.StatusDeadZone, geo.StatusDeadZone},
		{"f: understated, re-claimed dark", []geo.Observation{claim(false, t1), claim(false, t3)}, []geo.Observation{inspection(true, t2)}, t4,
			geo.Understated, t1, t2, t3, geo.StatusDeadZone, geo.StatusDeadZone},
		{"f: understated, the carrier concedes", []geo.Observation{claim(false, t1), claim(true, t3)}, []geo.Observation{inspection(true, t2)}, t4,
			"", "", "", "", geo.StatusCovered, geo.StatusDeadZone},
		{"g: the inspection older than the window", []geo.Observation{claim(true, t1), claim(true, t3)}, []geo.Observation{inspection(false, t2)}, "2025-10-08",
			"", "", "", "", geo.StatusCovered, geo.StatusDeadZone},
		{"g: the re-claim does not extend the window", []geo.Observation{claim(true, t1), claim(true, t3)}, []geo.Observation{inspection(false, t2)}, "2025-10-07",
			geo.Overstated, t1, t2, t3, geo.StatusCovered, geo.StatusDeadZone},
		{"h: as of between the inspection and the re-claim: plain", []geo.Observation{claim(true, t1), claim(true, t3)}, []geo.Observation{inspection(false, t2)}, "2025-04-20",
			geo.Overstated, t1, t2, "", geo.StatusCovered, geo.StatusDeadZone},
		// Another technology is another series: the 3G claim neither clears nor inherits the
		// 4G flag; it counts under trust: claims, and needs its own confirmation.
		{"re-claim of another technology only", []geo.Observation{claim(true, t1), other3G}, []geo.Observation{inspection(false, t2)}, t4,
			geo.Overstated, t1, t2, "", geo.StatusCovered, geo.StatusDeadZone},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := evalEvidence(t, geo.TrustClaims, tt.claims, tt.measured, tt.asOf)
			v := evalEvidence(t, geo.TrustVerified, tt.claims, tt.measured, tt.asOf)
			if c.Status != tt.claimsSt || v.Status != tt.verifiedSt {
				t.Errorf("status %s (claims), %s (verified); want %s, %s", c.Status, v.Status, tt.claimsSt, tt.verifiedSt)
			}
			for _, st := range []geo.VillageStatus{c, v} {
				if tt.want == "" {
					if len(st.Discrepancies) != 0 {
						t.Fatalf("trust %s: Discrepancies = %+v, want none", st.Trust, st.Discrepancies)
					}
					continue
				}
				if len(st.Discrepancies) != 1 {
					t.Fatalf("trust %s: Discrepancies = %+v, want one %s", st.Trust, st.Discrepancies, tt.want)
				}
				d := st.Discrepancies[0]
				reclaim := ""
				if d.Reclaim != nil {
					reclaim = date(d.Reclaim.ObservedAt)
				}
				if d.Kind != tt.want || date(d.Claim.ObservedAt) != tt.claimAt || date(d.Measurement.ObservedAt) != tt.measuredAt || reclaim != tt.reclaimAt || d.Reclaimed() != (reclaim != "") {
					t.Errorf("trust %s: %s claim %s measured %s re-claim %q; want %s %s %s %q", st.Trust,
						d.Kind, date(d.Claim.ObservedAt), date(d.Measurement.ObservedAt), reclaim, tt.want, tt.claimAt, tt.measuredAt, tt.reclaimAt)
				}
			}
			// The summary counts the flag whatever the re-claim; under trust: verified an
			// overstated village is open as contradicted.
			p := geo.DefaultPolicy()
			if n := geo.CountDiscrepancies([]geo.VillageStatus{c}, &p, day(tt.asOf))[0].Villages; n != min(1, len(tt.want)) {
				t.Errorf("viettel's discrepancy count %d", n)
			}
			if tt.want == geo.Overstated && tt.claimsSt == geo.StatusCovered && v.Reason != geo.ReasonContradicted {
				t.Errorf("trust verified: reason %q, want contradicted", v.Reason)
			}
		})
	}
}

// TestExplain_Reclaim: the explanation of a re-claimed village rests on the re-claim and names
// the claim the inspection contradicted.
func TestExplain_Reclaim(t *testing.T) {
	st := evalEvidence(t, geo.TrustClaims, []geo.Observation{claim(true, "2025-03-02"), claim(true, "2025-05-01")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-06-01")
	e := st.Explain()
	if e.Claim == nil || date(e.Claim.ObservedAt) != "2025-05-01" || e.Contradiction == nil || date(e.Contradiction.ObservedAt) != "2025-04-10" ||
		e.Contradicted == nil || date(e.Contradicted.ObservedAt) != "2025-03-02" {
		t.Errorf("Explain = %+v, want the 2025-05-01 re-claim, the 2025-04-10 inspection contradicting the 2025-03-02 claim", e)
	}
	st = evalEvidence(t, geo.TrustClaims, []geo.Observation{claim(true, "2025-03-02")}, []geo.Observation{inspection(false, "2025-04-10")}, "2025-06-01")
	if e := st.Explain(); e.Contradicted != nil {
		t.Errorf("plain contradiction: Contradicted = %+v, want nil", e.Contradicted)
	}
}

// TestDiscrepancy_SameInstantInspections: two inspections of a series at the same instant that
// disagree: the one stored last (higher ID) is the latest, as for claims.
func TestDiscrepancy_SameInstantInspections(t *testing.T) {
	dark, lit := inspection(false, "2025-04-10"), inspection(true, "2025-04-10")
	dark.ID, lit.ID = 7, 8
	c := claim(true, "2025-03-02")
	c.ID = 1
	if st := evalEvidence(t, geo.TrustClaims, []geo.Observation{c}, []geo.Observation{dark, lit}, "2025-05-01"); len(st.Discrepancies) != 0 {
		t.Errorf("dark then lit: %+v, want none (the lit one, stored last, confirms)", st.Discrepancies)
	}
	if st := evalEvidence(t, geo.TrustClaims, []geo.Observation{c}, []geo.Observation{lit, dark}, "2025-05-01"); len(st.Discrepancies) != 1 {
		t.Errorf("lit then dark: %+v, want overstated (the dark one, stored last)", st.Discrepancies)
	}
}

func date(t time.Time) string { return t.In(geo.Vietnam).Format(time.DateOnly) }

// TestCompact: a snapshot keeps of a village's claims only those of signal that counts (what
// Explain reads): the explanation is the same after, the dark and weak claims are gone.
func TestCompact(t *testing.T) {
	dark := claim(false, "2025-03-01")
	dark.Carrier = "mobifone"
	weak := claim(true, "2025-03-03")
	rsrp := -130.0
	weak.Carrier, weak.RSRPdBm = "vinaphone", &rsrp
	old := claim(true, "2025-01-05")
	old.Carrier = "vietnamobile"
	for _, tc := range []struct {
		name   string
		claims []geo.Observation
		kept   int
	}{
		{"CoveredAndContradicted", []geo.Observation{dark, weak, old, claim(true, "2025-03-02")}, 2},
		{"Open", []geo.Observation{dark, weak}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := evalEvidence(t, geo.TrustClaims, tc.claims, []geo.Observation{inspection(false, "2025-04-10")}, "2025-05-01")
			if len(st.Claims) != len(tc.claims) {
				t.Fatalf("%d claims before, want %d", len(st.Claims), len(tc.claims))
			}
			before := st.Explain()
			st.Compact()
			if len(st.Claims) != tc.kept || (tc.kept == 0 && st.Claims != nil) {
				t.Errorf("%d claims kept (%v), want %d", len(st.Claims), st.Claims, tc.kept)
			}
			if after := st.Explain(); explained(after) != explained(before) {
				t.Errorf("Explain after Compact = %s, want %s", explained(after), explained(before))
			}
		})
	}
}

// explained spells out an explanation's values (its pointers point into the claims).
func explained(e geo.Explanation) string {
	s := string(e.Trust)
	for _, o := range []*geo.Observation{e.Claim, e.Confirmation, e.Contradiction, e.Contradicted} {
		if o == nil {
			s += " -"
			continue
		}
		s += fmt.Sprintf(" %+v", *o)
	}
	return s
}
