package geo

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NFC returns s in Unicode normalisation form C, the form covmon stores every name in.
// Vietnamese written by some Windows and macOS tools arrives decomposed (NFD: "ả" as "a" and a
// combining hook above), which looks the same on screen but breaks table alignment and never
// compares equal to the composed form. A string already in NFC is returned as is, without
// allocating.
func NFC(s string) string { return norm.NFC.String(s) }

// Fold returns the search key of a name: lower case, without diacritics, with đ/Đ read as d
// (the only Vietnamese letter that Unicode does not decompose), every run of spaces or
// punctuation as one space. "Bản Khoang" and "BAN  khoang" both fold to "ban khoang".
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // no leading space
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			r = unicode.ToLower(r)
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSuffix(b.String(), " ")
}

// NameMatches reports whether every word of the folded query occurs in the folded text: the
// search rule of `covmon villages find` and GET /api/v1/villages?q=, in one place.
func NameMatches(query, text string) bool {
	text = Fold(text)
	for _, w := range strings.Fields(Fold(query)) {
		if !strings.Contains(text, w) {
			return false
		}
	}
	return true
}
