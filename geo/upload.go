package geo

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// UploadKind says what a file holds.
type UploadKind string

// The file kinds covmon ingests.
const (
	KindVillages     UploadKind = "villages"     // the ministry's registry
	KindObservations UploadKind = "observations" // carriers' per-village reports
	KindAreas        UploadKind = "areas"        // carriers' coverage-area polygons
	KindAssignments  UploadKind = "assignments"  // the ministry's responsible carriers
	KindCrosswalk    UploadKind = "crosswalk"    // the ministry's crosswalk of administrative units
	KindPlans        UploadKind = "plans"        // a carrier's plans and build progress for its villages
)

// UploadResult is how an upload ended.
type UploadResult string

// Upload results.
const (
	ResultAccepted  UploadResult = "accepted"
	ResultRejected  UploadResult = "rejected"
	ResultDuplicate UploadResult = "duplicate"
)

// ParseUploadResult reads a result filter: "" (any), accepted, rejected or duplicate. Anything
// else is an error, so a mistyped filter is refused instead of silently matching nothing.
func ParseUploadResult(s string) (UploadResult, error) {
	switch r := UploadResult(s); r {
	case "", ResultAccepted, ResultRejected, ResultDuplicate:
		return r, nil
	}
	return "", fmt.Errorf("result %q: want accepted, rejected or duplicate", s)
}

// Upload records one file received, whatever became of it.
type Upload struct {
	ID       int64
	Kind     UploadKind
	Carrier  string // empty for registry files
	FileName string
	Size     int64
	SHA256   string // lower-case hex of the file's bytes
	Source   string // "cli", "api", "inbox", "inbox-inspector" (inbox/inspector/), "feed" or "seed"
	// TokenID is the API token that sent the file; 0 for the other sources.
	TokenID int64
	// Role is the role the file was sent in (RoleCarrier, RoleInspector or RoleMinistry; see
	// UploadRole): duplicates are judged by carrier, role and SHA-256, so a carrier's claims
	// and an inspector's measurements with the same bytes are two uploads.
	Role       string
	ReceivedAt time.Time
	Result     UploadResult
	// Features is the number of features in the file; Inserted the rows it added or changed.
	Features int
	Inserted int
	// DuplicateOf is the earlier accepted upload with the same bytes (result duplicate).
	DuplicateOf int64
	// Problems is the validation report of a rejected upload.
	Problems []Problem

	// Extent says in plain words what an areas file speaks for ("province 08", or "the whole
	// registry (no extent)"); empty for other kinds. MarkedDark counts the registry villages
	// inside it that the file records as having no signal (outside its polygons) in at least
	// one layer. Notes are plain-language notices for the uploader (e.g. that a file without
	// an extent is read as a national layer).
	Extent     string
	MarkedDark int
	Notes      []string

	// Effective is the instant the upload speaks as of. For a registry (villages) upload, the
	// instant it takes effect: the file's "effective", else ReceivedAt. For an accepted
	// observations or areas upload, the newest instant it reports: its newest observed_at, at
	// most ReceivedAt (what makes it a fresh report for the stale-data alert, however few rows
	// it added: docs/alerts.md). Zero for other kinds, and for observations and areas uploads
	// recorded before covmon kept it.
	Effective time.Time
}

// UploadFilter narrows an upload listing. Zero fields do not filter.
type UploadFilter struct {
	Carrier string
	// Role keeps the uploads sent in one role (RoleCarrier: a carrier's own files, not the
	// inspections that name it).
	Role string
	// TokenID keeps the uploads sent with one API token (an inspector sees only its own).
	TokenID int64
	Result  UploadResult
	Limit   int
	// BeforeID keeps uploads with a smaller ID (the next page of a newest-first list); 0: all.
	BeforeID int64
}

