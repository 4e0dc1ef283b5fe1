package httpapi

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/covmon/covmon/collector"
	"github.com/covmon/covmon/geo"
	"github.com/covmon/covmon/geo/wire"
)

// handleUpload serves POST /api/v1/uploads: a raw or multipart (field "file") body, optionally
// gzip-compressed (Content-Encoding: gzip, or gzip bytes). Query: kind (observations, the
// default; areas for coverage areas; plans for a carrier's plans; or villages, assignments or
// crosswalk for the ministry), name (file name when the
// body has none), dry_run=1.
func (s *Server) handleUpload(w http.ResponseWriter, r *http.Request) {
	tok := s.requireToken(w, r)
	if tok == nil {
		return
	}
	q := r.URL.Query()
	kind, err := collector.ParseKind(q.Get("kind"))
	if err != nil {
		s.writeError(w, r, Errorf(EINVALID, "kind: want observations, areas, plans, villages, assignments or crosswalk, got %q", q.Get("kind")))
		return
	}
	if collector.MinistryOnly(kind) && tok.Role != geo.RoleMinistry {
		s.writeError(w, r, Errorf(EFORBIDDEN, "only a ministry token may upload the village registry or assignments"))
		return
	}
	if tok.Role == geo.RoleInspector && kind != geo.KindObservations {
		s.writeError(w, r, Errorf(EFORBIDDEN, "an inspector's token uploads independent measurements (observations/v1) only"))
		return
	}
	if kind == geo.KindCrosswalk && tok.Role != geo.RoleMinistry {
		s.writeError(w, r, Errorf(EFORBIDDEN, "only a ministry token may upload a crosswalk of administrative units"))
		return
	}
	f := collector.File{Kind: kind, Source: "api", TokenID: tok.ID, DryRun: q.Get("dry_run") == "1" || q.Get("dry_run") == "true"}
	switch tok.Role {
	case geo.RoleCarrier:
		f.Carrier = tok.Carrier
	case geo.RoleInspector:
		f.Inspector = true // measurements of any carrier, each naming its carrier
	default:
		f.Carrier = q.Get("carrier")
	}

	maxBody := s.MaxBodyBytes
	if maxBody <= 0 {
		maxBody = 64 << 20
	}
	// The slots are shared by a carrier's tokens (one company) and by the ministry's; each
	// inspector token is its own uploader: inspectors are separate bodies (provinces, a crowd
	// app), and one holding its slots must not lock every other inspector out.
	uploader := tok.Role + ":" + tok.Carrier
	if tok.Role == geo.RoleInspector {
		uploader = tok.Role + ":" + strconv.FormatInt(tok.ID, 10)
	}
	leave, ok := s.gate().admit(uploader)
	if !ok {
		w.Header().Set("Retry-After", "60")
		s.writeError(w, r, Errorf(EBUSY, "this token's uploader already has %d uploads being sent; wait for one to finish", s.gate().pendingMax))
		return
	}
	defer leave()
	if s.spoolHook != nil {
		s.spoolHook(uploader)
	}
	body := http.MaxBytesReader(w, r.Body, maxBody)
	name := path.Base(q.Get("name"))
	var rd io.Reader = body
	if mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" && params["boundary"] != "" {
		// The parts before the file's are small: they get one idle timeout.
		http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.idleTimeout()))
		part, fname, err := filePart(r, body)
		if err != nil {
			s.uploadReadError(w, r, uploader, err, maxBody, Errorf(EINVALID, "%v", err))
			return
		}
		defer part.Close()
		rd = part
		if fname != "" {
			name = path.Base(fname)
		}
	}
	if name == "" || name == "." || name == "/" {
		name = "upload.geojson"
	}
	if why := geo.CheckFileName(name); why != "" {
		s.writeError(w, r, Errorf(EINVALID, "name: %s; nothing was stored", why))
		return
	}
	f.Name = name

	// Receive the whole body before taking a decode slot.
	spooled, err := s.spool(w, rd)
	if err != nil {
		s.uploadReadError(w, r, uploader, err, maxBody, fmt.Errorf("receive upload: %w", err))
		return
	}
	defer closeSpool(spooled)
	done, err := s.gate().acquire(r.Context(), uploader)
	if err != nil {
		s.logger().Warn("api: upload abandoned: the client went away while it waited for a slot", "uploader", uploader, "file", f.Name)
		return
	}
	defer done()
	rd, err = s.maybeGunzip(r, spooled)
	if err != nil {
		s.writeError(w, r, Errorf(EINVALID, "gzip: %v", err))
		return
	}
	u, err := s.Ingest(r.Context(), f, rd)
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe), errors.Is(err, collector.ErrTooLarge):
		s.writeError(w, r, Errorf(ETOOLARGE, "the limits are %d bytes as sent, %d bytes uncompressed and a compression ratio of %d (above 16 MiB); split the file", maxBody, s.maxUnzipped(), s.maxGzipRatio()))
		return
	case errors.Is(err, collector.ErrUnknownCarrier):
		s.writeError(w, r, Errorf(EINVALID, "carrier %q is not configured", f.Carrier))
		return
	case badBody(err):
		s.writeError(w, r, Errorf(EINVALID, "the body could not be read to the end (truncated or corrupt upload, or bad gzip); nothing was stored"))
		return
	case errors.Is(err, geo.ErrConflict):
		// The store's text names villages, dates and the rule, never SQL.
		s.writeError(w, r, Errorf(ECONFLICT, "%s; nothing was stored", strings.TrimSuffix(err.Error(), ": "+geo.ErrConflict.Error())))
		return
	case err != nil && clientGone(r, err):
		s.logger().Warn("api: upload abandoned: the client disconnected before it was stored; nothing was stored", "uploader", uploader, "file", f.Name)
		return
	case err != nil:
		s.writeError(w, r, fmt.Errorf("ingest: %w", err))
		return
	}
	rep := wire.NewUpload(u)
	switch u.Result {
	case geo.ResultRejected:
		s.writeError(w, r, &Error{Code: EREJECTED, Report: &rep,
			Message: fmt.Sprintf("%s has %d problem(s); nothing from it was stored", u.FileName, len(u.Problems))})
	case geo.ResultDuplicate:
		writeJSON(w, http.StatusOK, "", rep)
	default:
		status := http.StatusCreated
		if f.DryRun {
			status = http.StatusOK
		} else {
			w.Header().Set("Location", "/api/v1/uploads/"+strconv.FormatInt(u.ID, 10))
		}
		writeJSON(w, status, "", rep)
	}
}

