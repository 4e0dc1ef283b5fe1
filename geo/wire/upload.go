package wire

import (
	"time"

	"github.com/covmon/covmon/geo"
)

// Upload is an upload's outcome: returned by POST /api/v1/uploads (and, for a rejected file,
// inside its problem document as "report"), GET /api/v1/uploads/{id}, written next to a drop
// folder file as <file>.report.json, and printed by covmon uploads ID --format json.
type Upload struct {
	// UploadID is absent for a dry run, which records nothing.
	UploadID int64  `json:"upload_id,omitempty"`
	Kind     string `json:"kind"`
	Carrier  string `json:"carrier,omitempty"`
	File     string `json:"file"`
	Size     int64  `json:"size"`
	SHA256   string `json:"sha256"`
	Source   string `json:"source"`
	// Role is the role the file was sent in (carrier, inspector or ministry): duplicates are
	// judged by carrier, role and bytes.
	Role        string    `json:"role,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
	Result      string    `json:"result"`
	Features    int       `json:"features"`
	Inserted    int       `json:"inserted"`
	DuplicateOf int64     `json:"duplicate_of,omitempty"`
	Problems    []Problem `json:"problems"`
	// Extent says what an areas file speaks for, in plain words; MarkedDark counts the
	// villages inside it the file records as having no signal; Notes are notices in plain
	// words (e.g. that a file without an extent is read as a national layer). Areas only.
	Extent     string   `json:"extent,omitempty"`
	MarkedDark int      `json:"marked_dark,omitempty"`
	Notes      []string `json:"notes,omitempty"`
}

// Problem is one reason a file was rejected: the file, the feature (0-based index), the
// village and field when known, the rule (a stable code, see docs/formats.md) and a reason
// a person can act on.
type Problem struct {
	File      string `json:"file"`
	Feature   int    `json:"feature"`
	VillageID string `json:"village_id,omitempty"`
	Field     string `json:"field,omitempty"`
	Rule      string `json:"rule"`
	Reason    string `json:"reason"`
}

// NewUpload converts an upload record.
func NewUpload(u *geo.Upload) Upload {
	ps := make([]Problem, 0, len(u.Problems))
	for _, p := range u.Problems {
		ps = append(ps, Problem{p.File, p.Feature, p.VillageID, p.Field, p.Rule, p.Reason})
	}
	return Upload{u.ID, string(u.Kind), u.Carrier, u.FileName, u.Size, u.SHA256, u.Source, u.Role, VN(u.ReceivedAt),
		string(u.Result), u.Features, u.Inserted, u.DuplicateOf, ps, u.Extent, u.MarkedDark, u.Notes}
}

// Uploads is a list of uploads, newest first: GET /api/v1/uploads and covmon uploads
// --format json.
type Uploads struct {
	Uploads []Upload `json:"uploads"`
	// Next is the URL of the next page, when more follow.
	Next string `json:"next,omitempty"`
}

// NewUploads converts upload records.
func NewUploads(us []geo.Upload) Uploads {
	out := Uploads{Uploads: make([]Upload, 0, len(us))}
	for i := range us {
		out.Uploads = append(out.Uploads, NewUpload(&us[i]))
	}
	return out
}
