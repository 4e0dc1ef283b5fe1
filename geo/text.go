package geo

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on free text that reaches the store, metric labels, reports and terminals (docs/formats.md
// "Text", docs/security.md). Names count characters (runes), so a Vietnamese name is not cut
// shorter than an ASCII one.
const (
	// MaxNameRunes bounds a village, commune or province name.
	MaxNameRunes = 100
	// MaxTextBytes bounds any other string value a file may give (a program ID, …).
	MaxTextBytes = 256
	// MaxFileNameBytes bounds an upload's file name (the API's name= or a drop-folder file).
	MaxFileNameBytes = 255
)

// BadRune returns the first rune of s that covmon refuses in stored text and its byte offset,
// or ok true when there is none. Refused: C0 and C1 control characters (newline, tab and ESC,
// which starts terminal escape sequences, included), DEL, the line and paragraph separators
// U+2028/U+2029, the bidirectional overrides and isolates U+202A–U+202E and U+2066–U+2069 (which
// make text display in another order than it is stored), and bytes that are not UTF-8.
func BadRune(s string) (r rune, at int, ok bool) {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return r, i, false
			}
		}
		if badRune(r) {
			return r, i, false
		}
	}
	return 0, 0, true
}

func badRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7F && r <= 0x9F:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// DescribeRune names a refused rune for a reason: "U+001B" or "a byte that is not UTF-8".
func DescribeRune(r rune) string {
	if r == utf8.RuneError {
		return "a byte that is not UTF-8"
	}
	return "U+" + strings.ToUpper(strconv.FormatInt(int64(0x10000+r), 16)[1:])
}

// EscapeText renders s for a terminal, a log line or a table cell: every rune BadRune refuses
// is written as a Go escape (\n, \x1b, \u202e), so a name can never start a new row or move the
// cursor. Text without such runes is returned unchanged.
func EscapeText(s string) string {
	if _, _, ok := BadRune(s); ok && !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				b.WriteString(`\x` + strconv.FormatInt(int64(0x100+int(s[i])), 16)[1:])
				continue
			}
			b.WriteRune(r)
		case r == '\\':
			b.WriteString(`\\`)
		case badRune(r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// CleanFileName returns the name an upload is stored under: the base name as given, with
// refused runes escaped (EscapeText) and cut to MaxFileNameBytes on a rune boundary. The
// drop folder uses it (a carrier's file is never refused for its name alone); the API refuses
// such a name instead (CheckFileName), as its client can correct it at once.
func CleanFileName(name string) string {
	name = EscapeText(name)
	if len(name) <= MaxFileNameBytes {
		return name
	}
	cut := MaxFileNameBytes
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut]
}

// CheckFileName returns why an upload's file name is refused, or "" when it is acceptable.
func CheckFileName(name string) string {
	if len(name) > MaxFileNameBytes {
		return "longer than " + strconv.Itoa(MaxFileNameBytes) + " bytes"
	}
	if r, at, ok := BadRune(name); !ok {
		return DescribeRune(r) + " at byte " + strconv.Itoa(at) + " (control characters are refused)"
	}
	return ""
}
