package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"
)

// Upload admission. A body is received in full, into a temporary file, before the upload takes
// a decode slot: a slow or stalled client costs a goroutine, a connection and a temporary file,
// never a slot. While it is received the body must keep up a minimum rate (read deadlines set
// through http.ResponseController), and each uploader (a carrier, or the ministry) may have a
// bounded number of bodies in reception and of uploads decoding, so one carrier cannot starve
// the others.
const (
	defaultMaxConcurrentUploads = 4
	defaultUploadsPerUploader   = 2
	defaultPendingPerUploader   = 4
	defaultMinUploadRate        = 10 << 10 // bytes per second
	defaultUploadIdleTimeout    = 30 * time.Second
	spoolChunk                  = 32 << 10
)

// uploadGate hands out reception places and decode slots.
type uploadGate struct {
	slots      chan struct{} // decode slots, for everyone
	perKey     int           // decode slots one uploader may hold
	pendingMax int           // bodies one uploader may have in reception

	mu      sync.Mutex
	keySlot map[string]chan struct{}
	pending map[string]int
}

func (s *Server) gate() *uploadGate {
	s.uploadSlotsOnce.Do(func() {
		n := s.MaxConcurrentUploads
		if n <= 0 {
			n = defaultMaxConcurrentUploads
		}
		per := s.MaxUploadsPerUploader
		if per <= 0 {
			per = min(defaultUploadsPerUploader, n)
		}
		pend := s.MaxPendingPerUploader
		if pend <= 0 {
			pend = defaultPendingPerUploader
		}
		s.uploads = &uploadGate{slots: make(chan struct{}, n), perKey: per, pendingMax: pend,
			keySlot: map[string]chan struct{}{}, pending: map[string]int{}}
	})
	return s.uploads
}

// admit counts a body in reception for key; false when key already has pendingMax.
func (g *uploadGate) admit(key string) (release func(), ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.pending[key] >= g.pendingMax {
		return nil, false
	}
	g.pending[key]++
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.pending[key]--; g.pending[key] == 0 {
			delete(g.pending, key)
		}
	}, true
}

// acquire takes one of key's decode slots and then a shared one, waiting until ctx ends.
func (g *uploadGate) acquire(ctx context.Context, key string) (release func(), err error) {
	g.mu.Lock()
	own, ok := g.keySlot[key]
	if !ok {
		own = make(chan struct{}, g.perKey)
		g.keySlot[key] = own
	}
	g.mu.Unlock()
	select {
	case own <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case g.slots <- struct{}{}:
	case <-ctx.Done():
		<-own
		return nil, ctx.Err()
	}
	return func() { <-g.slots; <-own }, nil
}

// errTooSlow is a body that did not keep up the minimum rate.
var errTooSlow = errors.New("httpapi: upload body too slow")

// spool copies rd (the request body or its file part) into a new temporary file under
// read deadlines: each chunk must arrive within the idle timeout, and the body as a whole at
// MinUploadRate after the first idle timeout. The file is rewound for reading; the caller
// closes it with closeSpool.
func (s *Server) spool(w http.ResponseWriter, rd io.Reader) (*os.File, error) {
	f, err := os.CreateTemp(s.SpoolDir, "covmon-upload-*")
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	os.Remove(f.Name()) // unlinked now where the system allows: nothing is left behind, even by a crash
	fail := func(err error) (*os.File, error) {
		closeSpool(f)
		return nil, err
	}
	rate := s.MinUploadRate
	if rate <= 0 {
		rate = defaultMinUploadRate
	}
	idle := s.UploadIdleTimeout
	if idle <= 0 {
		idle = defaultUploadIdleTimeout
	}
	rc := http.NewResponseController(w)
	start := time.Now()
	buf := make([]byte, spoolChunk)
	var n int64
	for {
		dl := start.Add(idle + time.Duration(float64(n+spoolChunk)/float64(rate)*float64(time.Second)))
		if next := time.Now().Add(idle); next.Before(dl) {
			dl = next
		}
		if err := rc.SetReadDeadline(dl); err != nil && !errors.Is(err, http.ErrNotSupported) {
			return fail(fmt.Errorf("spool: %w", err))
		}
		k, err := rd.Read(buf)
		if k > 0 {
			if _, werr := f.Write(buf[:k]); werr != nil {
				return fail(fmt.Errorf("spool: %w", werr))
			}
			n += int64(k)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			var ne net.Error
			if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
				return fail(fmt.Errorf("%w: %d bytes in %v: %w", errTooSlow, n, time.Since(start).Round(time.Millisecond), err))
			}
			return fail(err)
		}
	}
	rc.SetReadDeadline(time.Time{})
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(fmt.Errorf("spool: %w", err))
	}
	return f, nil
}

// closeSpool closes a spooled body and removes its file if it could not be unlinked at once.
func closeSpool(f *os.File) {
	f.Close()
	os.Remove(f.Name())
}

// clientGone reports whether err means the client went away (closed or reset the connection,
// or ended the body short), as opposed to a failure of covmon's.
func clientGone(r *http.Request, err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, net.ErrClosed) || (errors.Is(err, context.Canceled) && r.Context().Err() != nil)
}
