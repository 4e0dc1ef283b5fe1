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

// DefaultMaxGzipRatio is the default for GunzipLimit's ratio: honest GeoJSON compresses 5 to
// 30 times (repetitive synthetic files up to about 100); a decompression bomb compresses
// hundreds or thousands of times (509 KB of gzip holding 500 MiB of blanks: 1000×).
const DefaultMaxGzipRatio = 200

// gzipRatioFloor is the decompressed size below which the ratio is not checked: any file this
// small is harmless, however well it compresses.
const gzipRatioFloor = 16 << 20

// RatioReader returns a reader of the decompressed stream out that fails with ErrTooLarge once
// it has produced more than gzipRatioFloor bytes and more than ratio times the compressed
// bytes consumed so far (counted by in, which must wrap the compressed input). A bomb is thus
// stopped after a few megabytes of work, long before the absolute limit, and answered as too
// large (HTTP 413), not decoded for minutes. ratio ≤ 0 means DefaultMaxGzipRatio.
func RatioReader(out io.Reader, in *CountingReader, ratio int) io.Reader {
	if ratio <= 0 {
		ratio = DefaultMaxGzipRatio
	}
	return &ratioReader{r: out, in: in, ratio: int64(ratio)}
}

// CountingReader counts the bytes read through it.
type CountingReader struct {
	R io.Reader
	N int64
}

func (c *CountingReader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}

type ratioReader struct {
	r     io.Reader
	in    *CountingReader
	ratio int64
	n     int64
}

func (l *ratioReader) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > gzipRatioFloor && l.n > l.ratio*max(l.in.N, 1) {
		return n, ErrTooLarge
	}
	return n, err
}
