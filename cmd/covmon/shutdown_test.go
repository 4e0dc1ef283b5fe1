package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
)

// lockedBuffer is a log both serve's goroutines and the test read and write.
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

// blockedCommit holds an observations upload's commit until released or until its request's
// context ends.
type blockedCommit struct {
	collector.Store
	started, release chan struct{}
	once             sync.Once
}

func (b *blockedCommit) CommitObservationStream(ctx context.Context, u *geo.Upload, batches iter.Seq2[[]geo.Observation, error]) error {
	b.once.Do(func() { close(b.started) })
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.Store.CommitObservationStream(ctx, u, batches)
}

// heldServe is a covmon serve whose observations commits are held (blockedCommit), with its
// log and the number of uploads or ingests it says it waits for at the signal.
type heldServe struct {
	s       *server
	bc      *blockedCommit
	logs    *lockedBuffer
	waiting chan int
}

// startHeldServe starts covmon serve on db (with extra flags) with its observations commits
// held. HTTP's shutdown gives up at once, and serve waits uploadsFor for what is being stored;
// release, when set, is called when serve says it waits — for the API's uploads, or for the
// drop folder's and feeds' ingests when ingests is set.
func startHeldServe(t *testing.T, db string, uploadsFor time.Duration, ingests bool, release func(*blockedCommit), extra ...string) *heldServe {
	t.Helper()
	h := &heldServe{bc: &blockedCommit{started: make(chan struct{}), release: make(chan struct{})}, logs: &lockedBuffer{}, waiting: make(chan int, 1)}
	h.s = startServeMain(t, db, func(m *Main) {
		m.Stderr, m.Clock = h.logs, serveClock
		m.serveRunner = func(r *collector.Runner) {
			h.bc.Store = r.Ingester.Store
			r.Ingester.Store = h.bc
		}
		// HTTP gives up at once: what is being stored is still held.
		m.shutdownHTTP, m.shutdownUploads = time.Millisecond, uploadsFor
		waits := func(n int) {
			h.waiting <- n
			if release != nil {
				release(h.bc)
			}
		}
		if ingests {
			m.serveIngestsWaiting = waits
		} else {
			m.serveUploadsWaiting = waits
		}
	}, extra...)
	return h
}

// stopWhileStored stops serve (the signal) once what (named in failures) is being stored, and
// returns the number serve said it waits for and a channel closed once serve has stopped.
func (h *heldServe) stopWhileStored(t *testing.T, what string) (waited int, stopped <-chan struct{}) {
	t.Helper()
	select {
	case <-h.bc.started:
	case <-time.After(e2eWait):
		t.Fatalf("%s was not being stored; log:\n%s", what, h.logs.String())
	}
	done := make(chan struct{})
	go func() {
		h.s.stop()
		close(done)
	}()
	select {
	case waited = <-h.waiting:
	case <-time.After(e2eWait):
		t.Fatalf("serve did not wait for %s being stored; log:\n%s", what, h.logs.String())
	}
	return waited, done
}

// shutdownResult is what shutdownDuringUpload saw: the client's answer (status and body, or
// err), the number of uploads serve said it waits for, and serve's log once stopped.
type shutdownResult struct {
	status int
	body   string
	waited int
	log    string
	err    error
}

// shutdownDuringUpload starts covmon serve with its observations commits held, sends an upload
// named late.geojson, stops serve (the signal) once the upload is being stored, and returns
// what the client got (status, or the error), the number of uploads serve said it waits for,
// and serve's log once it has stopped. release, when set, is called when serve waits for the
// uploads.
func shutdownDuringUpload(t *testing.T, db string, uploadsFor time.Duration, release func(*blockedCommit)) shutdownResult {
	t.Helper()
	tok := createToken(t, db, "--carrier", "viettel")
	h := startHeldServe(t, db, uploadsFor, false, release)
	s := h.s
	type answer struct {
		status int
		body   string
		err    error
	}
	answered := make(chan answer, 1)
	go func() {
		req, _ := http.NewRequest("POST", s.url+"/api/v1/uploads?name=late.geojson", strings.NewReader(goodObs))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/geo+json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, err = b.ReadFrom(resp.Body)
		answered <- answer{resp.StatusCode, b.String(), err}
	}()
	waited, stopped := h.stopWhileStored(t, "the upload")
	a := <-answered
	<-stopped
	return shutdownResult{a.status, a.body, waited, h.logs.String(), a.err}
}