// UploadStat counts the uploads of one carrier sent in one role with one result.
type UploadStat struct {
	Carrier string
	// Role is the role the uploads were sent in (Upload.Role): an inspector's measurements
	// name the carrier they measured, but they are not that carrier's reports.
	Role   string
	Result UploadResult
	Count  int
	// LastAt is when the newest of them was received, FirstAt the oldest.
	LastAt  time.Time
	FirstAt time.Time
	// LastReport is, for accepted observations and areas uploads, the newest instant they
	// report: the greatest Effective (their newest observed_at, at most their receipt), or the
	// receipt of an upload recorded before covmon kept it. A re-sent old file, however its bytes
	// differ, does not move it; one new observation of today does. Zero when none of them is an
	// accepted observations or areas upload (registry, plans, rejected, duplicates).
	LastReport time.Time
}

// RuleCount counts validation problems of one rule over all rejected uploads.
type RuleCount struct {
	Rule  string
	Count int
}

// Problem is one thing wrong with an input file, precise enough to fix it: the file, the
// feature's index (0-based, -1 for the file as a whole), the village it names, the field, a
// stable rule code (for metrics and tests) and a reason in plain words.
type Problem struct {
	File      string `json:"file"`
	Feature   int    `json:"feature"`
	VillageID string `json:"village_id,omitempty"`
	Field     string `json:"field,omitempty"`
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
}

// String renders the problem on one line, e.g.
//
//	obs.geojson: feature 3 (village_id "VN-14-00001"): field "observed_at": not a date: "yesterday"
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Feature >= 0 {
		fmt.Fprintf(&b, ": feature %d", p.Feature)
		if p.VillageID != "" {
			fmt.Fprintf(&b, " (village_id %q)", p.VillageID)
		}
	}
	if p.Field != "" {
		fmt.Fprintf(&b, ": field %q", p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

// ValidationError is returned when a file has problems. It carries every problem found (up to
// the decoder's limit), not just the first.
type ValidationError struct {
	File     string
	Problems []Problem
	// Truncated is true when more problems existed than were kept.
	Truncated bool
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	if n > 0 && e.Problems[n-1].Rule == RuleTooManyProblems {
		n-- // the summary that ends a capped report is not a problem of the file
	}
	fmt.Fprintf(&b, "%s: %d problem", e.File, n)
	if n != 1 {
		b.WriteString("s")
	}
	if e.Truncated {
		b.WriteString(" (more not shown)")
	}
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// UploadRole returns the role a file of kind is sent in, the middle of the duplicate key
// (carrier, role, SHA-256): RoleMinistry for the registry, the assignments and a crosswalk;
// RoleInspector for an inspector's file (inspector: an inspector's token or the inspectors'
// drop folder) and for observations whose source role is SourceIndependent (a file declaring
// "source_role": "independent" from a trusted path: the command line, the seeds, a ministry
// token); RoleCarrier for everything else (a carrier's claims, areas and plans, whoever sent
// them). sourceRole is the decoded file's role, "" when the file was not decoded (a rejected
// file is judged by its uploader only).
func UploadRole(kind UploadKind, inspector bool, sourceRole string) string {
	switch {
	case kind == KindVillages || kind == KindAssignments || kind == KindCrosswalk:
		return RoleMinistry
	case inspector || (kind == KindObservations && sourceRole == SourceIndependent):
		return RoleInspector
	}
	return RoleCarrier
}

// ObservationStage is an observations upload being copied into a store while its file is
// still being read (the PostgreSQL store's server copies the rows into a stage while covmon
// decodes the rest), in one transaction that Commit ends or Abort drops. A store that stages
// holds a session until then.
type ObservationStage interface {
	// Add hands rows to the stage in file order, as decoded (a row without its own carrier
	// has an empty Carrier); it may block while the store catches up and keeps none of the
	// slice.
	Add(rows []Observation) error
	// Commit stores the rows added as upload u in one transaction (u's ledger entry, the
	// same de-duplication as a plain commit), sets u.ID, u.Result and u.Inserted, and returns
	// an error wrapping ErrDuplicateUpload when the same bytes were accepted meanwhile. A row
	// added without a carrier takes carrier; with independent every row is an independent
	// measurement (what the end of the file decided).
	Commit(ctx context.Context, u *Upload, carrier string, independent bool) error
	// Abort drops the stage; a no-op after Commit or another Abort.
	Abort()
}
