package geo

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// The ledger is a hash chain over every upload record and every admin action (token created,
// token revoked, and whatever later actions append): entry n stores the hash of entry n−1 and
// the hash of its own content, so editing, inserting or deleting anything before the newest
// entry breaks a link that anyone holding the chain can find. docs/audit.md specifies the
// encoding so a third party can recompute every hash without covmon.

// Ledger entry kinds.
const (
	LedgerUpload       = "upload"        // an upload record (accepted, rejected or duplicate)
	LedgerTokenCreated = "token_created" // an API token was created
	LedgerTokenRevoked = "token_revoked" // an API token was revoked
	LedgerProgramSet   = "program_set"   // a program was created or its name, deadline or scope changed
	// LedgerUploadEffective fixes the instant an upload speaks as of (uploads.effective) for
	// an upload whose entry does not record it (format 1 or 2): migration 0040 appends one
	// for every upload stored before it.
	LedgerUploadEffective = "upload_effective"
)

// LedgerGenesis is the previous hash of the first entry: 64 zeros.
const LedgerGenesis = "0000000000000000000000000000000000000000000000000000000000000000"

// LedgerEntry is one link of the chain.
type LedgerEntry struct {
	// ID numbers the entries 1, 2, 3, … with no gap.
	ID int64 `json:"id"`
	// Kind is one of the Ledger* kinds; Ref is the ID of the upload or token it records.
	Kind string `json:"kind"`
	Ref  int64  `json:"ref"`
	// Content is the record as canonical JSON (see LedgerUploadContent and the others),
	// hashed as these exact bytes.
	Content string `json:"content"`
	// PrevHash is the Hash of the entry before (LedgerGenesis for the first); Hash is
	// LedgerHash of this entry.
	PrevHash string `json:"prev_hash"`
	Hash     string `json:"hash"`
}

// LedgerHash returns the lower-case hex SHA-256 of
//
//	"covmon-ledger/v1\n" + id + "\n" + kind + "\n" + ref + "\n" + prevHash + "\n" + content
//
// with id and ref in decimal. The content is taken as bytes, so no JSON canonicalisation is
// needed to recompute it.
func LedgerHash(id int64, kind string, ref int64, prevHash, content string) string {
	h := sha256.New()
	h.Write([]byte("covmon-ledger/v1\n"))
	h.Write([]byte(strconv.FormatInt(id, 10)))
	h.Write([]byte{'\n'})
	h.Write([]byte(kind))
	h.Write([]byte{'\n'})
	h.Write([]byte(strconv.FormatInt(ref, 10)))
	h.Write([]byte{'\n'})
	h.Write([]byte(prevHash))
	h.Write([]byte{'\n'})
	h.Write([]byte(content))
	return hex.EncodeToString(h.Sum(nil))
}

// NextLedgerEntry returns the entry that follows prev (nil for the first) with the given
// kind, reference and content, its ID and hashes filled in.
func NextLedgerEntry(prev *LedgerEntry, kind string, ref int64, content string) LedgerEntry {
	e := LedgerEntry{ID: 1, Kind: kind, Ref: ref, Content: content, PrevHash: LedgerGenesis}
	if prev != nil {
		e.ID, e.PrevHash = prev.ID+1, prev.Hash
	}
	e.Hash = LedgerHash(e.ID, e.Kind, e.Ref, e.PrevHash, e.Content)
	return e
}

// LedgerUploadContent is the content of an upload entry: the upload record as stored. Times
// are unix milliseconds (UTC). ProblemsSHA256 is the SHA-256 of the stored problem report
// (the JSON array as kept with the upload), null when there is none; NotesSHA256 likewise. TokenID is the API
// token that sent the file, null for files from the command line, the drop folder, a feed or
// the seed.
type LedgerUploadContent struct {
	UploadID       int64   `json:"upload_id"`
	Kind           string  `json:"kind"`
	Carrier        string  `json:"carrier"`
	FileName       string  `json:"file_name"`
	Size           int64   `json:"size"`
	SHA256         string  `json:"sha256"`
	Source         string  `json:"source"`
	TokenID        *int64  `json:"token_id"`
	ReceivedAtMS   int64   `json:"received_at_ms"`
	Result         string  `json:"result"`
	Features       int     `json:"features"`
	Inserted       int     `json:"inserted"`
	DuplicateOf    *int64  `json:"duplicate_of"`
	ProblemsSHA256 *string `json:"problems_sha256"`
	// Extent, MarkedDark and NotesSHA256 are what an areas upload said it speaks for (see
	// Upload.Extent); "", 0 and null for other kinds.
	Extent      string  `json:"extent"`
	MarkedDark  int     `json:"marked_dark"`
	NotesSHA256 *string `json:"notes_sha256"`
	// Role is the role the file was sent in (Upload.Role), part of the duplicate key. It is
	// the mark of the content's format: entries appended since the role was recorded
	// (format 2, migration 0036) have it; earlier entries (format 1) do not, and are
	// checked against their row without it (LedgerUploadFormat). Nil only to encode format 1.
	Role *string `json:"role,omitempty"`
	// EffectiveMS is the instant the upload speaks as of (Upload.Effective, the column
	// uploads.effective) in unix milliseconds, null when the row has none: the instant that
	// decides the staleness alerts and the registry's history. Entries appended since
	// migration 0040 (format 3) have it, as the last field; earlier entries do not, and their
	// upload's instant is fixed by the upload_effective entry the migration appended
	// (LedgerEffectiveContent). Empty only to encode formats 1 and 2.
	EffectiveMS json.RawMessage `json:"effective_ms,omitempty"`
}

