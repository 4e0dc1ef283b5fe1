package format

import (
	"io"
	"sort"
)

// maxBlankRun is the longest run of JSON whitespace (outside strings) that squeezeReader passes
// on; the rest of a longer run is dropped. Indented files never come near it.
const maxBlankRun = 4096

// maxSqueezeMarks bounds the offset map kept for error messages (16 bytes a mark). Each mark
// stands for a dropped run of more than maxBlankRun bytes, so the limit is only reached past
// 4 GiB of input; later offsets are then reported as read (smaller than in the file).
const maxSqueezeMarks = 1 << 20

// squeezeReader drops JSON whitespace beyond maxBlankRun bytes in a row outside strings.
//
// Why: encoding/json's Decoder re-scans the whitespace ahead of a token from its start each
// time it refills its buffer, so megabytes of blanks between tokens cost quadratic time (8 MiB:
// 2.3 s, 32 MiB: 21 s) and are held in memory. JSON whitespace outside strings means nothing,
// so dropping it changes no value; the offsets it shifts are mapped back by fileOffset, so
// "invalid JSON at byte N" still names the byte in the file as sent.
type squeezeReader struct {
	r     io.Reader
	buf   []byte
	i, n  int // unread input is buf[i:n]
	err   error
	inStr bool
	esc   bool
	blank int   // length of the current whitespace run
	out   int64 // bytes passed on so far
	// marks[k] says that from squeezed offset marks[k].at on, dropped bytes total marks[k].total.
	marks []squeezeMark
	// tee keeps the bytes passed on from squeezed offset teeBase on (until trimTee), so that a
	// value the JSON decoder has read can be sliced out of it rather than copied by the decoder
	// (collection.features).
	tee     []byte
	teeBase int64
}

// trimTee forgets the tee's bytes before squeezed offset off (copying down only when that
// frees more than half of it, so the cost is linear in the bytes read).
func (s *squeezeReader) trimTee(off int64) {
	k := int(off - s.teeBase)
	if k < 64<<10 || k < len(s.tee)/2 {
		return
	}
	n := copy(s.tee, s.tee[k:])
	s.tee = s.tee[:n]
	s.teeBase = off
}

// teeSlice returns the bytes passed on between squeezed offsets from and to, which must not
// have been trimmed.
func (s *squeezeReader) teeSlice(from, to int64) []byte {
	return s.tee[from-s.teeBase : to-s.teeBase]
}

type squeezeMark struct{ at, total int64 }

func newSqueezeReader(r io.Reader) *squeezeReader {
	return &squeezeReader{r: r, buf: make([]byte, 64<<10)}
}

func (s *squeezeReader) Read(p []byte) (int, error) {
	w := 0
	for w < len(p) {
		if s.i == s.n {
			if s.err != nil {
				break
			}
			if w > 0 { // do not block on the underlying reader with bytes in hand
				break
			}
			s.n, s.err = s.r.Read(s.buf)
			s.i = 0
			continue
		}
		in := s.buf[s.i:s.n]
		k := 0
		for ; k < len(in) && w < len(p); k++ {
			c := in[k]
			if s.inStr {
				switch {
				case s.esc:
					s.esc = false
				case c == '\\':
					s.esc = true
				case c == '"':
					s.inStr = false
				}
				p[w] = c
				w++
				continue
			}
			switch c {
			case ' ', '\t', '\n', '\r':
				s.blank++
				if s.blank > maxBlankRun {
					s.drop(s.out + int64(w))
					continue
				}
			case '"':
				s.inStr = true
				s.blank = 0
			default:
				s.blank = 0
			}
			p[w] = c
			w++
		}
		s.i += k
	}
	s.out += int64(w)
	s.tee = append(s.tee, p[:w]...)
	if w == 0 && s.i == s.n && s.err != nil {
		return 0, s.err
	}
	return w, nil
}

// drop records one dropped byte before squeezed offset at; a run's drops share one mark.
func (s *squeezeReader) drop(at int64) {
	k := len(s.marks)
	if k > 0 && s.marks[k-1].at == at {
		s.marks[k-1].total++
		return
	}
	if k >= maxSqueezeMarks {
		return
	}
	total := int64(1)
	if k > 0 {
		total += s.marks[k-1].total
	}
	s.marks = append(s.marks, squeezeMark{at: at, total: total})
}

// fileOffset maps an offset in the squeezed stream to the offset in the input.
func (s *squeezeReader) fileOffset(off int64) int64 {
	k := sort.Search(len(s.marks), func(k int) bool { return s.marks[k].at > off })
	if k == 0 {
		return off
	}
	return off + s.marks[k-1].total
}
