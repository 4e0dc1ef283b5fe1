package geo_test

import (
	"testing"

	"github.com/covmon/covmon/geo"
)

func TestParseUploadResult(t *testing.T) {
	for _, s := range []string{"", "accepted", "rejected", "duplicate"} {
		if got, err := geo.ParseUploadResult(s); err != nil || string(got) != s {
			t.Errorf("ParseUploadResult(%q) = %q, %v", s, got, err)
		}
	}
	for _, s := range []string{"xx", "Accepted", "reject"} {
		if _, err := geo.ParseUploadResult(s); err == nil {
			t.Errorf("ParseUploadResult(%q): no error, want one (a mistyped filter must not match nothing silently)", s)
		}
	}
}
