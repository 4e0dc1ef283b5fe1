package format_test

import (
	"strings"
	"testing"

	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
)

// TestDecode_InvalidUTF8 pins that bytes that are not UTF-8 in a string are refused, not
// silently stored as U+FFFD.
func TestDecode_InvalidUTF8(t *testing.T) {
	in := fc(observation("null", "carrier", "\"viet\xff\""))
	_, err := format.DecodeObservations(strings.NewReader(in), format.Options{File: testFile})
	got := problemsOf(t, err)
	if len(got) != 1 || got[0].Rule != geo.RuleTextControl || got[0].Reason != "a byte that is not UTF-8 at byte 4 of the string (control characters are refused)" {
		t.Errorf("problems %+v", got)
	}
}
