package format

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// areaMaxDepth bounds JSON nesting so hostile input cannot exhaust the stack.
const areaMaxDepth = 256

// areaLexer reads JSON from one complete value held in memory (a feature, or a top-level
// member). It is strict RFC 8259 JSON. The first syntax error is kept in err and every later
// call fails fast, so callers check err once at the end.
type areaLexer struct {
	b       []byte
	pos     int
	err     error
	scratch []byte // decoded string with escapes
}

func (l *areaLexer) reset(b []byte) {
	l.b, l.pos, l.err = b, 0, nil
}

func (l *areaLexer) fail(format string, args ...any) {
	if l.err == nil {
		l.err = fmt.Errorf("offset %d: %s", l.pos, fmt.Sprintf(format, args...))
	}
	l.pos = len(l.b)
}

func (l *areaLexer) ws() {
	for l.pos < len(l.b) {
		switch l.b[l.pos] {
		case ' ', '\t', '\n', '\r':
			l.pos++
		default:
			return
		}
	}
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (l *areaLexer) peek() byte {
	l.ws()
	if l.pos < len(l.b) {
		return l.b[l.pos]
	}
	return 0
}

// expect consumes byte c after whitespace.
func (l *areaLexer) expect(c byte) bool {
	if l.peek() == c {
		l.pos++
		return true
	}
	l.failAt(c)
	return false
}

func (l *areaLexer) failAt(want byte) {
	if l.pos >= len(l.b) {
		l.fail("unexpected end, want %q", want)
		return
	}
	l.fail("invalid character %q, want %q", l.b[l.pos], want)
}

// more is the loop condition of an array or object after its opening byte: it consumes a
// ',' between elements and reports false at the closing byte (consumed). first is true
// before the first element.
func (l *areaLexer) more(first *bool, closing byte) bool {
	c := l.peek()
	if c == closing {
		l.pos++
		return false
	}
	if !*first {
		if c != ',' {
			l.failAt(closing)
			return false
		}
		l.pos++
	}
	*first = false
	return l.err == nil
}

// key reads an object key and its ':'. The result may alias the input or the scratch buffer:
// it is valid until the next call.
func (l *areaLexer) key() []byte {
	k := l.str()
	l.expect(':')
	return k
}

// str reads a string. The result may alias the input or the scratch buffer.
func (l *areaLexer) str() []byte {
	if l.peek() != '"' {
		l.failAt('"')
		return nil
	}
	l.pos++
	start := l.pos
	b := l.b
	for i := start; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			l.pos = i + 1
			return b[start:i]
		case c == '\\':
			l.pos = i
			return l.strEscaped(start)
		case c < 0x20:
			l.pos = i
			l.fail("control character in string")
			return nil
		}
	}
	l.pos = len(b)
	l.fail("unterminated string")
	return nil
}

func (l *areaLexer) strEscaped(start int) []byte {
	out := append(l.scratch[:0], l.b[start:l.pos]...)
	b := l.b
	i := l.pos
	for i < len(b) {
		c := b[i]
		switch {
		case c == '"':
			l.pos = i + 1
			l.scratch = out
			return out
		case c < 0x20:
			l.pos = i
			l.fail("control character in string")
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
			r, n := areaUnicode(b[i:])
			if n == 0 {
				l.pos = i
				l.fail("invalid \\u escape")
				return nil
			}
			out = utf8.AppendRune(out, r)
			i += n
			continue
		default:
			l.pos = i
			l.fail("invalid escape \\%c", e)
			return nil
		}
		i += 2
	}
	l.pos = len(b)
	l.fail("unterminated string")
	return nil
}

// areaUnicode decodes \uXXXX (and a following low surrogate) at the start of b, returning the
// rune and the bytes used, 0 when malformed. Lone surrogates become U+FFFD as in encoding/json.
func areaUnicode(b []byte) (rune, int) {
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

// literal reads true, false or null.
func (l *areaLexer) literal(word string) bool {
	if len(l.b)-l.pos >= len(word) && string(l.b[l.pos:l.pos+len(word)]) == word {
		l.pos += len(word)
		return true
	}
	l.fail("invalid literal")
	return false
}

// skip reads and discards any value, checking its syntax.
func (l *areaLexer) skip(depth int) {
	if depth > areaMaxDepth {
		l.fail("nesting deeper than %d", areaMaxDepth)
		return
	}
	switch l.peek() {
	case '{':
		l.pos++
		for first := true; l.more(&first, '}'); {
			l.key()
			l.skip(depth + 1)
		}
	case '[':
		l.pos++
		for first := true; l.more(&first, ']'); {
			l.skip(depth + 1)
		}
	case '"':
		l.str()
	case 't':
		l.literal("true")
	case 'f':
		l.literal("false")
	case 'n':
		l.literal("null")
	case 0:
		l.fail("unexpected end, want a value")
	default:
		l.number()
	}
}

// areaKind names the JSON type starting with byte c, for field_type reasons.
func areaKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
