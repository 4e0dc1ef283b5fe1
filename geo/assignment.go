package geo

import (
	"sort"
	"time"
)

// Unassigned is the responsible-carrier bucket of villages no carrier is assigned to: a value
// of its own in figures, alerts and tables ("chưa giao"), never merged into a carrier.
const Unassigned = "unassigned"

// UnassignedLabel is the Vietnamese label of the Unassigned bucket.
const UnassignedLabel = "chưa giao"

// Assignment makes a carrier responsible for a village in a program from AssignedAt on, until
// a later assignment of the same village and program. An empty Carrier unassigns.
type Assignment struct {
	VillageID  string
	ProgramID  string
	Carrier    string
	AssignedAt time.Time
	// UploadID is the assignments upload it came in (0 before it is stored); of two
	// assignments at the same instant, the later upload wins.
	UploadID int64
	// ReceivedAt is when its upload was received (zero before it is stored): the audit view
	// (VillageFilter.AsKnown) counts an assignment only from then.
	ReceivedAt time.Time
}

// Assignments is the dated history of who is responsible for which village, per program.
// The zero value and nil hold no assignment: every village is unassigned.
type Assignments struct {
	byKey map[[2]string][]Assignment // program, village → ordered by AssignedAt, UploadID
}

// NewAssignments indexes as for look-ups by instant.
func NewAssignments(as []Assignment) *Assignments {
	b := &Assignments{byKey: map[[2]string][]Assignment{}}
	for _, a := range as {
		k := [2]string{a.ProgramID, a.VillageID}
		b.byKey[k] = append(b.byKey[k], a)
	}
	for _, h := range b.byKey {
		sort.SliceStable(h, func(i, j int) bool {
			if !h[i].AssignedAt.Equal(h[j].AssignedAt) {
				return h[i].AssignedAt.Before(h[j].AssignedAt)
			}
			return h[i].UploadID < h[j].UploadID
		})
	}
	return b
}

// At returns the carrier responsible for the village in the program at instant t: the
// carrier of the latest assignment at or before t, or "" when there is none (or it unassigned).
func (b *Assignments) At(programID, villageID string, t time.Time) string {
	if b == nil {
		return ""
	}
	h := b.byKey[[2]string{programID, villageID}]
	i := sort.Search(len(h), func(i int) bool { return h[i].AssignedAt.After(t) })
	if i == 0 {
		return ""
	}
	return h[i-1].Carrier
}

// Bucket returns the responsible-carrier bucket of carrier: the carrier, or Unassigned for "".
func Bucket(carrier string) string {
	if carrier == "" {
		return Unassigned
	}
	return carrier
}

// WorkList returns the open villages of sts whose responsible carrier is carrier (Unassigned
// for the villages no carrier is responsible for), nearest deadline first, then by ID.
func WorkList(sts []VillageStatus, carrier string) []VillageStatus {
	var out []VillageStatus
	for _, st := range sts {
		if st.Open && Bucket(st.Responsible) == carrier {
			out = append(out, st)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Deadline.Equal(out[j].Deadline) {
			return out[i].Deadline.Before(out[j].Deadline)
		}
		return out[i].Village.ID < out[j].Village.ID
	})
	return out
}

// Since returns when the responsibility in force at t for the village in the program began:
// the assigned_at of the first of the consecutive assignments to the same carrier that end
// with the one in force (re-assigning the same carrier does not restart it), and the upload
// it came in; zero and 0 when no carrier is responsible.
func (b *Assignments) Since(programID, villageID string, t time.Time) (time.Time, int64) {
	if b == nil {
		return time.Time{}, 0
	}
	h := b.byKey[[2]string{programID, villageID}]
	i := sort.Search(len(h), func(i int) bool { return h[i].AssignedAt.After(t) })
	if i == 0 || h[i-1].Carrier == "" {
		return time.Time{}, 0
	}
	j := i - 1
	for j > 0 && h[j-1].Carrier == h[i-1].Carrier {
		j--
	}
	return h[j].AssignedAt, h[j].UploadID
}