// TestServe_ShutdownWaitsForUploads: a signal while an API upload is being stored. HTTP's
// shutdown gives up (its bound passes), serve says it waits for the one upload being stored,
// the upload is stored within the uploads' bound and its client gets its 201 — the connection
// stays open meanwhile —, and the log names the upload stored during the shutdown: its ID,
// sender and file name.
func TestServe_ShutdownWaitsForUploads(t *testing.T) {
	db := seededDB(t)
	r := shutdownDuringUpload(t, db, time.Hour, func(b *blockedCommit) { close(b.release) })
	status, body, err, waited, log := r.status, r.body, r.err, r.waited, r.log
	if waited != 1 {
		t.Errorf("serve waited for %d uploads, want 1", waited)
	}
	if err != nil || status != http.StatusCreated {
		t.Fatalf("the client got %d %s (%v), want 201 with the upload's report; log:\n%s", status, body, err, log)
	}
	var rep struct {
		ID int64 `json:"upload_id"`
	}
	if err := json.Unmarshal([]byte(body), &rep); err != nil || rep.ID == 0 {
		t.Fatalf("report %s: %v", body, err)
	}
	for _, want := range []string{
		`msg="http shutdown"`, `msg="waiting for the uploads being stored" uploads=1`,
		fmt.Sprintf(`msg="upload stored during shutdown" upload_id=%d result=accepted file=late.geojson carrier=viettel role=carrier`, rep.ID),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Contains(log, "still being stored") {
		t.Errorf("the upload was cut off:\n%s", log)
	}
	if out := mustRun(t, db, "uploads", fmt.Sprint(rep.ID)); !strings.Contains(out, "late.geojson") || !strings.Contains(out, "accepted") {
		t.Errorf("covmon uploads %d:\n%s", rep.ID, out)
	}
}

// TestServe_ShutdownBounded: an upload still being stored when the uploads' bound passes is
// cancelled — nothing of it stored —, serve stops, and the log says both.
func TestServe_ShutdownBounded(t *testing.T) {
	db := seededDB(t)
	r := shutdownDuringUpload(t, db, 50*time.Millisecond, nil)
	status, body, err, waited, log := r.status, r.body, r.err, r.waited, r.log
	if waited != 1 {
		t.Errorf("serve waited for %d uploads, want 1", waited)
	}
	if err == nil && status == http.StatusCreated {
		t.Errorf("the client got 201 %s for an upload cut off", body)
	}
	for _, want := range []string{
		`msg="uploads still being stored at the shutdown's bound: cancelled`,
		`msg="upload ended during shutdown: not stored" file=late.geojson carrier=viettel`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if out := mustRun(t, db, "uploads"); strings.Contains(out, "late.geojson") {
		t.Errorf("the cancelled upload is listed:\n%s", out)
	}
}

// inboxShutdown is what shutdownDuringInboxIngest saw: the number of ingests serve said it
// waits for, serve's log once stopped, and the drop folder.
type inboxShutdown struct {
	waited int
	log    string
	inbox  string
}

// shutdownDuringInboxIngest starts covmon serve with a drop folder holding viettel's settled
// held.geojson and its observations commits held, stops serve (the signal) once the file is
// being stored, and returns what it saw. release, when set, is called when serve waits for the
// drop folder's and feeds' ingests.
func shutdownDuringInboxIngest(t *testing.T, db string, uploadsFor time.Duration, release func(*blockedCommit)) inboxShutdown {
	t.Helper()
	inbox := t.TempDir()
	dir := filepath.Join(inbox, "viettel")
	if err := os.MkdirAll(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "held.geojson")
	if err := os.WriteFile(file, []byte(goodObs), 0o640); err != nil {
		t.Fatal(err)
	}
	// Settled by serve's clock, which runs from testNow.
	if err := os.Chtimes(file, testNow.Add(-time.Hour), testNow.Add(-time.Hour)); err != nil {
		t.Fatal(err)
	}
	h := startHeldServe(t, db, uploadsFor, true, release, "--inbox", inbox)
	waited, stopped := h.stopWhileStored(t, "the drop folder's file")
	<-stopped
	return inboxShutdown{waited, h.logs.String(), inbox}
}

// TestServe_ShutdownWaitsForInbox: a signal while a drop-folder file is being stored. serve
// says it waits for the one ingest, the file is stored once within the bound and moved to
// processed/, and the log names it: upload ID, carrier, file, source. (Before, the jobs were
// cancelled as soon as the API had stopped: the file was cut off, with no word of it at
// shutdown.)
func TestServe_ShutdownWaitsForInbox(t *testing.T) {
	db := seededDB(t)
	r := shutdownDuringInboxIngest(t, db, time.Hour, func(b *blockedCommit) { close(b.release) })
	if r.waited != 1 {
		t.Errorf("serve waited for %d ingests, want 1", r.waited)
	}
	for _, want := range []string{
		`msg="waiting for the drop-folder and feed ingests being stored" ingests=1`,
		`msg="upload stored during shutdown" upload_id=`,
		`result=accepted file=held.geojson carrier=viettel role=carrier token_id=0 source=inbox`,
	} {
		if !strings.Contains(r.log, want) {
			t.Errorf("log lacks %q:\n%s", want, r.log)
		}
	}
	if strings.Contains(r.log, "still being stored") || strings.Contains(r.log, "not stored") {
		t.Errorf("the file was cut off:\n%s", r.log)
	}
	if out := mustRun(t, db, "uploads"); strings.Count(out, "held.geojson") != 1 {
		t.Errorf("covmon uploads lists held.geojson %d times, want once:\n%s", strings.Count(out, "held.geojson"), out)
	}
	if _, err := os.Stat(filepath.Join(r.inbox, "viettel", "held.geojson")); !os.IsNotExist(err) {
		t.Errorf("held.geojson is still in the drop folder (%v): its next scan would be a duplicate", err)
	}
	if m, _ := filepath.Glob(filepath.Join(r.inbox, "viettel", "processed", "*-held.geojson")); len(m) != 1 {
		t.Errorf("processed/ holds %v, want held.geojson", m)
	}
}

// TestServe_ShutdownBoundedInbox: a drop-folder file still being stored when the bound passes
// is cancelled — nothing of it stored —, stays in the drop folder for the next start, and the
// log says both.
func TestServe_ShutdownBoundedInbox(t *testing.T) {
	db := seededDB(t)
	r := shutdownDuringInboxIngest(t, db, 50*time.Millisecond, nil)
	if r.waited != 1 {
		t.Errorf("serve waited for %d ingests, want 1", r.waited)
	}
	for _, want := range []string{
		`msg="drop-folder and feed ingests still being stored at the shutdown's bound: cancelled`,
		`msg="upload ended during shutdown: not stored" file=held.geojson carrier=viettel token_id=0 source=inbox`,
	} {
		if !strings.Contains(r.log, want) {
			t.Errorf("log lacks %q:\n%s", want, r.log)
		}
	}
	if out := mustRun(t, db, "uploads"); strings.Contains(out, "held.geojson") {
		t.Errorf("the cancelled file is listed:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(r.inbox, "viettel", "held.geojson")); err != nil {
		t.Errorf("held.geojson left the drop folder though not stored: %v", err)
	}
}

// TestServe_ShutdownBoundedFeed: a feed trickling its body when the signal arrives is waited
// for within the same bound as the API's uploads, then cut off — nothing of it stored — and the
// log names it.
func TestServe_ShutdownBoundedFeed(t *testing.T) {
	db := seededDB(t)
	started := make(chan struct{})
	var once sync.Once
	feed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Write([]byte(`{"type":"FeatureCollection","features":[`))
		w.(http.Flusher).Flush()
		once.Do(func() { close(started) })
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-req.Context().Done():
				return
			case <-tick.C:
				w.Write([]byte(" "))
				w.(http.Flusher).Flush()
			}
		}
	}))
	defer feed.Close()
	cfg := writeFile(t, "covmon.yml", fmt.Sprintf(`collector:
  feeds: [{name: viettel-feed, url: %q, carrier: viettel}]
  feed_network: {allow_loopback: true}
`, feed.URL+"/coverage.geojson"))
	logs := &lockedBuffer{}
	waiting := make(chan int, 1)
	s := startServeMain(t, db, func(m *Main) {
		m.Stderr, m.Clock = logs, serveClock
		m.shutdownHTTP, m.shutdownUploads = time.Millisecond, 50*time.Millisecond
		m.serveIngestsWaiting = func(n int) { waiting <- n }
	}, "--config", cfg)
	select {
	case <-started:
	case <-time.After(e2eWait):
		t.Fatalf("the feed was not being read; log:\n%s", logs.String())
	}
	stopped := make(chan struct{})
	go func() {
		s.stop()
		close(stopped)
	}()
	select {
	case n := <-waiting:
		if n != 1 {
			t.Errorf("serve waited for %d ingests, want 1", n)
		}
	case <-time.After(e2eWait):
		t.Fatalf("serve did not wait for the feed being ingested; log:\n%s", logs.String())
	}
	<-stopped
	log := logs.String()
	for _, want := range []string{
		`msg="drop-folder and feed ingests still being stored at the shutdown's bound: cancelled`,
		`msg="upload ended during shutdown: not stored" file=viettel-feed/coverage.geojson carrier=viettel token_id=0 source=feed`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if out := mustRun(t, db, "uploads"); strings.Contains(out, "coverage.geojson") {
		t.Errorf("the cut-off feed is listed:\n%s", out)
	}
}
