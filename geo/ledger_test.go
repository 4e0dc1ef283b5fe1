package geo_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
)

// TestLedgerHash pins the documented encoding (docs/audit.md) with an independent computation.
func TestLedgerHash(t *testing.T) {
	content := `{"token_id":7,"revoked_at_ms":1700000000000}`
	sum := sha256.Sum256([]byte("covmon-ledger/v1\n3\ntoken_revoked\n7\n" + geo.LedgerGenesis + "\n" + content))
	if got, want := geo.LedgerHash(3, geo.LedgerTokenRevoked, 7, geo.LedgerGenesis, content), hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("LedgerHash=%s, want %s", got, want)
	}
}

func TestLedgerChecker(t *testing.T) {
	var chain []geo.LedgerEntry
	var prev *geo.LedgerEntry
	for i, c := range []string{`{"a":1}`, `{"a":2}`, `{"a":3}`} {
		e := geo.NextLedgerEntry(prev, geo.LedgerUpload, int64(i+1), c)
		chain = append(chain, e)
		prev = &chain[len(chain)-1]
	}
	check := func(es ...geo.LedgerEntry) *geo.LedgerBreak {
		var c geo.LedgerChecker
		for _, e := range es {
			if b := c.Check(e); b != nil {
				return b
			}
		}
		return nil
	}
	if b := check(chain...); b != nil {
		t.Fatalf("intact chain: %v", b)
	}
	edited := chain[1]
	edited.Content = `{"a":20}`
	for _, tt := range []struct {
		name  string
		chain []geo.LedgerEntry
		id    int64
		want  string
	}{
		{"Edited", []geo.LedgerEntry{chain[0], edited, chain[2]}, 2, "does not match its content"},
		{"Dropped", []geo.LedgerEntry{chain[0], chain[2]}, 3, "entries 2 to 2 are missing"},
		{"HeadDropped", chain[1:], 2, "starts at entry 2"},
		{"Swapped", []geo.LedgerEntry{chain[0], chain[2], chain[1]}, 3, "missing"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := check(tt.chain...)
			if b == nil || b.EntryID != tt.id || !strings.Contains(b.Reason, tt.want) {
				t.Fatalf("break %v, want entry %d: %s", b, tt.id, tt.want)
			}
		})
	}
}

func TestDiffLedgerContent(t *testing.T) {
	got := geo.DiffLedgerContent(`{"a":1,"b":"x","c":null}`, `{"a":1,"b":"y","c":null}`)
	if want := `field "b" is "x" in the table, "y" in the ledger`; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got := geo.DiffLedgerContent(`{"a":1}`, `{"a":1}`); got != "" {
		t.Fatalf("equal contents: %q", got)
	}
}

// TestLedgerUploadFormats: an upload entry's content is format 1 without the role (entries
// appended before the role was recorded: the same bytes as before) and format 2 with it; the
// walk takes both, in any order (an older covmon still running during an upgrade appends
// format 1 after format 2).
func TestLedgerUploadFormats(t *testing.T) {
	role := geo.RoleInspector
	c := geo.LedgerUploadContent{UploadID: 1, Kind: "observations", Carrier: "viettel", SHA256: "ab", Result: "accepted"}
	v1, err := geo.LedgerContent(c)
	if err != nil {
		t.Fatal(err)
	}
	c.Role = &role
	v2, _ := geo.LedgerContent(c)
	if strings.Contains(v1, "role") || !strings.HasSuffix(v2, `"notes_sha256":null,"role":"inspector"}`) {
		t.Fatalf("format 1 %s, format 2 %s", v1, v2)
	}
	if geo.LedgerUploadFormat(v1) != 1 || geo.LedgerUploadFormat(v2) != 2 {
		t.Fatalf("formats %d %d, want 1 2", geo.LedgerUploadFormat(v1), geo.LedgerUploadFormat(v2))
	}
	chain := func(contents ...string) []geo.LedgerEntry {
		var out []geo.LedgerEntry
		var prev *geo.LedgerEntry
		for i, c := range contents {
			e := geo.NextLedgerEntry(prev, geo.LedgerUpload, int64(i+1), c)
			out = append(out, e)
			prev = &out[len(out)-1]
		}
		return out
	}
	none := func(geo.LedgerEntry) (*geo.LedgerBreak, error) { return nil, nil }
	walk := geo.LedgerWalk{CheckRecord: none,
		CheckPrograms: func(map[string]geo.LedgerEntry) (*geo.LedgerBreak, error) { return nil, nil },
		Unchained:     func(map[string]map[int64]bool) (*geo.LedgerBreak, error) { return nil, nil }}
	rep, err := walk.Verify(chain(v1, v1, v2, v2))
	if err != nil || rep.Break != nil || rep.Entries != 4 {
		t.Fatalf("format 1 then 2: %+v %v", rep, err)
	}
	rep, err = walk.Verify(chain(v1, v2, v1))
	if err != nil || rep.Break != nil || rep.Entries != 3 {
		t.Fatalf("format 1 after 2: %+v %v", rep, err)
	}

	// Format 3 records the instant the upload speaks as of, null included.
	c.EffectiveMS = json.RawMessage("null")
	v3null, _ := geo.LedgerContent(c)
	c.EffectiveMS = json.RawMessage("1793293200000")
	v3, _ := geo.LedgerContent(c)
	if !strings.HasSuffix(v3null, `"role":"inspector","effective_ms":null}`) || !strings.HasSuffix(v3, `"role":"inspector","effective_ms":1793293200000}`) {
		t.Fatalf("format 3: %s, %s", v3null, v3)
	}
	for _, v := range []string{v3null, v3} {
		if f := geo.LedgerUploadFormat(v); f != geo.LedgerUploadV3 {
			t.Fatalf("format of %s: %d, want 3", v, f)
		}
	}
	if rep, err := walk.Verify(chain(v1, v2, v3, v2, v3null)); err != nil || rep.Break != nil || rep.Entries != 5 {
		t.Fatalf("formats 1, 2, 3, 2, 3: %+v %v", rep, err)
	}
}
