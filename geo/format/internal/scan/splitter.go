package scan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// ReadSize is how much Splitter asks the reader for at a time.
const ReadSize = 256 << 10

// ErrEOF is a syntax error: the input ended inside a value.
var ErrEOF = errors.New("unexpected end of input")

// Splitter reads the top level of a FeatureCollection from a stream and cuts the features
// array into one byte slice per feature, without parsing them: it only tracks strings and
// bracket depth. Only the current window of the input is held, so memory does not grow with
// the file (a single feature must fit in memory, as its geometry will anyway).
type Splitter struct {
	r     io.Reader
	buf   []byte
	start int   // first unread byte in buf
	end   int   // end of valid data in buf
	off   int64 // file offset of buf[0]
	eof   bool
	rerr  error // read error other than io.EOF
}

// NewSplitter reads r.
func NewSplitter(r io.Reader) Splitter { return Splitter{r: r} }

// ReadErr is the error reading the input other than io.EOF, or nil.
func (s *Splitter) ReadErr() error { return s.rerr }

// Next consumes the byte Peek returned.
func (s *Splitter) Next() { s.start++ }

// SkipBOM consumes a UTF-8 byte order mark at the current position, if any.
func (s *Splitter) SkipBOM() {
	if s.end-s.start < 3 && !s.eof {
		s.Fill()
	}
	if s.end-s.start >= 3 && bytes.Equal(s.buf[s.start:s.start+3], []byte{0xEF, 0xBB, 0xBF}) {
		s.start += 3
	}
}

// Fill reads more input, keeping buf[start:end]. It returns false at the end of the input.
func (s *Splitter) Fill() bool {
	if s.eof {
		return false
	}
	if s.start > 0 {
		n := copy(s.buf, s.buf[s.start:s.end])
		s.off += int64(s.start)
		s.start, s.end = 0, n
	}
	if len(s.buf)-s.end < ReadSize/2 {
		nb := make([]byte, max(2*len(s.buf), s.end+ReadSize))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return n > 0
		}
		if err != nil {
			s.eof, s.rerr = true, err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// Peek skips whitespace and returns the next byte without consuming it; ok is false at the
// end of the input.
func (s *Splitter) Peek() (byte, bool) {
	for {
		for s.start < s.end {
			switch c := s.buf[s.start]; c {
			case ' ', '\t', '\n', '\r':
				s.start++
			default:
				return c, true
			}
		}
		if !s.Fill() {
			return 0, false
		}
	}
}

// Offset is the file offset of the next unread byte.
func (s *Splitter) Offset() int64 { return s.off + int64(s.start) }

// Value cuts the next JSON value (after whitespace) and returns its bytes, which stay valid
// until the next call. Only strings and bracket depth are checked; the caller parses it.
func (s *Splitter) Value() ([]byte, error) {
	c, ok := s.Peek()
	if !ok {
		return nil, ErrEOF
	}
	i := s.start // absolute index into buf; rebased after fill
	depth := 0
	inStr, esc := false, false
	scalar := c != '{' && c != '[' && c != '"'
	for {
		if i >= s.end {
			rel := i - s.start
			if !s.Fill() {
				if scalar && depth == 0 {
					v := s.buf[s.start:s.end]
					s.start = s.end
					return v, nil
				}
				return nil, ErrEOF
			}
			i = s.start + rel
			continue
		}
		b := s.buf[i]
		if inStr {
			switch {
			case esc:
				esc = false
			case b == '\\':
				esc = true
			case b == '"':
				inStr = false
				if depth == 0 {
					v := s.buf[s.start : i+1]
					s.start = i + 1
					return v, nil
				}
			}
			i++
			continue
		}
		if scalar {
			switch b {
			case ',', '}', ']', ' ', '\t', '\n', '\r', ':':
				if i == s.start {
					return nil, fmt.Errorf("offset %d: invalid character %q, want a value", s.Offset(), b)
				}
				v := s.buf[s.start:i]
				s.start = i
				return v, nil
			}
			i++
			continue
		}
		switch b {
		case '"':
			inStr = true
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				v := s.buf[s.start : i+1]
				s.start = i + 1
				return v, nil
			}
		}
		i++
	}
}

// Expect consumes byte c after whitespace.
func (s *Splitter) Expect(c byte) error {
	got, ok := s.Peek()
	if !ok {
		return ErrEOF
	}
	if got != c {
		return fmt.Errorf("offset %d: invalid character %q, want %q", s.Offset(), got, c)
	}
	s.start++
	return nil
}

// err returns the read error, or a syntax error wrapping ErrEOF at the end of the input.
func (s *Splitter) Syntax(err error) error {
	if s.rerr != nil {
		return s.rerr
	}
	if errors.Is(err, ErrEOF) {
		return fmt.Errorf("offset %d: %w", s.Offset(), err)
	}
	return err
}