// uploadReadError answers a failure to receive an upload's body: too large (413), too slow
// (408), the client gone (logged as such, no answer anyone would read), else other.
func (s *Server) uploadReadError(w http.ResponseWriter, r *http.Request, uploader string, err error, maxBody int64, other error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		s.writeError(w, r, Errorf(ETOOLARGE, "the limits are %d bytes as sent, %d bytes uncompressed and a compression ratio of %d (above 16 MiB); split the file", maxBody, s.maxUnzipped(), s.maxGzipRatio()))
	case errors.Is(err, errTooSlow):
		s.logger().Warn("api: upload cut off: the body came too slowly", "uploader", uploader, "err", err)
		w.Header().Set("Connection", "close")
		s.writeError(w, r, Errorf(ETOOSLOW, "the body must keep arriving: something every %v and %d bytes/s on average; nothing was stored", s.idleTimeout(), s.minRate()))
	case clientGone(r, err):
		s.logger().Warn("api: upload abandoned: the client disconnected while sending it; nothing was stored", "uploader", uploader, "err", err)
	default:
		s.writeError(w, r, other)
	}
}

func (s *Server) idleTimeout() time.Duration {
	if s.UploadIdleTimeout <= 0 {
		return defaultUploadIdleTimeout
	}
	return s.UploadIdleTimeout
}

func (s *Server) minRate() int64 {
	if s.MinUploadRate <= 0 {
		return defaultMinUploadRate
	}
	return s.MinUploadRate
}

// badBody reports whether err comes from reading a broken request body rather than from covmon.
func badBody(err error) bool {
	var corrupt flate.CorruptInputError
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, gzip.ErrChecksum) || errors.Is(err, gzip.ErrHeader) ||
		errors.As(err, &corrupt)
}

func (s *Server) maxGzipRatio() int {
	if s.MaxGzipRatio <= 0 {
		return collector.DefaultMaxGzipRatio
	}
	return s.MaxGzipRatio
}

