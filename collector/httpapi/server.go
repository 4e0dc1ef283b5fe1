// Package httpapi serves covmon's HTTP API: carrier uploads, uploads listing, villages as
// GeoJSON, the headline summary, health checks and /metrics. Errors are RFC 9457 problem
// documents; SQL or internal error text never reaches a client.
package httpapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/format"
	"github.com/covmon/covmon/geo/wire"
)

// Store is what the API reads.
type Store interface {
	collector.StatusStore
	// EachVillageLatest streams the villages with their latest observations (the village list).
	EachVillageLatest(ctx context.Context, asOf time.Time, upTo int64, f geo.VillageFilter, fn func(v *geo.Village, latest []geo.Observation) error) error
	Uploads(ctx context.Context, f geo.UploadFilter) ([]geo.Upload, error)
	Upload(ctx context.Context, id int64) (*geo.Upload, error)
	Village(ctx context.Context, id string) (*geo.Village, error)
	// Successions returns the retirements of a village's lineage (geo.Succession).
	Successions(ctx context.Context, id string) ([]geo.Succession, error)
	Observations(ctx context.Context, villageID string) ([]geo.Observation, error)
	// Token returns the token with the given ID; geo.ErrNotFound when there is none.
	Token(ctx context.Context, id int64) (*geo.Token, error)
	// TouchToken records the token's last use (to the minute).
	TouchToken(ctx context.Context, id int64, at time.Time) error
	Ping(ctx context.Context) error
	DailyFigures(ctx context.Context, programID string, from, to time.Time) ([]geo.DailyFigure, error)
	// Crosswalk returns the crosswalk of administrative units (reports under a past geography).
	Crosswalk(ctx context.Context) ([]geo.CrosswalkRow, error)
}

// IngestFunc ingests one file (collector.Runner.Ingest).
type IngestFunc func(ctx context.Context, f collector.File, r io.Reader) (*geo.Upload, error)

// Server is the HTTP API. Set the exported fields, then call Open.
type Server struct {
	Addr     string
	Store    Store
	Ingest   IngestFunc
	Snapshot func() *geo.Snapshot
	Programs []geo.Program
	Policy   geo.Policy
	// Metrics is mounted at GET /metrics when set. It follows the read policy: with PublicRead
	// false it needs a ministry token (it names every open village and every carrier's upload
	// counts), so Prometheus scrapes with "authorization: {type: Bearer, credentials_file: …}".
	Metrics http.Handler
	Logger  *slog.Logger
	// Now is the clock for "as of now" queries (default time.Now).
	Now func() time.Time
	// Forecast returns a program's completion forecast from the latest alert evaluation
	// (alerts.Service.Forecast); ok false before the first. Nil: summaries carry no forecast.
	Forecast func(program string) (wire.Forecast, bool)
	// ForecastAsKnown computes a program's completion forecast in the audit view as of an
	// instant (alerts.ForecastAsKnown: each weekly point as known at its own instant), for the
	// summary with as_known=true. Nil: the audit view's summaries carry no forecast.
	ForecastAsKnown func(ctx context.Context, program geo.Program, asOf time.Time) (wire.Forecast, error)
	// PublicRead lets anyone read villages and the summary (GET /api/v1/villages, /summary)
	// without a token. Uploads always need one.
	PublicRead bool

	// MaxBodyBytes caps an upload as sent (default 64 MiB); MaxUnzippedBytes caps it after
	// gzip decompression (default 512 MiB).
	MaxBodyBytes     int64
	MaxUnzippedBytes int64
	// MaxGzipRatio caps how many times larger than its compressed bytes a gzip upload may
	// grow once past 16 MiB (default collector.DefaultMaxGzipRatio, 200): a decompression bomb
	// is refused with 413 after a few megabytes instead of being decoded.
	MaxGzipRatio int
	// RequestTimeout bounds a request's handling (default 5 minutes, for large uploads).
	RequestTimeout time.Duration
	// MaxConcurrentUploads bounds the uploads decoded at once (default 4): a per-village
	// report file is held in memory while it is validated, so this bounds memory. Further
	// uploads wait for a slot. A slot is taken only once the body has been received in full
	// (into a temporary file in SpoolDir, default the system's), so a slow client holds none.
	MaxConcurrentUploads int
	// MaxUploadsPerUploader bounds the slots one uploader (a carrier, or the ministry) may
	// hold at once (default 2), so one carrier's burst leaves slots for the others.
	MaxUploadsPerUploader int
	// MaxPendingPerUploader bounds the bodies one uploader may be sending at once (default
	// 4); one more is answered 429 at once.
	MaxPendingPerUploader int
	// MinUploadRate (bytes/s, default 10 KiB/s) and UploadIdleTimeout (default 30 s): a body
	// must send something within every UploadIdleTimeout and, after the first, keep up
	// MinUploadRate on average; a slower one is cut off with 408.
	MinUploadRate     int64
	UploadIdleTimeout time.Duration
	SpoolDir          string

	// MaxVillageStreams bounds the whole village lists (GET /api/v1/villages without a limit)
	// written at once (default 2). Such a list is written while the store reads it, so it holds
	// a database connection until the client has read the last byte: without a bound, a few
	// clients that read nothing took every connection of the pool (PostgreSQL's 8, SQLite's 4
	// readers) for the whole request timeout, and uploads and every other read of the instance
	// waited. One more is answered 503 too-many-lists at once; a page (?limit=) is not bounded,
	// since it is read before it is written.
	MaxVillageStreams int
	// MaxForecastsAsKnown bounds the forecasts as known then computed at once for summaries
	// with as_known=true (default 1). Each walks every village's whole history in one read
	// transaction on the request (the current view's forecast is the evaluation's, computed
	// once per refresh): anyone who may read the summary could start as many as they liked,
	// each holding a database connection and a core for the walk, and the uploads and the
	// evaluations would wait. One more waits for a place (up to the request's timeout) before
	// it reads anything.
	MaxForecastsAsKnown int

	uploads          *uploadGate
	uploadSlotsOnce  sync.Once
	streams          chan struct{}
	streamsOnce      sync.Once
	forecasts        chan struct{}
	forecastsOnce    sync.Once
	forecastsWaiting atomic.Int32 // requests waiting for a place (read by the tests)
	// spoolHook, when set (tests), is called when a body starts being received.
	spoolHook func(uploader string)

	srv *http.Server
	ln  net.Listener
}