// Upload entry content formats (LedgerUploadFormat).
const (
	LedgerUploadV1     = 1 // up to notes_sha256 (before migration 0036)
	LedgerUploadV2     = 2 // + role (migration 0036)
	LedgerUploadV3     = 3 // + effective_ms (migration 0040)
	LedgerUploadLatest = LedgerUploadV3
)

// LedgerUploadFormat returns the format of an upload entry's content: 3 when it records the
// upload's instant ("effective_ms", even null), 2 when it records the role the file was sent
// in ("role") but not the instant, 1 for entries appended before either. An entry is checked
// against its row in its own format, wherever it stands in the chain (an older covmon still
// running during an upgrade appends an older format): the fields it does not record are not
// fixed by it (the role of a format-1 entry, backfilled by migration 0036, is not fixed at
// all; the instant of a format-1 or 2 entry is fixed by the upload_effective entry migration
// 0040 appended, when the upload existed then).
func LedgerUploadFormat(content string) int {
	var c struct {
		Role      *string         `json:"role"`
		Effective json.RawMessage `json:"effective_ms"`
	}
	switch {
	case json.Unmarshal([]byte(content), &c) != nil:
		return LedgerUploadV1
	case len(c.Effective) > 0: // a null decodes as the bytes "null"
		return LedgerUploadV3
	case c.Role != nil:
		return LedgerUploadV2
	}
	return LedgerUploadV1
}

// LedgerEffectiveContent is the content of an upload_effective entry: the instant upload
// UploadID speaks as of (uploads.effective, unix milliseconds), null when it has none.
// Migration 0040 appended one for every upload then stored, whose entry (format 1 or 2) does
// not record it; an entry of format 3 records it itself.
type LedgerEffectiveContent struct {
	UploadID    int64  `json:"upload_id"`
	EffectiveMS *int64 `json:"effective_ms"`
}

// LedgerTokenContent is the content of a token_created entry. The secret is never in it: only
// its SHA-256, as stored.
type LedgerTokenContent struct {
	TokenID     int64  `json:"token_id"`
	Name        string `json:"name"`
	Role        string `json:"role"`
	Carrier     string `json:"carrier"`
	SecretHash  string `json:"secret_hash"`
	CreatedAtMS int64  `json:"created_at_ms"`
}

// LedgerRevokeContent is the content of a token_revoked entry.
type LedgerRevokeContent struct {
	TokenID     int64 `json:"token_id"`
	RevokedAtMS int64 `json:"revoked_at_ms"`
}

// LedgerProgramContent is the content of a program_set entry: the program as stored after
// the change. DeadlineMS is null when the program has no deadline.
type LedgerProgramContent struct {
	ProgramID   string `json:"program_id"`
	Name        string `json:"name"`
	DeadlineMS  *int64 `json:"deadline_ms"`
	PoweredOnly bool   `json:"powered_only"`
}

// LedgerContent encodes v as the canonical content of an entry: encoding/json of the content
// struct, fields in declaration order, no spaces.
func LedgerContent(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("ledger content: %w", err)
	}
	return string(b), nil
}

// LedgerBreak is the first broken link found by a verification.
type LedgerBreak struct {
	// EntryID is the entry where the chain breaks (0 when the break is a record with no
	// entry, named in Reason).
	EntryID int64 `json:"entry_id"`
	// Reason says what differs, e.g. `content differs from uploads row 7: field "sha256"
	// is "ab…" in the table, "cd…" in the ledger`.
	Reason string `json:"reason"`
}

func (b *LedgerBreak) Error() string {
	if b.EntryID == 0 {
		return "ledger: " + b.Reason
	}
	return fmt.Sprintf("ledger entry %d: %s", b.EntryID, b.Reason)
}

// LedgerChecker checks a chain entry by entry, in ID order.
type LedgerChecker struct {
	prev *LedgerEntry
	n    int
}

