package collector

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/covmon/covmon/geo"
)

// maxSuccessorNotes bounds the per-successor warnings of one registry upload; the rest are
// counted in one more note (a registry re-imported with thousands of splits would otherwise
// store and print a note per village).
const maxSuccessorNotes = 50

// successorNotes collects the successors (villages naming predecessors) of a registry file as
// it is read, and says in the upload's notes which of them no carrier is responsible for: an
// assignment names a village, so a successor inherits none, and until the ministry assigns it
// it counts under "unassigned" — open and, past its deadline, overdue — in no carrier's
// figures, work list or alerts (docs/figures.md, "A split or merge moves the overdue figure").
type successorNotes struct {
	kept []successor // the first maxSuccessorNotes*4 successors, in file order
	more int         // successors beyond kept
}

type successor struct {
	id, name     string
	programs     []string
	predecessors []string
}

// add records v when it names predecessors (after the default program was applied).
func (n *successorNotes) add(v *geo.Village) {
	if len(v.Predecessors) == 0 {
		return
	}
	// More are kept than noted: some of them may be assigned already (a re-import).
	if len(n.kept) >= maxSuccessorNotes*4 {
		n.more++
		return
	}
	n.kept = append(n.kept, successor{id: v.ID, name: v.Name, programs: slices.Clone(v.Programs), predecessors: slices.Clone(v.Predecessors)})
}

// report adds a warning to u for each kept successor without a responsible carrier at the
// upload's receipt in one of its programs, naming its predecessors and who was responsible
// for them just before they were retired, and how to assign it. A succession this file makes
// takes effect at effective (the file's, else its receipt); one already stored (the registry
// re-imported whole, without "effective" or dated later) changes nothing and keeps the instant
// it took effect, its predecessor's retirement: the note names that day and the carriers just
// before it, so the assignment it suggests covers the successor from its first day.
// Assignments are read only when the file names a successor.
func (n *successorNotes) report(ctx context.Context, s Store, u *geo.Upload, effective time.Time) error {
	if len(n.kept) == 0 {
		return nil
	}
	as, err := s.Assignments(ctx)
	if err != nil {
		return fmt.Errorf("load assignments: %w", err)
	}
	book := geo.NewAssignments(as)
	at := u.ReceivedAt
	if effective.IsZero() || effective.After(at) {
		effective = at
	}
	noted, beyond := 0, n.more
	for _, sc := range n.kept {
		var unassigned []string
		for _, prog := range sc.programs {
			if book.At(prog, sc.id, at) == "" {
				unassigned = append(unassigned, prog)
			}
		}
		if len(unassigned) == 0 {
			continue
		}
		if noted == maxSuccessorNotes {
			beyond++
			continue
		}
		noted++
		// A predecessor already retired was retired into this successor (into another one
		// the file is refused): the succession is stored, its instant is the retirement.
		// One read per noted successor, of its first predecessor.
		eff := effective
		v, err := s.Village(ctx, sc.predecessors[0])
		if err != nil && !errors.Is(err, geo.ErrNotFound) {
			return fmt.Errorf("successor %s: %w", sc.id, err)
		}
		if err == nil && !v.RetiredAt.IsZero() {
			eff = v.RetiredAt
		}
		before := eff.Add(-time.Millisecond)
		day := eff.In(geo.Vietnam).Format(time.DateOnly)
		var parts []string
		for _, prog := range unassigned {
			var preds []string
			for _, p := range sc.predecessors {
				preds = append(preds, p+" "+geo.Bucket(book.At(prog, p, before)))
			}
			parts = append(parts, fmt.Sprintf("in program %q (predecessors then: %s)", prog, strings.Join(preds, ", ")))
		}
		u.Notes = append(u.Notes, fmt.Sprintf("Warning: successor village %s %q (of %s, from %s) has no responsible carrier %s: "+
			"an assignment names a village and is not inherited, so until the ministry assigns it, it counts under %q (%s) — open, and overdue past its deadline — in no carrier's figures, work list or alerts. "+
			"Assign it with an assignments/v1 file (village_id %q, program, carrier, assigned_at %q): covmon assignments import FILE, or POST /api/v1/uploads?kind=assignments.",
			sc.id, sc.name, strings.Join(sc.predecessors, ", "), day, strings.Join(parts, "; "), geo.Unassigned, geo.UnassignedLabel, sc.id, day))
	}
	if beyond > 0 {
		u.Notes = append(u.Notes, fmt.Sprintf("Warning: %d more successor villages may have no responsible carrier (not listed one by one); "+
			"covmon status --carrier %s --villages lists the open villages nobody is responsible for, GET /api/v1/worklist?carrier=%s the same.", beyond, geo.Unassigned, geo.Unassigned))
	}
	return nil
}
