package geo

import (
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestNFC(t *testing.T) {
	composed := "Bản Khoang, xã Tả Phìn, Hà Giang"
	decomposed := norm.NFD.String(composed)
	if decomposed == composed {
		t.Fatal("test data: NFD form equals NFC form")
	}
	if got := NFC(decomposed); got != composed {
		t.Errorf("NFC(NFD) = %q (% x), want %q", got, got, composed)
	}
	if got := NFC(composed); got != composed {
		t.Errorf("NFC(NFC) = %q, want unchanged", got)
	}
}

func TestFold(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Bản Khoang", "ban khoang"},
		{norm.NFD.String("Bản Khoang"), "ban khoang"},
		{"  BẢN   khoang ", "ban khoang"},
		{"Đồng Văn", "dong van"},
		{"đèo Mã Pí Lèng", "deo ma pi leng"},
		{"Thôn 5 - Ea H'leo", "thon 5 ea h leo"},
		{"Xã Ngọc Đường", "xa ngoc duong"},
		{"", ""},
	} {
		if got := Fold(tc.in); got != tc.want {
			t.Errorf("Fold(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNameMatches(t *testing.T) {
	text := "Bản Khoang xã Tả Phìn"
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{"ban khoang", true},
		{"BAN KHOANG", true},
		{"khoang ta phin", true},
		{"bản khoang", true},
		{"ban khoan", true}, // a prefix of a word matches
		{"ban dong", false},
		{"", true},
	} {
		if got := NameMatches(tc.q, text); got != tc.want {
			t.Errorf("NameMatches(%q, %q) = %v, want %v", tc.q, text, got, tc.want)
		}
	}
}