// Check returns the break at e, or nil when e links to the entries checked before it.
func (c *LedgerChecker) Check(e LedgerEntry) *LedgerBreak {
	wantID, wantPrev := int64(1), LedgerGenesis
	if c.prev != nil {
		wantID, wantPrev = c.prev.ID+1, c.prev.Hash
	}
	switch {
	case e.ID != wantID && c.prev == nil:
		return &LedgerBreak{EntryID: e.ID, Reason: fmt.Sprintf("the chain starts at entry %d, not 1: entries 1 to %d are missing", e.ID, e.ID-1)}
	case e.ID != wantID:
		return &LedgerBreak{EntryID: e.ID, Reason: fmt.Sprintf("follows entry %d: entries %d to %d are missing", c.prev.ID, wantID, e.ID-1)}
	case e.PrevHash != wantPrev:
		return &LedgerBreak{EntryID: e.ID, Reason: fmt.Sprintf("prev_hash %s does not match the hash %s of the entry before it", e.PrevHash, wantPrev)}
	}
	if h := LedgerHash(e.ID, e.Kind, e.Ref, e.PrevHash, e.Content); h != e.Hash {
		return &LedgerBreak{EntryID: e.ID, Reason: fmt.Sprintf("hash %s does not match its content (recomputed %s): the entry was edited", e.Hash, h)}
	}
	c.prev = &e
	c.n++
	return nil
}

// Count returns the number of entries checked and found linked.
func (c *LedgerChecker) Count() int { return c.n }

// Head returns the hash of the last linked entry (LedgerGenesis when none): publish it, and
// a later chain that does not contain it was rewritten.
func (c *LedgerChecker) Head() string {
	if c.prev == nil {
		return LedgerGenesis
	}
	return c.prev.Hash
}

// LedgerReport is the outcome of a verification.
type LedgerReport struct {
	Entries int          `json:"entries"`
	Head    string       `json:"head"`
	Break   *LedgerBreak `json:"break,omitempty"`
}

// DiffLedgerContent names the first top-level field whose value differs between two content
// encodings, e.g. `field "sha256" is "ab" in the table, "cd" in the ledger`; "" when equal.
func DiffLedgerContent(table, ledger string) string {
	if table == ledger {
		return ""
	}
	var a, b map[string]json.RawMessage
	if json.Unmarshal([]byte(table), &a) != nil || json.Unmarshal([]byte(ledger), &b) != nil {
		return "the contents differ"
	}
	keys := make([]string, 0, len(a)+len(b))
	var order []string
	if err := jsonKeys(ledger, &order); err == nil {
		keys = append(keys, order...)
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			keys = append(keys, k)
		}
	}
	for _, k := range keys {
		av, aok := a[k]
		bv, bok := b[k]
		switch {
		case !aok:
			return fmt.Sprintf("field %q is missing in the table, %s in the ledger", k, bv)
		case !bok:
			return fmt.Sprintf("field %q is %s in the table, missing in the ledger", k, av)
		case string(av) != string(bv):
			return fmt.Sprintf("field %q is %s in the table, %s in the ledger", k, av, bv)
		}
	}
	return "the contents differ in their encoding"
}

// jsonKeys lists the keys of a JSON object in their order.
func jsonKeys(s string, out *[]string) error {
	dec := json.NewDecoder(strings.NewReader(s))
	if _, err := dec.Token(); err != nil {
		return err
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k, _ := t.(string)
		*out = append(*out, k)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return err
		}
	}
	return nil
}

// LedgerWalk is a store's side of a verification: the checks only the database can make.
// Verify walks the chain with them, so both stores agree on the order and on what is checked.
type LedgerWalk struct {
	// CheckRecord compares entry e with the row it records, as stored now.
	CheckRecord func(e LedgerEntry) (*LedgerBreak, error)
	// CheckPrograms compares the latest program_set entry of each program with the table.
	CheckPrograms func(latest map[string]LedgerEntry) (*LedgerBreak, error)
	// Unchained returns a break naming the first recorded row with no entry among seen
	// (kind → ref).
	Unchained func(seen map[string]map[int64]bool) (*LedgerBreak, error)
}

// Verify checks entries (the whole chain, in ID order): each links to the one before it, each
// matches the row it records, then the programs and the rows no entry records. The error is
// non-nil only when the database could not be read.
func (w LedgerWalk) Verify(entries []LedgerEntry) (*LedgerReport, error) {
	var (
		c    LedgerChecker
		brk  *LedgerBreak
		err  error
		seen = map[string]map[int64]bool{}
		// programs: the latest program_set entry of each program, checked against the
		// table after the walk (earlier entries are its history).
		programs = map[string]LedgerEntry{}
	)
	for _, e := range entries {
		if brk = c.Check(e); brk != nil {
			break
		}
		if brk, err = w.CheckRecord(e); err != nil {
			return nil, fmt.Errorf("entry %d: %w", e.ID, err)
		} else if brk != nil {
			break
		}
		if seen[e.Kind] == nil {
			seen[e.Kind] = map[int64]bool{}
		}
		seen[e.Kind][e.Ref] = true
		if e.Kind == LedgerProgramSet {
			var pc LedgerProgramContent
			if json.Unmarshal([]byte(e.Content), &pc) == nil {
				programs[pc.ProgramID] = e
			}
		}
	}
	if brk == nil {
		if brk, err = w.CheckPrograms(programs); err != nil {
			return nil, err
		}
	}
	if brk == nil {
		if brk, err = w.Unchained(seen); err != nil {
			return nil, err
		}
	}
	return &LedgerReport{Entries: c.Count(), Head: c.Head(), Break: brk}, nil
}
