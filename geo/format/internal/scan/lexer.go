package scan

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// MaxDepth bounds JSON nesting so hostile input cannot exhaust the stack.
const MaxDepth = 256

// Lexer reads JSON from one complete value held in memory (a feature, or a top-level
// member). It is strict RFC 8259 JSON. The first syntax error is kept in Err and every later
// call fails fast, so callers check Err once at the end.
type Lexer struct {
	B   []byte // the value being read
	Pos int    // the next byte to read in B
	Err error  // the first syntax error, with its offset in B
	// Dup is the first member name Skip found twice in one object ("" when none): every
	// format refuses such objects (duplicate_key), whichever reader would keep which value.
	Dup     string
	scratch []byte // decoded string with escapes
}

// Reset starts reading b.
func (l *Lexer) Reset(b []byte) {
	l.B, l.Pos, l.Err, l.Dup = b, 0, nil, ""
}

// NoteDup records k as a duplicate member name unless one was recorded already.
func (l *Lexer) NoteDup(k []byte) {
	if l.Dup == "" {
		l.Dup = string(k)
		if l.Dup == "" {
			l.Dup = `""`
		}
	}
}

// KeySet remembers an object's member names to find one named twice. The names of a small
// object are kept in a fixed array, compared without allocating; a larger object moves them
// to a map.
type KeySet struct {
	buf  [keySetBytes]byte
	ends [keySetNames]uint16
	n    int // names in buf
	m    map[string]struct{}
}

const (
	keySetBytes = 256
	keySetNames = 16
)

// Add records k and reports whether it was already there.
func (s *KeySet) Add(k []byte) bool {
	if s.m == nil {
		start := 0
		for i := range s.n {
			end := int(s.ends[i])
			if string(s.buf[start:end]) == string(k) {
				return true
			}
			start = end
		}
		if s.n < keySetNames && start+len(k) <= keySetBytes {
			copy(s.buf[start:], k)
			s.ends[s.n] = uint16(start + len(k))
			s.n++
			return false
		}
		s.m = make(map[string]struct{}, 2*keySetNames)
		start = 0
		for i := range s.n {
			s.m[string(s.buf[start:s.ends[i]])] = struct{}{}
			start = int(s.ends[i])
		}
	}
	if _, ok := s.m[string(k)]; ok {
		return true
	}
	s.m[string(k)] = struct{}{}
	return false
}

// Fail records a syntax error at the current offset (the first one wins) and ends the input.
func (l *Lexer) Fail(format string, args ...any) {
	if l.Err == nil {
		l.Err = fmt.Errorf("offset %d: %s", l.Pos, fmt.Sprintf(format, args...))
	}
	l.Pos = len(l.B)
}

// SkipSpace skips JSON whitespace.
func (l *Lexer) SkipSpace() {
	for l.Pos < len(l.B) {
		switch l.B[l.Pos] {
		case ' ', '\t', '\n', '\r':
			l.Pos++
		default:
			return
		}
	}
}

// Peek skips whitespace and returns the next byte, 0 at the end.
func (l *Lexer) Peek() byte {
	l.SkipSpace()
	if l.Pos < len(l.B) {
		return l.B[l.Pos]
	}
	return 0
}

// Expect consumes byte c after whitespace.
func (l *Lexer) Expect(c byte) bool {
	if l.Peek() == c {
		l.Pos++
		return true
	}
	l.failAt(c)
	return false
}

func (l *Lexer) failAt(want byte) {
	if l.Pos >= len(l.B) {
		l.Fail("unexpected end, want %q", want)
		return
	}
	l.Fail("invalid character %q, want %q", l.B[l.Pos], want)
}

// More is the loop condition of an array or object after its opening byte: it consumes a
// ',' between elements and reports false at the closing byte (consumed). first is true
// before the first element.
func (l *Lexer) More(first *bool, closing byte) bool {
	c := l.Peek()
	if c == closing {
		l.Pos++
		return false
	}
	if !*first {
		if c != ',' {
			l.failAt(closing)
			return false
		}
		l.Pos++
	}
	*first = false
	return l.Err == nil
}

