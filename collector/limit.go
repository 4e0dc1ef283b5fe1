package collector

import (
	"errors"
	"io"
)

// ErrTooLarge is returned by a LimitReader past its limit.
var ErrTooLarge = errors.New("collector: input too large")

// LimitReader returns a reader that reads from r but fails with ErrTooLarge once more than n
// bytes were read, so an oversized input stops ingest as an error (nothing is recorded)
// rather than looking like a truncated file.
func LimitReader(r io.Reader, n int64) io.Reader { return &limitReader{r: r, n: n} }

type limitReader struct {
	r io.Reader
	n int64 // bytes still allowed
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n < 0 {
		return 0, ErrTooLarge
	}
	if int64(len(p)) > l.n+1 {
		p = p[:l.n+1]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	if l.n < 0 {
		return n, ErrTooLarge
	}
	return n, err
}
