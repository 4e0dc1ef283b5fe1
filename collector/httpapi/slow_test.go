package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/covmon/covmon/collector/httpapi"
	"github.com/covmon/covmon/geo"
)

// lockedBuffer is a log sink safe for concurrent handlers.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// slowUpload opens a connection and sends an upload's headers and the first bytes of a body
// it never finishes.
func slowUpload(t *testing.T, addr, token string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /api/v1/uploads HTTP/1.1\r\nHost: covmon\r\nAuthorization: Bearer %s\r\nContent-Type: application/geo+json\r\nContent-Length: 100000\r\n\r\n{\"type\":", token)
	return c
}

// waitN receives n values from ch, failing after a generous bound (not a speed assertion).
func waitN(t *testing.T, ch <-chan string, n int) {
	t.Helper()
	for i := range n {
		select {
		case <-ch:
		case <-time.After(30 * time.Second):
			t.Fatalf("only %d of %d uploads started", i, n)
		}
	}
}

// TestUpload_SlowClientsDoNotStarveOthers reproduces issue 15 item 6: slow uploads used to take
// every upload slot before their bodies arrived and block all uploads for minutes. Now a slot
// is taken only once a body is in: another carrier's upload goes through while five slow ones
// are pending, the slow carrier's next upload is refused at once (429), and slow clients that
// hang up are logged as disconnects (item 13), not as internal errors.
func TestUpload_SlowClientsDoNotStarveOthers(t *testing.T) {
	started := make(chan string, 16)
	var logs lockedBuffer
	spoolDir := t.TempDir()
	s := newSecServer(t, func(s *httpapi.Server) {
		s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		s.SpoolDir = spoolDir
		s.MaxConcurrentUploads = 4
		s.MaxPendingPerUploader = 5
		// The slow bodies must stay pending until the test closes them, however slow the
		// machine: at the default idle timeout (30 s) a run taking longer cut them off first
		// (too slow, not disconnected), and the sixth viettel upload was taken. The idle
		// timeout itself is TestUpload_TooSlowIsCut's.
		s.UploadIdleTimeout = time.Hour
		httpapi.SetSpoolHook(s, func(uploader string) { started <- uploader })
	})
	viettel, mobifone := s.token(t, geo.RoleCarrier, "viettel"), s.token(t, geo.RoleCarrier, "mobifone")
	var slow []net.Conn
	for range 5 {
		slow = append(slow, slowUpload(t, s.Listener.Addr().String(), viettel))
	}
	waitN(t, started, 5)

	client := &http.Client{Timeout: time.Minute} // bounds the test on a server that blocks
	req, _ := http.NewRequest("POST", s.URL+"/api/v1/uploads", strings.NewReader(obs("2025-01-01")))
	req.Header.Set("Authorization", "Bearer "+mobifone)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("mobifone's upload while viettel's are pending: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("mobifone's upload: %d, want 201", resp.StatusCode)
	}
	waitN(t, started, 1)

	code, p := post(t, s.URL+"/api/v1/uploads", viettel, strings.NewReader(obs("2025-01-02")))
	if code != http.StatusTooManyRequests || p["type"] != "urn:covmon:problem:too-many-uploads" {
		t.Errorf("a sixth viettel upload: %d %v, want 429", code, p)
	}

	for _, c := range slow {
		c.Close()
	}
	s.Close() // waits for the handlers
	out := logs.String()
	if n := strings.Count(out, "the client disconnected while sending it"); n != 5 {
		t.Errorf("%d disconnects logged, want 5:\n%s", n, out)
	}
	if strings.Contains(out, "internal error") || strings.Contains(out, "level=ERROR") {
		t.Errorf("a disconnect logged as an error:\n%s", out)
	}
	if ups := uploadsOf(t, s, "viettel"); len(ups) != 0 {
		t.Errorf("viettel uploads stored: %+v", ups)
	}
	if left, _ := os.ReadDir(spoolDir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestUpload_TooSlowIsCut: a body that stops arriving is cut off with 408 after the idle
// timeout, and nothing is stored.
func TestUpload_TooSlowIsCut(t *testing.T) {
	var logs lockedBuffer
	s := newSecServer(t, func(s *httpapi.Server) {
		s.Logger = slog.New(slog.NewTextHandler(&logs, nil))
		s.UploadIdleTimeout = 100 * time.Millisecond
	})
	c := slowUpload(t, s.Listener.Addr().String(), s.token(t, geo.RoleCarrier, "viettel"))
	c.SetReadDeadline(time.Now().Add(time.Minute)) // a bound, not a speed assertion
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("stalled body: %d, want 408", resp.StatusCode)
	}
	s.Close()
	if out := logs.String(); !strings.Contains(out, "the body came too slowly") {
		t.Errorf("log:\n%s", out)
	}
	if ups := uploadsOf(t, s, "viettel"); len(ups) != 0 {
		t.Errorf("uploads stored: %+v", ups)
	}
}

func uploadsOf(t *testing.T, s *secServer, carrier string) []geo.Upload {
	t.Helper()
	ups, err := s.db.Uploads(t.Context(), geo.UploadFilter{Carrier: carrier, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return ups
}