func (s *Server) maxUnzipped() int64 {
	if s.MaxUnzippedBytes <= 0 {
		return 512 << 20
	}
	return s.MaxUnzippedBytes
}

// maybeGunzip decompresses rd when the request says gzip or the bytes start with gzip's magic.
func (s *Server) maybeGunzip(r *http.Request, rd io.Reader) (io.Reader, error) {
	br := bufio.NewReader(rd)
	magic, _ := br.Peek(2)
	if r.Header.Get("Content-Encoding") != "gzip" && !(len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
		return br, nil
	}
	in := &collector.CountingReader{R: br}
	zr, err := gzip.NewReader(in)
	if err != nil {
		return nil, err
	}
	return collector.LimitReader(collector.RatioReader(zr, in, s.MaxGzipRatio), s.maxUnzipped()), nil
}

// filePart returns the multipart part named "file" (or the first part with a file name).
func filePart(r *http.Request, body io.ReadCloser) (io.ReadCloser, string, error) {
	r.Body = body
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, "", errors.New(`multipart: no part named "file"`)
		}
		if err != nil {
			return nil, "", fmt.Errorf("multipart: %w", err)
		}
		if p.FormName() == "file" || p.FileName() != "" {
			return p, p.FileName(), nil
		}
		p.Close()
	}
}

// handleUploads serves GET /api/v1/uploads: a carrier sees its own uploads, the ministry all,
// newest first. Query: carrier (ministry only), result, limit (default 100, at most 1000),
// cursor (from the previous page's next link).
func (s *Server) handleUploads(w http.ResponseWriter, r *http.Request) {
	tok := s.requireToken(w, r)
	if tok == nil {
		return
	}
	if err := checkParams(r, "carrier", "result", "limit", "cursor"); err != nil {
		s.writeError(w, r, err)
		return
	}
	pg, err := parsePaging(r, 100, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	res, err := geo.ParseUploadResult(q.Get("result"))
	if err != nil {
		s.writeError(w, r, Errorf(EINVALID, "%v", err))
		return
	}
	f := geo.UploadFilter{Carrier: q.Get("carrier"), Result: res, Limit: pg.limit + 1}
	switch tok.Role {
	case geo.RoleCarrier:
		// Its own files only: an inspector's measurements name the carrier they measured,
		// but they are not the carrier's uploads (docs/security.md).
		f.Carrier, f.Role = tok.Carrier, geo.RoleCarrier
	case geo.RoleInspector:
		f.TokenID = tok.ID
	}
	if pg.cursor != "" {
		idText, ok := strings.CutPrefix(pg.cursor, "upload:")
		id, err := strconv.ParseInt(idText, 10, 64)
		if !ok || err != nil || id < 1 {
			s.writeError(w, r, badCursor())
			return
		}
		f.BeforeID = id
	}
	ups, err := s.Store.Uploads(r.Context(), f)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("list uploads: %w", err))
		return
	}
	next := ""
	if len(ups) > pg.limit {
		ups = ups[:pg.limit]
		next = nextURL(r, "upload:"+strconv.FormatInt(ups[len(ups)-1].ID, 10))
		setNextLink(w, next)
	}
	out := wire.NewUploads(ups)
	out.Next = next
	writeJSON(w, http.StatusOK, "", out)
}

// handleUploadByID serves GET /api/v1/uploads/{id}; a carrier's token sees only its own.
func (s *Server) handleUploadByID(w http.ResponseWriter, r *http.Request) {
	tok := s.requireToken(w, r)
	if tok == nil {
		return
	}
	if err := checkParams(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, Errorf(EINVALID, "upload id: want a number"))
		return
	}
	u, err := s.Store.Upload(r.Context(), id)
	if errors.Is(err, geo.ErrNotFound) || (err == nil && tok.Role == geo.RoleCarrier && (u.Carrier != tok.Carrier || u.Role != geo.RoleCarrier)) ||
		(err == nil && tok.Role == geo.RoleInspector && u.TokenID != tok.ID) {
		s.writeError(w, r, Errorf(ENOTFOUND, "no upload %d", id))
		return
	}
	if err != nil {
		s.writeError(w, r, fmt.Errorf("get upload: %w", err))
		return
	}
	writeJSON(w, http.StatusOK, "", wire.NewUpload(u))
}