// Key reads an object key and its ':'. The result may alias the input or the scratch buffer:
// it is valid until the next call.
func (l *Lexer) Key() []byte {
	k := l.Str()
	l.Expect(':')
	return k
}

// Str reads a string. The result may alias the input or the scratch buffer.
func (l *Lexer) Str() []byte {
	if l.Peek() != '"' {
		l.failAt('"')
		return nil
	}
	l.Pos++
	start := l.Pos
	b := l.B
	for i := start; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			l.Pos = i + 1
			return b[start:i]
		case c == '\\':
			l.Pos = i
			return l.strEscaped(start)
		case c < 0x20:
			l.Pos = i
			l.Fail("control character in string")
			return nil
		}
	}
	l.Pos = len(b)
	l.Fail("unterminated string")
	return nil
}

func (l *Lexer) strEscaped(start int) []byte {
	out := append(l.scratch[:0], l.B[start:l.Pos]...)
	b := l.B
	i := l.Pos
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			l.Pos = i + 1
			l.scratch = out
			return out
		case c < 0x20:
			l.Pos = i
			l.Fail("control character in string")
			return nil
		case c != '\\':
			out = append(out, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			break
		}
		switch e := b[i+1]; e {
		case '"', '\\', '/':
			out = append(out, e)
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, n := unescapeU(b[i:])
			if n == 0 {
				l.Pos = i
				l.Fail("invalid \\u escape")
				return nil
			}
			out = utf8.AppendRune(out, r)
			i += n
			continue
		default:
			l.Pos = i
			l.Fail("invalid escape \\%c", e)
			return nil
		}
		i += 2
	}
	l.Pos = len(b)
	l.Fail("unterminated string")
	return nil
}

// unescapeU decodes \uXXXX (and a following low surrogate) at the start of b, returning the
// rune and the bytes used, 0 when malformed. Lone surrogates become U+FFFD as in encoding/json.
func unescapeU(b []byte) (rune, int) {
	hex := func(b []byte) rune {
		if len(b) < 6 || b[0] != '\\' || b[1] != 'u' {
			return -1
		}
		v, err := strconv.ParseUint(string(b[2:6]), 16, 32)
		if err != nil {
			return -1
		}
		return rune(v)
	}
	r := hex(b)
	if r < 0 {
		return 0, 0
	}
	if r >= 0xD800 && r < 0xDC00 {
		if lo := hex(b[6:]); lo >= 0xDC00 && lo < 0xE000 {
			return (r-0xD800)<<10 | (lo - 0xDC00) + 0x10000, 12
		}
		return utf8.RuneError, 6
	}
	if r >= 0xDC00 && r < 0xE000 {
		return utf8.RuneError, 6
	}
	return r, 6
}

// Literal reads true, false or null.
func (l *Lexer) Literal(word string) bool {
	if len(l.B)-l.Pos >= len(word) && string(l.B[l.Pos:l.Pos+len(word)]) == word {
		l.Pos += len(word)
		return true
	}
	l.Fail("invalid literal")
	return false
}

// Skip reads and discards any value, checking its syntax.
func (l *Lexer) Skip(depth int) {
	if depth > MaxDepth {
		l.Fail("nesting deeper than %d", MaxDepth)
		return
	}
	switch l.Peek() {
	case '{':
		l.Pos++
		var seen KeySet
		for first := true; l.More(&first, '}'); {
			if k := l.Key(); l.Err == nil && seen.Add(k) {
				l.NoteDup(k)
			}
			l.Skip(depth + 1)
		}
	case '[':
		l.Pos++
		for first := true; l.More(&first, ']'); {
			l.Skip(depth + 1)
		}
	case '"':
		l.Str()
	case 't':
		l.Literal("true")
	case 'f':
		l.Literal("false")
	case 'n':
		l.Literal("null")
	case 0:
		l.Fail("unexpected end, want a value")
	default:
		l.Number()
	}
}