// Handler returns the API's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/uploads", s.handleUpload)
	mux.HandleFunc("GET /api/v1/uploads", s.handleUploads)
	mux.HandleFunc("GET /api/v1/uploads/{id}", s.handleUploadByID)
	mux.HandleFunc("GET /api/v1/villages", s.handleVillages)
	mux.HandleFunc("GET /api/v1/villages/{id}", s.handleVillage)
	mux.HandleFunc("GET /api/v1/summary", s.handleSummary)
	mux.HandleFunc("GET /api/v1/worklist", s.handleWorkList)
	mux.HandleFunc("GET /api/v1/burndown", s.handleBurndown)
	mux.HandleFunc("GET /api/v1/schemas/{name...}", s.handleSchema)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", s.handleReady)
	if s.Metrics != nil {
		mux.HandleFunc("GET /metrics", s.handleMetrics)
	}
	s.routePage(mux)
	s.routeOGC(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowedMethods(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, Errorf(EMETHOD, "%s %s: this endpoint takes %s", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeError(w, r, Errorf(ENOTFOUND, "no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return withGzip(mux)
}

// probeMethods are the methods allowedMethods tries.
var probeMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions}

// allowedMethods lists the methods mux routes r's path to a real endpoint with (anything but
// the catch-all "/"), so a known path asked with the wrong method is a 405 naming them rather
// than a 404. The catch-all matches every method, which keeps ServeMux from answering 405
// by itself.
func allowedMethods(mux *http.ServeMux, r *http.Request) []string {
	var allow []string
	for _, m := range probeMethods {
		if m == r.Method {
			continue
		}
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" {
			allow = append(allow, m)
		}
	}
	return allow
}

// Open listens on Addr and serves in the background. Use Listener().Addr() to learn the
// port when Addr ends in ":0".
func (s *Server) Open() error {
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return err
	}
	s.ln = ln
	timeout := s.RequestTimeout
	if timeout <= 0 {
		timeout = 5 * time.Minute
	}
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       timeout,
		WriteTimeout:      timeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.logger().Handler(), slog.LevelWarn),
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logger().Error("http server stopped", "err", err)
		}
	}()
	return nil
}

// Listener returns the listener Open created.
func (s *Server) Listener() net.Listener { return s.ln }

// URL returns the base URL the server listens on, e.g. http://127.0.0.1:8080.
func (s *Server) URL() string { return "http://" + s.ln.Addr().String() }

// Shutdown stops accepting requests and waits for running ones until ctx ends.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// Close closes the listener and every connection at once: the requests still running see
// their contexts cancelled.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Close()
}

func (s *Server) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Server) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if err := s.Store.Ping(r.Context()); err != nil {
		s.logger().Error("readyz: database", "err", err)
		s.writeError(w, r, Errorf(ENOTREADY, "database unavailable"))
		return
	}
	if s.Snapshot != nil && s.Snapshot() == nil {
		s.writeError(w, r, Errorf(ENOTREADY, "first status evaluation still running"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ready\n")
}

// handleMetrics serves GET /metrics: open when PublicRead, else for a ministry token only (a
// carrier's token is refused: the metrics carry the other carriers' figures).
func (s *Server) handleMetrics(w http.ResponseWriter, r *http.Request) {
	if !s.PublicRead {
		tok := s.requireToken(w, r)
		if tok == nil {
			return
		}
		if tok.Role != geo.RoleMinistry {
			s.writeError(w, r, Errorf(EFORBIDDEN, "with server.public_read off, /metrics needs a ministry token"))
			return
		}
	}
	// The exposition takes no query parameters and ignored them: an as_of or as_known given
	// (a scrape's params, a hand-typed URL) would have answered today's figures.
	q := r.URL.Query()
	if q.Has("as_known") {
		s.writeError(w, r, asKnownElsewhere(r.URL.Path))
		return
	}
	if q.Has("as_of") {
		s.writeError(w, r, Errorf(EINVALID, "as_of: the metrics are the figures now (the status snapshot); the figures as of an instant are served by /api/v1/summary?as_of= and /api/v1/villages?as_of="))
		return
	}
	s.Metrics.ServeHTTP(w, r)
}

func (s *Server) handleSchema(w http.ResponseWriter, r *http.Request) {
	if err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	b, ok := format.Schema(r.PathValue("name"))
	if !ok {
		s.writeError(w, r, Errorf(ENOTFOUND, "no schema %s", r.PathValue("name")))
		return
	}
	w.Header().Set("Content-Type", "application/schema+json")
	w.Write(b)
}
